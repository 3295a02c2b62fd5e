/**
 * Networks end to end on a one-machine lab (test/helpers/lab.ts): Docker's macvlan guide
 * walk-throughs with pings to the router and between containers, the exact `ip addr` and
 * `ip route` inside, and bad input that must change nothing.
 */
import test, { type ExecutionContext } from 'ava';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot, StateRoot } from '../helpers/tsrun';
import { hostLinks, withLab } from '../helpers/lab';
import { runInBackground } from '../helpers/background';

test.beforeEach((t) => {
  if (!isRoot) t.fail('needs root: run the suite with sudo');
});

function create(t: ExecutionContext, s: StateRoot, args: string[]): string {
  const r = s.run(['network', 'create', ...args]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^[0-9a-f]{64}\n$/);
  return r.stdout.trim();
}

function inspect(s: StateRoot, name: string): Record<string, any> {
  return JSON.parse(s.run(['network', 'inspect', name]).stdout)[0];
}

const ETH0 = (mac: string, cidr: string, brd: string): RegExp =>
  new RegExp(
    `^\\d+: eth0@if\\d+: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue state UP qlen 1000\\n` +
      `    link/ether ${mac} brd ff:ff:ff:ff:ff:ff\\n` +
      `    inet ${cidr.replace(/\./g, '\\.')} brd ${brd.replace(/\./g, '\\.')} scope global eth0\\n` +
      `       valid_lft forever preferred_lft forever\\n$`,
  );

test('pub_net: Docker\'s macvlan bridge walk-through', async (t) => {
  await withLab(['172.16.86.1/24'], (s, lab) => {
    const id = create(t, s, ['-d', 'macvlan', '--subnet=172.16.86.0/24', '--gateway=172.16.86.1', '-o', `parent=${lab.parent}`, 'pub_net']);
    const ls = s.run(['network', 'ls']).stdout.split('\n');
    t.regex(ls[0]!, /^NETWORK ID +NAME +DRIVER +SCOPE$/);
    t.true(ls.some((l) => new RegExp(`^${id.slice(0, 12)} +pub_net +macvlan +local$`).test(l)));
    const r = s.run(['run', '--rm', '--net=pub_net', '--ip=172.16.86.10', 'alpine', 'sh', '-c', 'ip addr show eth0; echo ---; ip route; echo ---; ping -c1 -W2 172.16.86.1 >/dev/null && echo router-ok']);
    t.is(r.code, 0, r.stderr);
    const [addr, route, ping] = r.stdout.split('---\n');
    t.regex(addr!, ETH0('02:42:ac:10:56:0a', '172.16.86.10/24', '172.16.86.255'));
    t.is(route, 'default via 172.16.86.1 dev eth0 \n172.16.86.0/24 dev eth0 scope link  src 172.16.86.10 \n');
    t.is(ping, 'router-ok\n');
    t.is(lab.neighbours().get('172.16.86.10'), '02:42:ac:10:56:0a', 'the router saw the container\'s own MAC');
    t.deepEqual(inspect(s, 'pub_net').Containers, {}, 'the address is released when the container exits');
  });
});

