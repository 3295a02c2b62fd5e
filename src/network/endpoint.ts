/**
 * A container's endpoint on a macvlan or ipvlan network: its addresses are reserved in the
 * network record (IPAM) under the lock, then the link is created straight inside the
 * container's network namespace under a temporary name and configured there, as Docker's
 * drivers do: eth0, the MAC, the addresses, up, the default routes.
 */
import { randomBytes } from 'node:crypto';
import { newId } from '../state/id';
import { findNetwork, writeNetwork, type Endpoint, type NetworkRecord } from '../state/networks';
import { TsrunError } from '../sys/error';
import { formatIp, requireIp, type Ip } from './ipam/address';
import { allocate } from './ipam/pools';
import { Subnet } from './ipam/subnet';
import { DRIVERS } from './drivers';
import { AF_INET, AF_INET6 } from './netlink/constants';
import type { Handle } from './netlink/handle';
import { macToBytes } from './netlink/ip';
import { addrAdd } from './netlink/addr';
import { linkAdd, linkByName, linkDel, linkSetName, linkSetUp, type Link } from './netlink/link';
import { routeAdd } from './netlink/route';
import { ensureParent } from './parent';

export interface EndpointRequest {
  containerId: string;
  containerName: string;
  ip?: string;
  ip6?: string;
  mac?: string;
}

/** Checks --ip, --ip6 and --mac-address against a network before anything is created. */
export function validateRequest(net: NetworkRecord, req: Omit<EndpointRequest, 'containerId' | 'containerName'>): void {
  if (req.mac !== undefined) {
    if (!DRIVERS[net.driver].ownMac) {
      throw new TsrunError(`--mac-address is not supported on ipvlan networks: ipvlan ports share the parent's MAC (${net.parent.name})`);
    }
    macToBytes(req.mac);
  }
  if (req.ip !== undefined) {
    const ip = requireIp(req.ip, '--ip');
    if (ip.family !== 4) throw new TsrunError(`invalid --ip "${req.ip}": it must be an IPv4 address (use --ip6 for IPv6)`);
    poolFor(net, ip, '--ip');
  }
  if (req.ip6 !== undefined) {
    const ip = requireIp(req.ip6, '--ip6');
    if (ip.family !== 6) throw new TsrunError(`invalid --ip6 "${req.ip6}": it must be an IPv6 address`);
    if (!net.enableIPv6) throw new TsrunError(`--ip6 needs a network with IPv6: ${net.name} was created without --ipv6`);
    poolFor(net, ip, '--ip6');
  }
}

function poolFor(net: NetworkRecord, ip: Ip, flag: string): NetworkRecord['pools'][number] {
  const pools = net.pools.filter((p) => Subnet.parse(p.subnet).family === ip.family);
  if (pools.every((p) => p.auto)) {
    throw new TsrunError(`user specified IP address is supported only when connecting to networks with user configured subnets (${flag} ${formatIp(ip)} on ${net.name})`);
  }
  const pool = pools.find((p) => Subnet.parse(p.subnet).contains(ip));
  if (!pool) throw new TsrunError(`Invalid address ${formatIp(ip)}: It does not belong to any of this network's subnets`);
  return pool;
}

function inUse(net: NetworkRecord): Ip[] {
  return Object.values(net.endpoints).flatMap((e) =>
    [e.ipv4, e.ipv6].filter(Boolean).map((cidr) => requireIp(cidr.split('/')[0]!, 'address')),
  );
}

/** Docker's MAC for a macvlan endpoint: 02:42 and the four bytes of its IPv4 address. */
export function macFromIpv4(ipv4: string): string {
  return ['02', '42', ...ipv4.split('.').map((b) => Number(b).toString(16).padStart(2, '0'))].join(':');
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
  const pick = (family: 4 | 6, requested: string | undefined): string => {
    const pools = net.pools.filter((p) => Subnet.parse(p.subnet).family === family);
    if (pools.length === 0 || (family === 6 && !net.enableIPv6)) return '';
    const want = requested !== undefined ? requireIp(requested, family === 4 ? '--ip' : '--ip6') : undefined;
    const pool = want ? poolFor(net, want, family === 4 ? '--ip' : '--ip6') : pools[0]!;
    return `${formatIp(allocate(pool, taken, want))}/${Subnet.parse(pool.subnet).prefix}`;
  };
  const ipv4 = pick(4, req.ip);
  const ipv6 = pick(6, req.ip6);
  const ep: Endpoint = {
    containerId: req.containerId,
    containerName: req.containerName,
    endpointId: newId(),
    ifname: 'eth0',
    mac: DRIVERS[net.driver].ownMac ? (req.mac?.toLowerCase() ?? macFromIpv4(ipv4.split('/')[0]!)) : '',
    ipv4,
    ipv6,
  };
  net.endpoints[req.containerId] = ep;
  return ep;
}

/** The gateway of the pool an address came from, if the driver routes through gateways. */
export function gatewayFor(net: NetworkRecord, cidr: string): string | undefined {
  if (!cidr || !DRIVERS[net.driver].routesViaGateway(net)) return undefined;
  const ip = requireIp(cidr.split('/')[0]!, 'address');
  return net.pools.find((p) => Subnet.parse(p.subnet).contains(ip))?.gateway;
}

/**
 * Creates and configures the endpoint's link. `host` is a handle on the host namespace,
 * `ctr` one on the container's, `ctrNsFd` an fd of the container's netns. If anything fails
 * the link is deleted again (the parent, which belongs to the network, stays).
 */
export function plugEndpoint(host: Handle, ctr: Handle, ctrNsFd: number, ctrNsName: string, net: NetworkRecord, ep: Endpoint): Link {
  const driver = DRIVERS[net.driver];
  const { link: parent } = ensureParent(host, net);
  const tmp = `tmp${randomBytes(4).toString('hex')}`;
  linkAdd(host, {
    name: tmp,
    parent,
    nsFd: ctrNsFd,
    nsName: ctrNsName,
    ...(driver.ownMac ? { mac: ep.mac } : {}),
    ...driver.link(net),
  });
  let link = linkByName(ctr, tmp);
  try {
    linkSetName(ctr, link, ep.ifname);
    link = { ...link, name: ep.ifname };
    if (ep.ipv4) addrAdd(ctr, link, ep.ipv4);
    if (ep.ipv6) addrAdd(ctr, link, ep.ipv6, { nodad: true });
    linkSetUp(ctr, link);
    if (!net.internal) {
      for (const [cidr, family] of [[ep.ipv4, AF_INET], [ep.ipv6, AF_INET6]] as const) {
        if (!cidr) continue;
        const gw = gatewayFor(net, cidr);
        if (driver.routesViaGateway(net)) {
          if (gw) routeAdd(ctr, { dst: 'default', gateway: gw, dev: link });
        } else {
          routeAdd(ctr, { dst: 'default', dev: link, family });
        }
      }
    }
    if (!driver.ownMac) ep.mac = linkByName(ctr, ep.ifname).mac;
    return link;
  } catch (err) {
    linkDel(ctr, link);
    throw err;
  }
}

/**
 * Removes a container's endpoint from a network record (its addresses become free).
 * Returns the updated network, or undefined if it is gone. Call under the lock.
 */
export function releaseEndpointOf(networkId: string, containerId: string): NetworkRecord | undefined {
  const net = findNetwork(networkId);
  if (!net || !net.endpoints[containerId]) return net;
  delete net.endpoints[containerId];
  writeNetwork(net);
  return net;
}
