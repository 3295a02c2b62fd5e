/**
 * A network's IPAM configuration, built from `network create` flags the way Docker's default
 * IPAM does: subnets (or a default pool), their gateways, ip-ranges and aux addresses, each
 * matched to the subnet that contains it.
 */
import type { Pool } from '../../state/networks';
import { TsrunError } from '../../sys/error';
import { formatIp, requireIp, sameIp, type Ip } from './address';
import { lowestFree } from './allocate';
import { Subnet } from './subnet';


export interface IpamFlags {
  subnets: string[];
  gateways: string[];
  ipRanges: string[];
  auxAddresses: string[];
  ipv6: boolean;
}

const OVERLAP = 'Pool overlaps with other one on this address space';

/** Docker's default local pools from 172.18.0.0/16 on (172.17 is docker0's), then 192.168.x.0/20. */
export function* defaultPools(): Generator<Subnet> {
  for (let b = 18; b <= 31; b++) yield Subnet.parse(`172.${b}.0.0/16`);
  for (let c = 0; c < 256; c += 16) yield Subnet.parse(`192.168.${c}.0/20`);
}

function matchSubnet(subnets: Subnet[], ip: Ip, what: string, text: string): Subnet {
  const s = subnets.find((x) => x.contains(ip));
  if (!s) throw new TsrunError(`no matching subnet for ${what} ${text}`);
  return s;
}

/**
 * Validates the flags and returns the pools. `taken` are the subnets of other networks;
 * `hostRoutes` the host's routes, which a default pool must not overlap either.
 */
export function buildPools(flags: IpamFlags, taken: Subnet[], hostRoutes: Subnet[]): Pool[] {
  const subnets = flags.subnets.map((s) => Subnet.parse(s));
  for (let i = 0; i < subnets.length; i++) {
    for (let j = 0; j < i; j++) if (subnets[i]!.overlaps(subnets[j]!)) throw new TsrunError(OVERLAP);
    if (taken.some((t) => t.overlaps(subnets[i]!))) throw new TsrunError(OVERLAP);
  }
  const v6 = subnets.filter((s) => s.family === 6);
  if (v6.length > 0 && !flags.ipv6) throw new TsrunError('an IPv6 --subnet needs --ipv6 to enable IPv6 on the network');
  if (flags.ipv6 && v6.length === 0) throw new TsrunError('--ipv6 needs an IPv6 --subnet (e.g. --subnet 2001:db8:1::/64)');

  const pools = new Map<Subnet, Pool>(subnets.map((s) => [s, { subnet: s.toString(), auxAddresses: {} }]));
  if (!subnets.some((s) => s.family === 4)) {
    const avoid = [...taken, ...hostRoutes];
    const free = [...defaultPools()].find((p) => !avoid.some((a) => a.overlaps(p)));
    if (!free) throw new TsrunError('could not find an available, non-overlapping IPv4 address pool: give --subnet');
    subnets.unshift(free);
    pools.set(free, { subnet: free.toString(), auxAddresses: {}, auto: true });
  }
  const all = [...pools.keys()];
  const poolOf = (s: Subnet): Pool => pools.get(s)!;

  for (const text of flags.gateways) {
    const ip = requireIp(text, 'gateway');
    const pool = poolOf(matchSubnet(all, ip, 'gateway', text));
    if (pool.gateway) throw new TsrunError(`cannot have more than one gateway for subnet ${pool.subnet}`);
    pool.gateway = formatIp(ip);
  }
  for (const text of flags.ipRanges) {
    const range = Subnet.parse(text, 'ip-range', false);
    const s = all.find((x) => x.containsSubnet(range));
    if (!s) throw new TsrunError(`no matching subnet for range ${text}`);
    const pool = poolOf(s);
    if (pool.ipRange) throw new TsrunError(`cannot have more than one ip-range for subnet ${pool.subnet}`);
    pool.ipRange = range.toString();
  }
  for (const entry of flags.auxAddresses) {
    const eq = entry.indexOf('=');
    const name = entry.slice(0, eq);
    if (eq <= 0) throw new TsrunError(`invalid aux-address "${entry}": use NAME=IP, e.g. my-router=172.16.86.5`);
    const ip = requireIp(entry.slice(eq + 1), 'aux-address');
    poolOf(matchSubnet(all, ip, 'aux-address', entry.slice(eq + 1))).auxAddresses[name] = formatIp(ip);
  }
  for (const s of all) {
    const pool = poolOf(s);
    // A /32 or /128 has one address: it goes to the container, and there is no gateway.
    if (!pool.gateway && s.prefix < (s.family === 4 ? 32 : 128)) pool.gateway = formatIp(s.firstUsable());
  }
  return all.map(poolOf);
}

/** Addresses a container can never get in this pool: the gateway and the aux addresses. */
function reserved(pool: Pool): Ip[] {
  const out = Object.values(pool.auxAddresses).map((a) => requireIp(a, 'aux-address'));
  if (pool.gateway) out.push(requireIp(pool.gateway, 'gateway'));
  return out;
}

/**
 * An address for a container: `requested` if it is free, else the lowest free address of
 * the ip-range (or the subnet). `inUse` are the addresses other containers hold.
 */
export function allocate(pool: Pool, inUse: Ip[], requested?: Ip): Ip {
  const subnet = Subnet.parse(pool.subnet);
  const blocked = [...reserved(pool), ...inUse].filter((ip) => ip.family === subnet.family);
  const usable = subnet.usable();
  if (requested) {
    if (!subnet.contains(requested)) {
      throw new TsrunError(`Invalid address ${formatIp(requested)}: It does not belong to any of this network's subnets`);
    }
    const gw = pool.gateway ? requireIp(pool.gateway, 'gateway') : undefined;
    if (gw && sameIp(gw, requested)) throw new TsrunError(`Address already in use: ${pool.gateway} is the network's gateway`);
    if (requested.value < usable.first || requested.value > usable.last || blocked.some((b) => sameIp(b, requested))) {
      throw new TsrunError(`Address already in use: ${formatIp(requested)}`);
    }
    return requested;
  }
  const range = pool.ipRange ? Subnet.parse(pool.ipRange, 'ip-range', false) : subnet;
  const first = range.base > usable.first ? range.base : usable.first;
  const last = range.last < usable.last ? range.last : usable.last;
  const free = lowestFree(first, last, blocked.map((b) => b.value));
  if (free === undefined) throw new TsrunError(`no available addresses in ${pool.ipRange ? `ip-range ${pool.ipRange}` : `subnet ${pool.subnet}`}`);
  return subnet.ip(free);
}