test('containers on one network reach each other by name; inspect lists them; rm waits for them', async (t) => {
  await withLab(['172.16.86.1/24'], async (s, lab) => {
    create(t, s, ['-d', 'macvlan', '--subnet=172.16.86.0/24', '-o', `parent=${lab.parent}`, 'pub_net']);
    const c1 = await runInBackground(s, ['--name', 'web1', '--net', 'pub_net']);
    try {
      const net = inspect(s, 'pub_net');
      const eps = Object.values(net.Containers) as Array<Record<string, string>>;
      t.is(eps.length, 1);
      t.like(eps[0], { Name: 'web1', MacAddress: '02:42:ac:10:56:02', IPv4Address: '172.16.86.2/24', IPv6Address: '' });
      t.regex(eps[0]!.EndpointID!, /^[0-9a-f]{64}$/);
      const rm = s.run(['network', 'rm', 'pub_net']);
      t.is(rm.code, 1);
      t.regex(rm.stderr, /^tsrun: error while removing network: network pub_net id [0-9a-f]{64} has active endpoints/);
      const r = s.run(['run', '--rm', '--name', 'web2', '--net', 'pub_net', 'alpine', 'sh', '-c', 'ping -c1 -W2 web1 && ping -c1 -W2 172.16.86.1 >/dev/null && grep web /etc/hosts']);
      t.is(r.code, 0, r.stderr);
      t.regex(r.stdout, /^PING web1 \(172\.16\.86\.2\)/);
      t.regex(r.stdout, /172\.16\.86\.3\t[0-9a-f]{12} web2\n172\.16\.86\.2\tweb1 [0-9a-f]{12}\n$/);
    } finally {
      t.is(await c1.stop(), 0);
    }
    t.deepEqual(inspect(s, 'pub_net').Containers, {});
    t.is(s.run(['network', 'rm', 'pub_net']).stdout, 'pub_net\n');
  });
});

test('a container that leaves is removed from the others\' /etc/hosts', async (t) => {
  await withLab(['10.5.0.1/24'], async (s, lab) => {
    create(t, s, ['-d', 'macvlan', '--subnet=10.5.0.0/24', '-o', `parent=${lab.parent}`, 'n1']);
    const a = await runInBackground(s, ['--name', 'ca', '--net', 'n1']);
    const b = await runInBackground(s, ['--name', 'cb', '--net', 'n1'], 'grep -qE "10.5.0.2\tca [0-9a-f]{12}$" /etc/hosts && echo sees-a');
    t.is(b.output, 'sees-a\n');
    t.is(await a.stop(), 0);
    const hostsOfB = s.run(['run', '--rm', '--net', 'n1', 'alpine', 'sh', '-c', 'ping -c1 -W1 ca >/dev/null 2>&1 || echo a-gone; ping -c1 -W2 cb >/dev/null && echo b-here']);
    t.is(hostsOfB.stdout, 'a-gone\nb-here\n');
    t.is(await b.stop(), 0);
  });
});

test('ip-range and aux-address (Docker guide): allocation starts in the range and skips the aux address', async (t) => {
  await withLab(['192.168.32.254/24'], async (s, lab) => {
    create(t, s, ['-d', 'macvlan', '--subnet=192.168.32.0/24', '--ip-range=192.168.32.128/25', '--gateway=192.168.32.254', '--aux-address', 'my-router=192.168.32.129', '-o', `parent=${lab.parent}`, 'macnet32']);
    t.deepEqual(inspect(s, 'macnet32').IPAM.Config, [
      { Subnet: '192.168.32.0/24', IPRange: '192.168.32.128/25', Gateway: '192.168.32.254', AuxiliaryAddresses: { 'my-router': '192.168.32.129' } },
    ]);
    const first = await runInBackground(s, ['--net', 'macnet32']);
    try {
      const r = s.run(['run', '--rm', '--net', 'macnet32', 'alpine', 'sh', '-c', 'ip -o -4 addr show eth0 | awk "{print \\$4}"; ping -c1 -W2 192.168.32.254 >/dev/null && echo gw-ok']);
      t.is(r.stdout, '192.168.32.130/24\ngw-ok\n');
      const aux = s.run(['run', '--rm', '--net', 'macnet32', '--ip', '192.168.32.129', 'alpine', 'true']);
      t.is(aux.code, 125);
      t.is(aux.stderr, 'tsrun: Address already in use: 192.168.32.129\n');
    } finally {
      await first.stop();
    }
  });
});

