/**
 * ADD, DEL, CHECK and GC: a runtime's sandbox attached to a tsrun network with the same code
 * `tsrun run --net` uses (network/endpoint.ts), so it gets the same interface, MAC, addresses
 * and routes. The attachment is an endpoint of the network record keyed by the CNI container
 * id and marked `cni`, written under tsrun's lock before any link is made: an ADD killed
 * midway leaves a record that the runtime's DEL (which the spec makes it send) cleans up.
 */
import { addDefaultRoutes, gatewayFor, plugEndpoint, reserveEndpoint } from '../network/endpoint';
import { Cidr } from '../network/ip';
import { AF_INET, AF_INET6 } from '../network/netlink/constants';
import { Handle } from '../network/netlink/handle';
import { linkDel, linkFind, type Link, type TargetNetns } from '../network/netlink/link';
import { addrList } from '../network/netlink/addr';
import { routeList } from '../network/netlink/route';
import { withLock } from '../state/lock';
import { findNetwork, listNetworks, requireNetwork, writeNetwork, type Endpoint, type NetworkRecord } from '../state/networks';
import { TsrunError } from '../sys/error';
import type { Invocation } from './request';
import { closeSandbox, openSandbox } from './sandbox';
import { CniError, CODE, type CniIp, type CniResult, type CniRoute } from './spec';

/** tsrun's refusal as a CNI error: its own words, with the code of what kind it is. */
export function asCniError(err: unknown): unknown {
  if (!(err instanceof TsrunError)) return err;
  const taken = /^(Address already in use|no available addresses)/.test(err.message);
  return new CniError(taken ? CODE.addressUnavailable : CODE.tsrun, err.message);
}

function networkOf(inv: Invocation): NetworkRecord {
  try {
    return requireNetwork(inv.conf.network);
  } catch (err) {
    throw new CniError(CODE.invalidConfig, (err as Error).message);
  }
}

function withSandbox<T>(path: string, fn: (ns: TargetNetns) => T): T {
  const ns = openSandbox(path);
  if (!ns) throw new CniError(CODE.unknownContainer, `network namespace ${path} does not exist`);
  try {
    return fn(ns);
  } finally {
    closeSandbox(ns);
  }
}

/** The result of ADD: this attachment's interface, addresses and routes, after prevResult's. */
function resultOf(inv: Invocation, net: NetworkRecord, ep: Endpoint): CniResult {
  const prev = inv.conf.prevResult;
  const interfaces = [...(prev?.interfaces ?? []), { name: ep.ifname, mac: ep.mac, sandbox: inv.netns }];
  const index = interfaces.length - 1;
  const ips: CniIp[] = [];
  const routes: CniRoute[] = [];
  for (const [cidr, any] of [[ep.ipv4, '0.0.0.0/0'], [ep.ipv6, '::/0']] as const) {
    if (!cidr) continue;
    const gw = net.internal ? undefined : gatewayFor(net, cidr);
    ips.push({ address: cidr, ...(gw && { gateway: gw }), interface: index });
    if (!net.internal && inv.conf.defaultRoute) routes.push({ dst: any, ...(gw && { gw }) });
  }
  return {
    cniVersion: inv.conf.cniVersion,
    interfaces,
    ips: [...(prev?.ips ?? []), ...ips],
    routes: [...(prev?.routes ?? []), ...routes],
    dns: { ...prev?.dns, ...inv.conf.dns },
  };
}

/** The endpoint this attachment made on `net`, if any (a tsrun container's of the same id is not). */
function attachmentOn(net: NetworkRecord, inv: Invocation): Endpoint | undefined {
  const ep = net.endpoints[inv.containerId];
  return ep?.cni && ep.ifname === inv.ifname ? ep : undefined;
}

export function add(inv: Invocation): CniResult {
  return withLock(() => {
    const net = networkOf(inv);
    const held = net.endpoints[inv.containerId];
    if (held) {
      const what = held.cni ? `as ${held.ifname} of namespace ${held.cni.netns}` : `by tsrun container ${held.containerName}`;
      throw new CniError(CODE.tsrun, `container ${inv.containerId} is already attached to network ${net.name} ${what}: DEL it first`);
    }
    return withSandbox(inv.netns, (ns) => {
      if (linkFind(ns.handle, inv.ifname)) throw new CniError(CODE.tsrun, `interface ${inv.ifname} already exists in network namespace ${inv.netns}`);
      const ep = reserveEndpoint(net, {
        containerId: inv.containerId,
        containerName: inv.podName ?? `cni-${inv.containerId.slice(0, 12)}`,
        ifname: inv.ifname,
        ...(inv.conf.ip !== undefined && { ip: inv.conf.ip }),
        ...(inv.conf.ip6 !== undefined && { ip6: inv.conf.ip6 }),
        ...(inv.conf.mac !== undefined && { mac: inv.conf.mac }),
      });
      ep.cni = { netns: inv.netns, network: inv.conf.name };
      writeNetwork(net);
      const host = Handle.current('ip');
      let link: Link | undefined;
      try {
        link = plugEndpoint(host, ns, net, ep, `tmp${ep.endpointId.slice(0, 8)}`);
        if (inv.conf.defaultRoute) addDefaultRoutes(ns.handle, net, ep, link);
      } catch (err) {
        if (link) linkDel(ns.handle, link);
        delete net.endpoints[inv.containerId];
        writeNetwork(net);
        throw err;
      } finally {
        host.close();
      }
      // An ipvlan port's MAC is its parent's, known once the link exists.
      writeNetwork(net);
      return resultOf(inv, net, ep);
    });
  });
}

