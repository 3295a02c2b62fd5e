/**
 * A network's IPAM configuration, built from `network create` flags the way Docker's default
 * IPAM does: subnets (or a default pool), their gateways, ip-ranges and aux addresses, each
 * matched to the subnet that contains it.
 */
import type { Pool } from '../../state/networks';
import { TsrunError } from '../../sys/error';
import { Cidr, Ip } from '../ip';
import { lowestFree } from './allocate';
import { firstUsable, usable } from './usable';

export interface IpamFlags {
  subnets: string[];
  gateways: string[];
  ipRanges: string[];
  auxAddresses: string[];
  ipv6: boolean;
}

const OVERLAP = 'Pool overlaps with other one on this address space';
const IN_USE = 'Address already in use';

/** Docker's default local pools from 172.18.0.0/16 on (172.17 is docker0's), then 192.168.x.0/20. */
export function* defaultPools(): Generator<Cidr> {
  for (let b = 18; b <= 31; b++) yield Cidr.parseNetwork(`172.${b}.0.0/16`);
  for (let c = 0; c < 256; c += 16) yield Cidr.parseNetwork(`192.168.${c}.0/20`);
}

/** The --subnet that contains `ip`: as Docker's CLI, only subnets given on the command line count. */
function matchSubnet(subnets: Cidr[], ip: Ip, what: string, text: string): Cidr {
  const s = subnets.find((x) => x.contains(ip));
  if (!s) throw new TsrunError(`no matching subnet for ${what} ${text}`);
  return s;
}

/** What holds an address of `s` from the start, or undefined: Docker's IPAM holds the network address (and the IPv4 broadcast). */
function heldBySubnet(s: Cidr, ip: Ip): string | undefined {
  if (ip.value === s.base) return `the network address of ${s}`;
  if (s.family === 4 && ip.value === s.last) return `the broadcast address of ${s}`;
  return undefined;
}

/**
 * Reserves the gateway, then the aux addresses, in a pool the way Docker's IPAM does when it
 * creates the network: each must be an address no one holds yet.
 */
function reserveAddresses(s: Cidr, pool: Pool, gatewayText: string | undefined, aux: Map<string, Ip>): void {
  const { first, last } = usable(s);
  if (first > last) {
    throw new TsrunError(
      `failed to allocate gateway (${gatewayText ?? ''}): No available addresses on this pool (${s} has no address left for a gateway and containers: use a /${s.family === 4 ? 30 : 127} or larger)`,
    );
  }
  const gateway = gatewayText === undefined ? firstUsable(s) : Ip.require(gatewayText, 'gateway');
  const held = heldBySubnet(s, gateway);
  if (held) throw new TsrunError(`failed to allocate gateway (${gatewayText}): ${IN_USE} (it is ${held})`);
  pool.gateway = gateway.toString();
  const holders: Array<[string, Ip]> = [['the network\'s gateway', gateway]];
  for (const [name, ip] of aux) {
    const holder = heldBySubnet(s, ip) ?? holders.find(([, h]) => h.equals(ip))?.[0];
    if (holder) throw new TsrunError(`failed to allocate secondary ip address (${name}:${ip}): ${IN_USE} (it is ${holder})`);
    holders.push([`aux-address ${name}`, ip]);
    pool.auxAddresses[name] = ip.toString();
  }
}

/**
 * Validates the flags and returns the pools, refusing what Docker 20.10 refuses with its
 * words: first its CLI's checks (every gateway, ip-range and aux-address in a --subnet),
 * then its IPAM's (a gateway and aux addresses no one else holds). `taken` are the subnets
 * of other networks; `hostRoutes` the host's routes, which a default pool must not overlap.
 */
