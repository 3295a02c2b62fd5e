/** IPAM, table-driven: pools from `network create` flags, and allocation. */
import test from 'ava';
import { buildPools, allocate, defaultPools, type IpamFlags } from '../../src/network/ipam/pools';
import { lowestFree } from '../../src/network/ipam/allocate';
import { Cidr, Ip } from '../../src/network/ip';
import type { Pool } from '../../src/state/networks';

const flags = (f: Partial<IpamFlags>): IpamFlags => ({ subnets: [], gateways: [], ipRanges: [], auxAddresses: [], ipv6: false, ...f });
const ip = (s: string): Ip => Ip.require(s, 'address');
const ips = (...s: string[]): Ip[] => s.map(ip);

const poolCases: Array<[string, Partial<IpamFlags>, Pool[]]> = [
  ['gateway defaults to the first usable address', { subnets: ['172.16.86.0/24'] }, [{ subnet: '172.16.86.0/24', gateway: '172.16.86.1', auxAddresses: {} }]],
  ['10.1.100.128/25 gets .129', { subnets: ['10.1.100.128/25'] }, [{ subnet: '10.1.100.128/25', gateway: '10.1.100.129', auxAddresses: {} }]],
  [
    'Docker guide: ip-range, gateway and aux-address',
    { subnets: ['192.168.32.0/24'], ipRanges: ['192.168.32.128/25'], gateways: ['192.168.32.254'], auxAddresses: ['my-router=192.168.32.129'] },
    [{ subnet: '192.168.32.0/24', ipRange: '192.168.32.128/25', gateway: '192.168.32.254', auxAddresses: { 'my-router': '192.168.32.129' } }],
  ],
  [
    'gateways pair with the subnet that contains them',
    { subnets: ['10.1.20.0/24', '10.1.10.0/24'], gateways: ['10.1.10.254', '10.1.20.254'] },
    [
      { subnet: '10.1.20.0/24', gateway: '10.1.20.254', auxAddresses: {} },
      { subnet: '10.1.10.0/24', gateway: '10.1.10.254', auxAddresses: {} },
    ],
  ],
  [
    'dual stack',
    { subnets: ['192.168.216.0/24', '2001:db8:abc8::/64'], gateways: ['192.168.216.1', '2001:db8:abc8::10'], ipv6: true },
    [
      { subnet: '192.168.216.0/24', gateway: '192.168.216.1', auxAddresses: {} },
      { subnet: '2001:db8:abc8::/64', gateway: '2001:db8:abc8::10', auxAddresses: {} },
    ],
  ],
  [
    "an IPv6 subnet without --ipv6 is kept, as Docker 20.10 keeps it (the ipvlan guide's ipvlan140)",
    { subnets: ['192.168.140.0/24', '2001:db8:abc9::/64'], gateways: ['192.168.140.1', '2001:db8:abc9::22'] },
    [
      { subnet: '192.168.140.0/24', gateway: '192.168.140.1', auxAddresses: {} },
      { subnet: '2001:db8:abc9::/64', gateway: '2001:db8:abc9::22', auxAddresses: {} },
    ],
  ],
  ['a /30 has its gateway and one address more', { subnets: ['10.0.0.0/30'] }, [{ subnet: '10.0.0.0/30', gateway: '10.0.0.1', auxAddresses: {} }]],
  ['IPv6 /127: the gateway is its last address (no broadcast in IPv6)', { subnets: ['10.0.0.0/24', '2001:db8::/127'], ipv6: true }, [
    { subnet: '10.0.0.0/24', gateway: '10.0.0.1', auxAddresses: {} },
    { subnet: '2001:db8::/127', gateway: '2001:db8::1', auxAddresses: {} },
  ]],
  ['the gateway inside the ip-range and an aux address outside it', { subnets: ['10.0.0.0/24'], ipRanges: ['10.0.0.0/25'], gateways: ['10.0.0.5'], auxAddresses: ['r=10.0.0.200'] }, [
    { subnet: '10.0.0.0/24', ipRange: '10.0.0.0/25', gateway: '10.0.0.5', auxAddresses: { r: '10.0.0.200' } },
  ]],
  ['one aux name given twice: the last address wins', { subnets: ['10.0.0.0/24'], auxAddresses: ['r=10.0.0.5', 'r=10.0.0.6'] }, [
    { subnet: '10.0.0.0/24', gateway: '10.0.0.1', auxAddresses: { r: '10.0.0.6' } },
  ]],
  ['no --subnet: the first default pool', {}, [{ subnet: '172.18.0.0/16', gateway: '172.18.0.1', auxAddresses: {}, auto: true }]],
];

