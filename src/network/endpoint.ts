/**
 * One endpoint on a macvlan or ipvlan network: its addresses are reserved in the network
 * record (IPAM), then the link is created straight inside the container's network namespace
 * under a temporary name and configured there, as Docker's drivers do: ethN, the MAC, the
 * addresses, up. Which endpoint gives the default route, and the bookkeeping around these
 * steps, is network/endpoints.ts's.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { newId } from '../state/id';
import { inNetworkNamespace } from '../sys/namespace';
import type { Endpoint, NetworkRecord } from '../state/networks';
import { TsrunError } from '../sys/error';
import { reportOnce } from '../state/foreign';
import { Cidr, Ip } from './ip';
import { allocate } from './ipam/pools';
import { DRIVERS } from './drivers';
import { AF_INET, AF_INET6 } from './netlink/constants';
import type { Handle } from './netlink/handle';
import { macToBytes } from './netlink/mac';
import { addrAdd } from './netlink/addr';
import { linkAdd, linkDel, linkSetName, linkSetUp, type Link, type TargetNetns } from './netlink/link';
import { routeAdd, routeDel } from './netlink/route';
import { ensureParent } from './parent';

export interface EndpointRequest {
  containerId: string;
  containerName: string;
  ip?: string;
  ip6?: string;
  mac?: string;
  aliases?: string[];
  /** eth0 for the first network, the next free ethN for the others. */
  ifname: string;
}

/** Docker's checks of --ip and --ip6 (daemon verifyNetworkingConfig): the family must be right. */
export function checkAddressSyntax(req: { ip?: string; ip6?: string }): void {
  if (req.ip !== undefined && Ip.parse(req.ip)?.family !== 4) throw new TsrunError(`invalid IPv4 address: ${req.ip}`);
  if (req.ip6 !== undefined && Ip.parse(req.ip6)?.family !== 6) throw new TsrunError(`invalid IPv6 address: ${req.ip6}`);
}

/** Checks --ip, --ip6 and --mac-address against a network before anything is created. */
export function validateRequest(net: NetworkRecord, req: { ip?: string; ip6?: string; mac?: string }): void {
  checkAddressSyntax(req);
  if (req.mac !== undefined) {
    if (!DRIVERS[net.driver].ownMac) {
      throw new TsrunError(`--mac-address is not supported on ipvlan networks: ipvlan ports share the parent's MAC (${net.parent.name})`);
    }
    macToBytes(req.mac);
  }
  if (req.ip !== undefined) poolFor(net, Ip.require(req.ip, '--ip'), '--ip');
  if (req.ip6 !== undefined) {
    const ip = Ip.require(req.ip6, '--ip6');
    // Docker 20.10 ignores --ip6 on a network without IPv6 (the container gets IPv4 only); tsrun says so.
    if (!net.enableIPv6) reportOnce(`ip6:${net.id}`, `warning: --ip6 ${req.ip6} ignored: network ${net.name} was created without --ipv6, so its containers get no IPv6 address (as Docker)`);
    else poolFor(net, ip, '--ip6');
  }
}

function poolFor(net: NetworkRecord, ip: Ip, flag: string): NetworkRecord['pools'][number] {
  const pools = net.pools.filter((p) => Cidr.parseNetwork(p.subnet).family === ip.family);
  if (pools.every((p) => p.auto)) {
    throw new TsrunError(`user specified IP address is supported only when connecting to networks with user configured subnets (${flag} ${ip} on ${net.name})`);
  }
  const pool = pools.find((p) => Cidr.parseNetwork(p.subnet).contains(ip));
  if (!pool) throw new TsrunError(`Invalid address ${ip}: It does not belong to any of this network's subnets`);
  return pool;
}

function inUse(net: NetworkRecord): Ip[] {
  return Object.values(net.endpoints).flatMap((e) =>
    [e.ipv4, e.ipv6].filter(Boolean).map((cidr) => Cidr.parse(cidr, 'address').ip),
  );
}

/** Docker's MAC for a macvlan endpoint: 02:42 and the four bytes of its IPv4 address. */
export function macFromIpv4(ipv4: Ip): string {
  return ['02', '42', ...Array.from(ipv4.toBytes(), (b) => b.toString(16).padStart(2, '0'))].join(':');
}

/**
 * Reserves addresses for a container: the requested ones, else the lowest free of the first
 * pool of each family. Call under the lock; the caller writes the network record.
 */