export function buildPools(flags: IpamFlags, taken: Cidr[], hostRoutes: Cidr[]): Pool[] {
  if (flags.gateways.length > flags.subnets.length || flags.ipRanges.length > flags.subnets.length) {
    throw new TsrunError('every ip-range or gateway must have a corresponding subnet');
  }
  const subnets = flags.subnets.map((s) => Cidr.parseNetwork(s));
  for (let i = 0; i < subnets.length; i++) {
    for (let j = 0; j < i; j++) if (subnets[i]!.overlaps(subnets[j]!)) throw new TsrunError('multiple overlapping subnet configuration is not supported');
  }
  const pools = new Map<Cidr, Pool>(subnets.map((s) => [s, { subnet: s.toString(), auxAddresses: {} }]));
  const poolOf = (s: Cidr): Pool => pools.get(s)!;

  for (const text of flags.ipRanges) {
    const range = Cidr.parse(text, 'ip-range');
    const s = subnets.find((x) => x.containsCidr(range));
    if (!s) throw new TsrunError(`no matching subnet for range ${text}`);
    const pool = poolOf(s);
    if (pool.ipRange) throw new TsrunError(`cannot configure multiple ranges (${text}, ${pool.ipRange}) on the same subnet (${pool.subnet})`);
    pool.ipRange = range.network().toString();
  }
  const gateways = new Map<Cidr, string>();
  for (const text of flags.gateways) {
    const s = matchSubnet(subnets, Ip.require(text, 'gateway'), 'gateway', text);
    const earlier = gateways.get(s);
    if (earlier) throw new TsrunError(`cannot configure multiple gateways (${text}, ${earlier}) for the same subnet (${s})`);
    gateways.set(s, text);
  }
  // By name, the last one given wins, as in Docker's map of them.
  const aux = new Map<Cidr, Map<string, Ip>>(subnets.map((s) => [s, new Map()]));
  for (const entry of flags.auxAddresses) {
    const eq = entry.indexOf('=');
    const name = entry.slice(0, eq);
    if (eq <= 0) throw new TsrunError(`invalid aux-address "${entry}": use NAME=IP, e.g. my-router=172.16.86.5`);
    const ip = Ip.require(entry.slice(eq + 1), 'aux-address');
    for (const m of aux.values()) m.delete(name);
    aux.get(matchSubnet(subnets, ip, 'aux-address', entry.slice(eq + 1)))!.set(name, ip);
  }

  if (subnets.some((s) => taken.some((t) => t.overlaps(s)))) throw new TsrunError(OVERLAP);
  const v6 = subnets.filter((s) => s.family === 6);
  // An IPv6 --subnet without --ipv6 is kept in the network's IPAM and left unused, as Docker 20.10 does (the ipvlan guide's ipvlan140).
  if (flags.ipv6 && v6.length === 0) throw new TsrunError('--ipv6 needs an IPv6 --subnet (e.g. --subnet 2001:db8:1::/64)');

  if (!subnets.some((s) => s.family === 4)) {
    const avoid = [...taken, ...hostRoutes];
    const free = [...defaultPools()].find((p) => !avoid.some((a) => a.overlaps(p)));
    if (!free) throw new TsrunError('could not find an available, non-overlapping IPv4 address pool: give --subnet');
    subnets.unshift(free);
    pools.set(free, { subnet: free.toString(), auxAddresses: {}, auto: true });
  }
  // Docker reserves the IPv4 pools' addresses first, then the IPv6 ones'.
  for (const s of [...subnets.filter((x) => x.family === 4), ...v6]) reserveAddresses(s, poolOf(s), gateways.get(s), aux.get(s) ?? new Map());
  return subnets.map(poolOf);
}

/** Addresses a container can never get in this pool: the gateway and the aux addresses. */
function reserved(pool: Pool): Ip[] {
  const out = Object.values(pool.auxAddresses).map((a) => Ip.require(a, 'aux-address'));
  if (pool.gateway) out.push(Ip.require(pool.gateway, 'gateway'));
  return out;
}

/**
 * An address for a container: `requested` if it is free, else the lowest free address of
 * the ip-range (or the subnet). `inUse` are the addresses other containers hold.
 */
export function allocate(pool: Pool, inUse: Ip[], requested?: Ip): Ip {
  const subnet = Cidr.parseNetwork(pool.subnet);
  const blocked = [...reserved(pool), ...inUse].filter((ip) => ip.family === subnet.family);
  const hosts = usable(subnet);
  if (requested) {
    if (!subnet.contains(requested)) {
      throw new TsrunError(`Invalid address ${requested}: It does not belong to any of this network's subnets`);
    }
    const gw = pool.gateway ? Ip.require(pool.gateway, 'gateway') : undefined;
    if (gw?.equals(requested)) throw new TsrunError(`Address already in use: ${pool.gateway} is the network's gateway`);
    if (requested.value < hosts.first || requested.value > hosts.last || blocked.some((b) => b.equals(requested))) {
      throw new TsrunError(`Address already in use: ${requested}`);
    }
    return requested;
  }
  const range = pool.ipRange ? Cidr.parse(pool.ipRange, 'ip-range') : subnet;
  const first = range.base > hosts.first ? range.base : hosts.first;
  const last = range.last < hosts.last ? range.last : hosts.last;
  const free = lowestFree(first, last, blocked.map((b) => b.value));
  if (free === undefined) throw new TsrunError(`no available addresses in ${pool.ipRange ? `ip-range ${pool.ipRange}` : `subnet ${pool.subnet}`}`);
  return subnet.at(free);
}