/**
 * Removes the interface (if the namespace and it still exist) and releases the addresses (if
 * the record still holds them). Missing pieces are not errors: DEL must succeed after a
 * partial ADD, a reboot, or a DEL before it.
 */
export function del(inv: Invocation): void {
  withLock(() => {
    const net = findNetwork(inv.conf.network);
    const ep = net && attachmentOn(net, inv);
    const ns = inv.netns ? openSandbox(inv.netns) : undefined;
    if (ns) {
      try {
        const link = linkFind(ns.handle, inv.ifname);
        // Only a link this attachment made: a runtime may reuse an ifname another plugin owns.
        if (link && ep && (link.kind === 'macvlan' || link.kind === 'ipvlan')) linkDel(ns.handle, link);
      } finally {
        closeSandbox(ns);
      }
    }
    if (net && ep) {
      delete net.endpoints[inv.containerId];
      writeNetwork(net);
    }
  });
}

/** CHECK: the record still holds the addresses, and the interface in the namespace is as ADD left it. */
export function check(inv: Invocation): void {
  withLock(() => {
    const net = networkOf(inv);
    const ep = attachmentOn(net, inv);
    if (!ep) throw new CniError(CODE.unknownContainer, `container ${inv.containerId} has no attachment ${inv.ifname} on network ${net.name}`);
    withSandbox(inv.netns, (ns) => {
      const fail = (what: string): never => {
        throw new CniError(CODE.checkFailed, `${inv.ifname} in ${inv.netns}: ${what}`);
      };
      const link = linkFind(ns.handle, inv.ifname) ?? fail('the interface is gone');
      if (link.kind !== net.driver) fail(`it is a ${link.kind ?? 'physical'} link, not ${net.driver}`);
      if (ep.mac && link.mac !== ep.mac) fail(`its MAC is ${link.mac}, not ${ep.mac}`);
      const addrs = addrList(ns.handle, { link }).map((a) => `${a.ip}/${a.prefix}`);
      for (const cidr of [ep.ipv4, ep.ipv6].filter(Boolean)) {
        const want = Cidr.parse(cidr, 'address');
        if (!addrs.includes(`${want.ip}/${want.prefix}`)) fail(`it lacks its address ${cidr}`);
      }
      if (!inv.conf.defaultRoute || net.internal) return;
      for (const [cidr, family] of [[ep.ipv4, AF_INET], [ep.ipv6, AF_INET6]] as const) {
        if (!cidr) continue;
        const gw = gatewayFor(net, cidr);
        const ok = routeList(ns.handle, { family }).some((r) => r.dst === 'default' && r.linkIndex === link.index && (gw === undefined || r.gateway === gw));
        if (!ok) fail(`its default route${gw ? ` via ${gw}` : ''} is gone`);
      }
    });
  });
}

/**
 * GC (CNI 1.1): releases this CNI network's attachments the runtime no longer has. Their
 * namespaces are gone or not ours to enter, so only the addresses are freed here.
 */
export function gc(inv: Invocation): void {
  const valid = new Set((inv.conf.validAttachments ?? []).map((a) => `${a.containerID}/${a.ifname}`));
  withLock(() => {
    const net = findNetwork(inv.conf.network);
    if (!net) return;
    const stale = Object.values(net.endpoints).filter((e) => e.cni?.network === inv.conf.name && !valid.has(`${e.containerId}/${e.ifname}`));
    if (stale.length === 0) return;
    for (const e of stale) delete net.endpoints[e.containerId];
    writeNetwork(net);
  });
}

/** STATUS (CNI 1.1): the network exists and tsrun's state is readable. */
export function status(inv: Invocation): void {
  withLock(() => {
    if (!listNetworks().some((n) => n.name === inv.conf.network) && !inv.conf.inline) {
      throw new CniError(CODE.notAvailable, `tsrun network ${inv.conf.network} does not exist (tsrun network create it)`);
    }
  });
}