export function reserveEndpoint(net: NetworkRecord, req: EndpointRequest): Endpoint {
  validateRequest(net, req);
  const holder = Object.values(net.endpoints)[0];
  if (net.options.macvlan_mode === 'passthru' && holder) {
    // The kernel allows one passthru macvlan per parent (a second gets EINVAL): say why instead.
    throw new TsrunError(`network ${net.name} is a passthru macvlan, which takes the whole parent ${net.parent.name}: container ${holder.containerName} is already on it`);
  }
  const taken = inUse(net);
  const pick = (family: 4 | 6, requested: string | undefined): Cidr | undefined => {
    const pools = net.pools.filter((p) => Cidr.parseNetwork(p.subnet).family === family);
    if (pools.length === 0 || (family === 6 && !net.enableIPv6)) return undefined;
    const want = requested !== undefined ? Ip.require(requested, family === 4 ? '--ip' : '--ip6') : undefined;
    const pool = want ? poolFor(net, want, family === 4 ? '--ip' : '--ip6') : pools[0]!;
    return new Cidr(allocate(pool, taken, want), Cidr.parseNetwork(pool.subnet).prefix);
  };
  const ipv4 = pick(4, req.ip);
  const ipv6 = pick(6, req.ip6);
  const ep: Endpoint = {
    containerId: req.containerId,
    containerName: req.containerName,
    endpointId: newId(),
    ifname: req.ifname,
    // Every network has an IPv4 pool (buildPools adds one when only IPv6 subnets are given).
    mac: DRIVERS[net.driver].ownMac ? (req.mac?.toLowerCase() ?? macFromIpv4(ipv4!.ip)) : '',
    ipv4: ipv4?.toString() ?? '',
    ipv6: ipv6?.toString() ?? '',
    aliases: req.aliases ?? [],
  };
  net.endpoints[req.containerId] = ep;
  return ep;
}

/** The gateway of the pool an address came from, if the driver routes through gateways. */
export function gatewayFor(net: NetworkRecord, cidr: string): string | undefined {
  if (!cidr || !DRIVERS[net.driver].routesViaGateway(net)) return undefined;
  const { ip } = Cidr.parse(cidr, 'address');
  return net.pools.find((p) => Cidr.parseNetwork(p.subnet).contains(ip))?.gateway;
}

/**
 * Creates the endpoint's link in the container's namespace `ctr` as `tmpLink`, then names it
 * ifname, gives it its addresses and brings it up (no default route: that is the gateway
 * endpoint's, see addDefaultRoutes). `host` is a handle on the host namespace. If anything
 * fails the link is deleted again (the parent, which belongs to the network, stays).
 */
export function plugEndpoint(host: Handle, ctr: TargetNetns, net: NetworkRecord, ep: Endpoint, tmpLink: string): Link {
  const driver = DRIVERS[net.driver];
  const { link: parent } = ensureParent(host, net);
  const made = linkAdd(host, {
    name: tmpLink,
    parent,
    netns: ctr,
    ...(driver.ownMac ? { mac: ep.mac } : {}),
    ...driver.link(net),
  });
  let link: Link = made;
  try {
    linkSetName(ctr.handle, made, ep.ifname);
    link = { ...made, name: ep.ifname };
    if (ep.ipv4) addrAdd(ctr.handle, link, ep.ipv4);
    if (ep.ipv6) {
      allowIpv6(ctr, ep.ifname);
      addrAdd(ctr.handle, link, ep.ipv6, { nodad: true });
    }
    linkSetUp(ctr.handle, link);
    // An ipvlan port carries its parent's MAC, which the link read back at its creation has.
    if (!driver.ownMac) ep.mac = made.mac;
    return link;
  } catch (err) {
    linkDel(ctr.handle, link);
    throw err;
  }
}

/**
 * A container started on a network without IPv6 has IPv6 disabled (network/loopback.ts),
 * which new links inherit: a later IPv6 endpoint turns it on for its own link only.
 */
function allowIpv6(ctr: TargetNetns, ifname: string): void {
  const path = `/proc/sys/net/ipv6/conf/${ifname}/disable_ipv6`;
  inNetworkNamespace(ctr.fd, 'the container', () => {
    if (readFileSync(path, 'utf8').trim() === '0') return;
    ctr.handle.note(`sysctl -w net.ipv6.conf.${ifname}.disable_ipv6=0`);
    writeFileSync(path, '0');
  });
}

/** The default routes through an endpoint: via its gateways, or `dev` for ipvlan l3/l3s. Never on an internal network. */
export function addDefaultRoutes(ctr: Handle, net: NetworkRecord, ep: Endpoint, link: Link): void {
  if (net.internal) return;
  const driver = DRIVERS[net.driver];
  for (const [cidr, family] of [[ep.ipv4, AF_INET], [ep.ipv6, AF_INET6]] as const) {
    if (!cidr) continue;
    if (driver.routesViaGateway(net)) {
      const gw = gatewayFor(net, cidr);
      if (gw) routeAdd(ctr, { dst: 'default', gateway: gw, dev: link });
    } else {
      routeAdd(ctr, { dst: 'default', dev: link, family });
    }
  }
}

/** Removes the default routes through `link` (an endpoint that stops being the gateway one). */
export function removeDefaultRoutes(ctr: Handle, link: Link): void {
  for (const family of [AF_INET, AF_INET6] as const) {
    try {
      routeDel(ctr, { dst: 'default', dev: link, family });
    } catch (err) {
      if ((err as TsrunError).errno !== 'ESRCH') throw err;
    }
  }
}