for (const [title, f, expected] of poolCases) {
  test(`pools: ${title}`, (t) => {
    t.deepEqual(buildPools(flags(f), [], []), expected);
  });
}

test('pools: default pools skip those overlapping other networks and host routes', (t) => {
  const pools = buildPools(flags({}), [Cidr.parseNetwork('172.18.0.0/16')], [Cidr.parse('172.19.5.0/24', 'route')]);
  t.is(pools[0]!.subnet, '172.20.0.0/16');
  const all = [...defaultPools()].map(String);
  t.is(all[0], '172.18.0.0/16');
  t.is(all.at(-1), '192.168.240.0/20');
});

const poolErrors: Array<[string, Partial<IpamFlags>, string]> = [
  ['invalid CIDR', { subnets: ['172.16.86.0/33'] }, 'invalid subnet "172.16.86.0/33": not a CIDR address like 172.16.86.0/24 or 2001:db8::/64'],
  ['not a CIDR at all', { subnets: ['pub'] }, 'invalid subnet "pub": not a CIDR address like 172.16.86.0/24 or 2001:db8::/64'],
  ['host bits set', { subnets: ['172.16.86.5/24'] }, 'invalid subnet "172.16.86.5/24": it has host bits set (did you mean 172.16.86.0/24?)'],
  ['gateway outside', { subnets: ['172.16.86.0/24'], gateways: ['172.16.87.1'] }, 'no matching subnet for gateway 172.16.87.1'],
  ['ip-range outside', { subnets: ['172.16.86.0/24'], ipRanges: ['172.16.87.0/25'] }, 'no matching subnet for range 172.16.87.0/25'],
  ['aux outside', { subnets: ['172.16.86.0/24'], auxAddresses: ['r=10.0.0.1'] }, 'no matching subnet for aux-address 10.0.0.1'],
  ['aux without a name', { subnets: ['172.16.86.0/24'], auxAddresses: ['172.16.86.5'] }, 'invalid aux-address "172.16.86.5": use NAME=IP, e.g. my-router=172.16.86.5'],
  ['overlapping subnets', { subnets: ['10.0.0.0/16', '10.0.5.0/24'] }, 'multiple overlapping subnet configuration is not supported'],
  ['two gateways for one subnet', { subnets: ['10.0.0.0/24', '10.0.1.0/24'], gateways: ['10.0.0.1', '10.0.0.2'] }, 'cannot configure multiple gateways (10.0.0.2, 10.0.0.1) for the same subnet (10.0.0.0/24)'],
  ['two ip-ranges for one subnet', { subnets: ['10.0.0.0/24', '10.0.1.0/24'], ipRanges: ['10.0.0.0/25', '10.0.0.128/25'] }, 'cannot configure multiple ranges (10.0.0.128/25, 10.0.0.0/25) on the same subnet (10.0.0.0/24)'],
  ['more gateways than subnets', { subnets: ['10.0.0.0/24'], gateways: ['10.0.0.1', '10.0.0.2'] }, 'every ip-range or gateway must have a corresponding subnet'],
  ['a gateway without --subnet', { gateways: ['172.18.0.5'] }, 'every ip-range or gateway must have a corresponding subnet'],
  ['an ip-range without --subnet', { ipRanges: ['172.18.0.0/25'] }, 'every ip-range or gateway must have a corresponding subnet'],
  ['an aux address without --subnet', { auxAddresses: ['r=172.18.0.5'] }, 'no matching subnet for aux-address 172.18.0.5'],
  ['an IPv4 gateway beside only an IPv6 subnet', { subnets: ['2001:db8::/64'], gateways: ['172.18.0.1'], ipv6: true }, 'no matching subnet for gateway 172.18.0.1'],
  ['an ip-range larger than its subnet', { subnets: ['10.0.0.0/24'], ipRanges: ['10.0.0.0/23'] }, 'no matching subnet for range 10.0.0.0/23'],
  ['IPv6 gateway outside', { subnets: ['2001:db8::/64'], gateways: ['2001:db9::1'], ipv6: true }, 'no matching subnet for gateway 2001:db9::1'],
  ['IPv6 ip-range outside', { subnets: ['2001:db8::/64'], ipRanges: ['2001:db9::/80'], ipv6: true }, 'no matching subnet for range 2001:db9::/80'],
  ['IPv6 aux outside', { subnets: ['2001:db8::/64'], auxAddresses: ['r=2001:db9::5'], ipv6: true }, 'no matching subnet for aux-address 2001:db9::5'],
  ['the gateway is the network address', { subnets: ['172.16.86.0/24'], gateways: ['172.16.86.0'] },
    'failed to allocate gateway (172.16.86.0): Address already in use (it is the network address of 172.16.86.0/24)'],
  ['the gateway is the broadcast address', { subnets: ['172.16.86.0/24'], gateways: ['172.16.86.255'] },
    'failed to allocate gateway (172.16.86.255): Address already in use (it is the broadcast address of 172.16.86.0/24)'],
  ['the IPv6 gateway is the subnet-router address', { subnets: ['10.0.0.0/24', '2001:db8::/64'], gateways: ['2001:db8::'], ipv6: true },
    'failed to allocate gateway (2001:db8::): Address already in use (it is the network address of 2001:db8::/64)'],
  ['an aux address is the gateway', { subnets: ['10.0.0.0/24'], gateways: ['10.0.0.254'], auxAddresses: ['r=10.0.0.254'] },
    "failed to allocate secondary ip address (r:10.0.0.254): Address already in use (it is the network's gateway)"],
  ['an aux address is the default gateway', { subnets: ['10.0.0.0/24'], auxAddresses: ['r=10.0.0.1'] },
    "failed to allocate secondary ip address (r:10.0.0.1): Address already in use (it is the network's gateway)"],
  ['two aux names on one address', { subnets: ['10.0.0.0/24'], auxAddresses: ['a=10.0.0.5', 'b=10.0.0.5'] },
    'failed to allocate secondary ip address (b:10.0.0.5): Address already in use (it is aux-address a)'],
  ['an aux address is the network address', { subnets: ['10.0.0.0/24'], auxAddresses: ['r=10.0.0.0'] },
    'failed to allocate secondary ip address (r:10.0.0.0): Address already in use (it is the network address of 10.0.0.0/24)'],
  ['an aux address is the broadcast address', { subnets: ['10.0.0.0/24'], auxAddresses: ['r=10.0.0.255'] },
    'failed to allocate secondary ip address (r:10.0.0.255): Address already in use (it is the broadcast address of 10.0.0.0/24)'],
  ['an IPv6 aux address is the IPv6 gateway', { subnets: ['10.0.0.0/24', '2001:db8::/64'], auxAddresses: ['r=2001:db8::1'], ipv6: true },
    "failed to allocate secondary ip address (r:2001:db8::1): Address already in use (it is the network's gateway)"],
  ['a /31', { subnets: ['10.0.0.0/31'] },
    'failed to allocate gateway (): No available addresses on this pool (10.0.0.0/31 has no address left for a gateway and containers: use a /30 or larger)'],
  ['a /32 with a gateway', { subnets: ['10.0.0.7/32'], gateways: ['10.0.0.7'] },
    'failed to allocate gateway (10.0.0.7): No available addresses on this pool (10.0.0.7/32 has no address left for a gateway and containers: use a /30 or larger)'],
  ['an IPv6 /128', { subnets: ['10.0.0.0/24', '2001:db8::5/128'], ipv6: true },
    'failed to allocate gateway (): No available addresses on this pool (2001:db8::5/128 has no address left for a gateway and containers: use a /127 or larger)'],
  ['--ipv6 without an IPv6 subnet', { subnets: ['10.0.0.0/24'], ipv6: true }, '--ipv6 needs an IPv6 --subnet (e.g. --subnet 2001:db8:1::/64)'],
  ['bad gateway', { subnets: ['10.0.0.0/24'], gateways: ['10.0.0.256'] }, 'invalid gateway "10.0.0.256": not an IPv4 or IPv6 address'],
];