test('two subnets: automatic addresses come from the first, --ip picks the subnet and its gateway', async (t) => {
  await withLab(['10.1.20.1/24', '10.1.10.1/24'], (s, lab) => {
    create(t, s, ['-d', 'macvlan', '--subnet=10.1.20.0/24', '--subnet=10.1.10.0/24', '--gateway=10.1.20.1', '--gateway=10.1.10.1', '-o', `parent=${lab.parent}`, 'two']);
    const auto = s.run(['run', '--rm', '--net', 'two', 'alpine', 'ip', 'route']);
    t.is(auto.stdout, 'default via 10.1.20.1 dev eth0 \n10.1.20.0/24 dev eth0 scope link  src 10.1.20.2 \n');
    const chosen = s.run(['run', '--rm', '--net', 'two', '--ip', '10.1.10.50', 'alpine', 'sh', '-c', 'ip route; ping -c1 -W2 10.1.10.1 >/dev/null && echo gw-ok']);
    t.is(chosen.stdout, 'default via 10.1.10.1 dev eth0 \n10.1.10.0/24 dev eth0 scope link  src 10.1.10.50 \ngw-ok\n');
  });
});

test('dual stack: an IPv6 address with nodad, the v6 default route, ping6 to the router', async (t) => {
  await withLab(['192.168.216.1/24', '2001:db8:abc8::10/64'], (s, lab) => {
    create(t, s, ['-d', 'macvlan', '--ipv6', '--subnet=192.168.216.0/24', '--subnet=2001:db8:abc8::/64', '--gateway=192.168.216.1', '--gateway=2001:db8:abc8::10', '-o', `parent=${lab.parent}`, 'v6net']);
    t.is(inspect(s, 'v6net').EnableIPv6, true);
    const r = s.run(['run', '--rm', '--net', 'v6net', 'alpine', 'sh', '-c', 'ip -6 addr show eth0 scope global; ip -6 route show default; ping6 -c1 -W2 2001:db8:abc8::10 >/dev/null && echo v6-ok']);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, /inet6 2001:db8:abc8::1\/64 scope global flags 02 \n/, 'flags 02 is IFA_F_NODAD');
    t.regex(r.stdout, /default via 2001:db8:abc8::10 dev eth0  metric 1024 \n/);
    t.regex(r.stdout, /v6-ok\n$/);
    const fixed = s.run(['run', '--rm', '--net', 'v6net', '--ip6', '2001:db8:abc8::99', 'alpine', 'sh', '-c', 'ip -6 -o addr show eth0 scope global | awk "{print \\$4}"']);
    t.is(fixed.stdout, '2001:db8:abc8::99/64\n');
  });
});

test('without IPv6 the container has none; freed addresses are reused; --mac-address is honoured', async (t) => {
  await withLab(['172.16.86.1/24'], (s, lab) => {
    create(t, s, ['-d', 'macvlan', '--subnet=172.16.86.0/24', '-o', `parent=${lab.parent}`, 'v4only']);
    const a = s.run(['run', '--rm', '--net', 'v4only', 'alpine', 'sh', '-c', 'ip -o addr | grep -c inet6; ip -o -4 addr show eth0 | awk "{print \\$4}"']);
    t.is(a.stdout, '0\n172.16.86.2/24\n');
    const b = s.run(['run', '--rm', '--net', 'v4only', '--mac-address', '02:AA:BB:CC:DD:EE', 'alpine', 'sh', '-c', 'cat /sys/class/net/eth0/address; ip -o -4 addr show eth0 | awk "{print \\$4}"']);
    t.is(b.stdout, '02:aa:bb:cc:dd:ee\n172.16.86.2/24\n');
  });
});

test('network ls -q and --format json, inspect of labels and options, prune', async (t) => {
  await withLab(['172.16.86.1/24'], (s, lab) => {
    const id = create(t, s, ['-d', 'macvlan', '--subnet=172.16.86.0/24', '-o', `parent=${lab.parent}`, '-o', 'macvlan_mode=private', '--label', 'lab=one', 'labnet']);
    t.true(s.run(['network', 'ls', '-q']).stdout.split('\n').includes(id.slice(0, 12)));
    const json = s.run(['network', 'ls', '--format', 'json']).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    t.like(json.find((n) => n.Name === 'labnet'), { Driver: 'macvlan', ID: id.slice(0, 12), IPv6: 'false', Internal: 'false', Labels: 'lab=one', Scope: 'local' });
    t.deepEqual(json.map((n) => n.Name), ['host', 'labnet', 'none']);
    const n = inspect(s, 'labnet');
    t.like(n, { Name: 'labnet', Id: id, Scope: 'local', Driver: 'macvlan', Internal: false, Options: { parent: lab.parent, macvlan_mode: 'private' }, Labels: { lab: 'one' } });
    t.is(s.run(['network', 'prune', '-f']).stdout, 'Deleted Networks:\nlabnet\n');
    t.deepEqual(s.networkNames(), []);
  });
});