for (const [title, f, message] of poolErrors) {
  test(`pools refuse: ${title}`, (t) => {
    t.throws(() => buildPools(flags(f), [], []), { message });
  });
}

test('pools refuse a subnet overlapping another network', (t) => {
  t.throws(() => buildPools(flags({ subnets: ['172.16.86.0/25'] }), [Cidr.parseNetwork('172.16.86.0/24')], []), {
    message: 'Pool overlaps with other one on this address space',
  });
});

const p24: Pool = { subnet: '172.16.86.0/24', gateway: '172.16.86.1', auxAddresses: {} };
const guide: Pool = { subnet: '192.168.32.0/24', ipRange: '192.168.32.128/25', gateway: '192.168.32.254', auxAddresses: { 'my-router': '192.168.32.129' } };

const allocCases: Array<[string, Pool, Ip[], string | undefined, string]> = [
  ['lowest free after the gateway', p24, [], undefined, '172.16.86.2'],
  ['skips addresses in use', p24, ips('172.16.86.2', '172.16.86.3'), undefined, '172.16.86.4'],
  ['reuses a freed address', p24, ips('172.16.86.3'), undefined, '172.16.86.2'],
  ['the requested address', p24, [], '172.16.86.10', '172.16.86.10'],
  ['the ip-range start, skipping the aux address', guide, ips('192.168.32.128'), undefined, '192.168.32.130'],
  ['the ip-range start itself', guide, [], undefined, '192.168.32.128'],
  ['a requested address outside the ip-range but in the subnet', guide, [], '192.168.32.20', '192.168.32.20'],
  ['/30: the address after the gateway', { subnet: '10.0.0.0/30', gateway: '10.0.0.1', auxAddresses: {} }, [], undefined, '10.0.0.2'],
  ['IPv6: the last address of the subnet (no broadcast)', { subnet: '2001:db8::/126', gateway: '2001:db8::1', auxAddresses: {} }, ips('2001:db8::2'), undefined, '2001:db8::3'],
  ['IPv6: after the gateway', { subnet: '2001:db8:abc8::/64', gateway: '2001:db8:abc8::1', auxAddresses: {} }, [], undefined, '2001:db8:abc8::2'],
];