test('bad input: one line, exit 1 (125 for run), and no network, link, address or container left', async (t) => {
  await withLab(['172.16.86.1/24'], async (s, lab) => {
    create(t, s, ['-d', 'macvlan', '--subnet=172.16.86.0/24', '-o', `parent=${lab.parent}`, 'pub_net']);
    const linksBefore = hostLinks(lab);
    const p = `parent=${lab.parent}`;
    const netCases: Array<[string[], string]> = [
      [['--subnet=10.0.0.0/33', '-o', p, 'x'], 'invalid subnet "10.0.0.0/33": not a CIDR address like 172.16.86.0/24 or 2001:db8::/64'],
      [['--subnet=10.0.0.5/24', '-o', p, 'x'], 'invalid subnet "10.0.0.5/24": it has host bits set (did you mean 10.0.0.0/24?)'],
      [['--subnet=10.0.0.0/24', '--gateway=10.0.1.1', '-o', p, 'x'], 'no matching subnet for gateway 10.0.1.1'],
      [['--subnet=10.0.0.0/24', '--ip-range=10.0.1.0/25', '-o', p, 'x'], 'no matching subnet for range 10.0.1.0/25'],
      [['--subnet=10.0.0.0/24', '--aux-address', 'r=10.0.1.5', '-o', p, 'x'], 'no matching subnet for aux-address 10.0.1.5'],
      [['--subnet=172.16.86.0/25', '-o', p, 'x'], 'Pool overlaps with other one on this address space'],
      [['--subnet=10.0.0.0/24', '-o', p, 'pub_net'], 'network with name pub_net already exists'],
      [['-d', 'bridge', '--subnet=10.0.0.0/24', 'x'], 'unknown network driver "bridge": tsrun has macvlan and ipvlan (-d macvlan|ipvlan)'],
      [['--subnet=10.0.0.0/24', '-o', p, '-o', 'macvlan_mode=fast', 'x'], "requested macvlan mode 'fast' is not valid, 'bridge' mode is the macvlan driver default (modes: private, vepa, bridge, passthru)"],
      [['--subnet=10.0.0.0/24', '-o', p, '-o', 'ipvlan_mode=l2', 'x'], 'unknown option "ipvlan_mode" for the macvlan driver (options: parent, macvlan_mode)'],
      [['--subnet=10.0.0.0/24', '-o', 'parent=nosuchnic', 'x'], '-o parent interface was not found on the host: nosuchnic'],
      [['--subnet=10.0.0.0/24', '-o', `parent=${lab.parent}.0`, 'x'], `vlan id must be between 1-4094, received: 0`],
      [['--subnet=10.0.0.0/24', '-o', `parent=${lab.parent}.4095`, 'x'], `vlan id must be between 1-4094, received: 4095`],
      [['--subnet=10.0.0.0/24', '-o', 'parent=averyveryverylongnic', 'x'], 'invalid interface name "averyveryverylongnic": it must be 1-15 characters long'],
      [['--subnet=10.0.0.0/24', '-o', 'parent=nic.x.y', 'x'], 'invalid subinterface vlan name nic.x.y, example formatting is eth0.10'],
    ];
    for (const [args, message] of netCases) {
      const r = s.run(['network', 'create', ...(args.includes('-d') ? [] : ['-d', 'macvlan']), ...args]);
      t.is(r.code, 1, args.join(' '));
      t.is(r.stderr, `tsrun: ${message}\n`, args.join(' '));
    }
    const runCases: Array<[string[], string]> = [
      [['--net', 'pub_net', '--ip', '10.9.9.9'], "Invalid address 10.9.9.9: It does not belong to any of this network's subnets"],
      [['--net', 'pub_net', '--ip', '172.16.86.1'], "Address already in use: 172.16.86.1 is the network's gateway"],
      [['--net', 'pub_net', '--ip', '172.16.86.300'], 'invalid IPv4 address: 172.16.86.300'],
      [['--net', 'pub_net', '--mac-address', '02:42:zz:00:00:01'], 'invalid MAC address "02:42:zz:00:00:01": use six hex bytes like 02:42:ac:10:56:0a'],
      [['--net', 'nosuchnet'], "network nosuchnet not found (see 'tsrun network ls')"],
      [['--net', 'none', '--ip', '10.0.0.2'], 'user specified IP address is supported on user defined networks only'],
    ];
    // Docker 20.10 ignores --ip6 on a network without IPv6; tsrun too, with a warning.
    const v4only = s.run(['run', '--rm', '--net', 'pub_net', '--ip6', '2001:db8::5', 'alpine', 'sh', '-c', 'ip -o addr show eth0 | grep -c inet6 || true']);
    t.is(v4only.code, 0, v4only.stderr);
    t.is(v4only.stdout, '0\n', 'no IPv6 address on eth0');
    t.is(v4only.stderr, 'tsrun: warning: --ip6 2001:db8::5 ignored: network pub_net was created without --ipv6, so its containers get no IPv6 address (as Docker)\n');
    for (const [args, message] of runCases) {
      const r = s.run(['run', '--rm', ...args, 'alpine', 'true']);
      t.is(r.code, 125, args.join(' '));
      t.is(r.stderr, `tsrun: ${message}\n`, args.join(' '));
    }
    // A network without a user subnet refuses --ip.
    create(t, s, ['-d', 'macvlan', '-o', `parent=${lab.parent}`, 'autonet']);
    const auto = s.run(['run', '--rm', '--net', 'autonet', '--ip', '172.18.0.5', 'alpine', 'true']);
    t.is(auto.stderr, 'tsrun: user specified IP address is supported only when connecting to networks with user configured subnets (--ip 172.18.0.5 on autonet)\n');
    t.is(s.run(['network', 'rm', 'autonet']).code, 0);
    // An address in use.
    const holder = await runInBackground(s, ['--net', 'pub_net', '--ip', '172.16.86.20']);
    try {
      const taken = s.run(['run', '--rm', '--net', 'pub_net', '--ip', '172.16.86.20', 'alpine', 'true']);
      t.is(taken.stderr, 'tsrun: Address already in use: 172.16.86.20\n');
    } finally {
      await holder.stop();
    }
    t.deepEqual(s.networkNames(), ['pub_net']);
    t.deepEqual(hostLinks(lab), linksBefore);
    t.deepEqual(s.containerIds(), []);
    t.deepEqual(inspect(s, 'pub_net').Containers, {});
    const netDir = join(s.dir, 'networks');
    t.is(existsSync(netDir) ? readdirSync(netDir).length : 0, 1);
  });
});

test('a passthru macvlan network takes the whole parent: a second container is refused with the reason', async (t) => {
  await withLab(['172.16.86.1/24'], async (s, lab) => {
    create(t, s, ['-d', 'macvlan', '-o', 'macvlan_mode=passthru', '--subnet=172.16.86.0/24', '-o', `parent=${lab.parent}`, 'pt']);
    const first = await runInBackground(s, ['--name', 'pt1', '--net', 'pt']);
    try {
      const second = s.run(['run', '--rm', '--net', 'pt', 'alpine', 'true']);
      t.is(second.code, 125);
      t.is(second.stderr, `tsrun: network pt is a passthru macvlan, which takes the whole parent ${lab.parent}: container pt1 is already on it\n`);
      t.is(Object.keys(inspect(s, 'pt').Containers).length, 1);
    } finally {
      await first.stop();
    }
  });
});