for (const [title, pool, inUse, requested, expected] of allocCases) {
  test(`allocate: ${title}`, (t) => {
    t.is(String(allocate(pool, inUse, requested === undefined ? undefined : ip(requested))), expected);
  });
}

const allocErrors: Array<[string, Pool, Ip[], string | undefined, string]> = [
  ['the gateway', p24, [], '172.16.86.1', 'Address already in use: 172.16.86.1 is the network\'s gateway'],
  ['an address in use', p24, ips('172.16.86.10'), '172.16.86.10', 'Address already in use: 172.16.86.10'],
  ['an aux address', guide, [], '192.168.32.129', 'Address already in use: 192.168.32.129'],
  ['the broadcast address', p24, [], '172.16.86.255', 'Address already in use: 172.16.86.255'],
  ['the network address', p24, [], '172.16.86.0', 'Address already in use: 172.16.86.0'],
  ['outside the subnet', p24, [], '10.0.0.1', "Invalid address 10.0.0.1: It does not belong to any of this network's subnets"],
  ['an IPv6 network address', { subnet: '2001:db8::/64', gateway: '2001:db8::1', auxAddresses: {} }, [], '2001:db8::', 'Address already in use: 2001:db8::'],
  ['a full /30', { subnet: '10.0.0.0/30', gateway: '10.0.0.1', auxAddresses: {} }, ips('10.0.0.2'), undefined, 'no available addresses in subnet 10.0.0.0/30'],
];

for (const [title, pool, inUse, requested, message] of allocErrors) {
  test(`allocate refuses ${title}`, (t) => {
    t.throws(() => allocate(pool, inUse, requested === undefined ? undefined : ip(requested)), { message });
  });
}

test('allocate on a /8 with 10,000 addresses in use gives the next one without enumerating the subnet', (t) => {
  const pool: Pool = { subnet: '10.0.0.0/8', gateway: '10.0.0.1', auxAddresses: {} };
  const base = ip('10.0.0.2').value;
  const used = Array.from({ length: 10_000 }, (_, i) => new Ip(4, base + BigInt(i)));
  t.is(String(allocate(pool, used)), '10.0.39.18');
});

test('allocate on an IPv6 /64 with a hole gives the hole', (t) => {
  const pool: Pool = { subnet: '2001:db8::/64', gateway: '2001:db8::1', auxAddresses: {} };
  t.is(String(allocate(pool, ips('2001:db8::2', '2001:db8::4'))), '2001:db8::3');
});

test('lowestFree is linear in what is taken, not in the range', (t) => {
  t.is(lowestFree(0n, (1n << 64n) - 1n, [0n, 1n, 2n, 5n]), 3n);
  t.is(lowestFree(10n, 12n, [10n, 11n, 12n]), undefined);
  t.is(lowestFree(10n, 20n, [3n, 25n]), 10n);
});
