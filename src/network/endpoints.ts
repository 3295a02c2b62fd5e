/**
 * A container's endpoints, one per network it is connected to: the only writer of the
 * endpoint entries of network records. `run` and `network connect`/`disconnect` go through
 * here: reserve the addresses, plug ethN into the container's namespace, choose the endpoint
 * that gives the default route as Docker does, keep /etc/hosts of the peers true, release.
 * Everything here runs under the lock.
 *
 * Crash safety: the container's record names an endpoint as pending (with the temporary
 * name of its link) before its addresses are reserved and its link made, and drops the mark
 * once the link is plugged. A command killed in between leaves a pending endpoint, which
 * the next command's reconcile unplugs and releases (undoPending): the container ends up
 * connected or not, never holding an address without a link.
 */
import { closeSync, existsSync, openSync } from 'node:fs';
import { writeContainerRecord, type AttachedEndpoint, type ContainerRecord, type NetworkAttachment } from '../state/containers';
import { findNetwork, listNetworks, requireNetwork, writeNetwork, type NetworkRecord } from '../state/networks';
import { fromNodeError, TsrunError } from '../sys/error';
import { isAlive } from '../sys/process';
import { faultPoint } from '../runtime/fault';
import { refreshHosts } from '../runtime/hosts';
import { DRIVERS } from './drivers';
import { addDefaultRoutes, gatewayFor, plugEndpoint, removeDefaultRoutes, reserveEndpoint, validateRequest } from './endpoint';
import { Handle } from './netlink/handle';
import { linkByName, linkDel, linkFind } from './netlink/link';

export interface AttachRequest {
  ip?: string;
  ip6?: string;
  mac?: string;
  aliases: string[];
}

/** A container's network namespace: a netlink handle bound to it, an fd of it, and how --explain names it. */
export interface ContainerNetns {
  ctr: Handle;
  fd: number;
  label: string;
}

/** Checks a request against a network and makes the attachment the container's record keeps; changes nothing. */
export function planAttachment(net: NetworkRecord, req: AttachRequest): NetworkAttachment {
  validateRequest(net, req);
  return {
    networkId: net.id,
    networkName: net.name,
    aliases: [...req.aliases],
    ipamConfig: { ...(req.ip !== undefined && { ip: req.ip }), ...(req.ip6 !== undefined && { ip6: req.ip6 }) },
    ...(req.mac !== undefined && { macAddress: req.mac }),
  };
}

/** The namespace of a running container's PID 1 (checked to be that process, not a reused pid). */
export function openContainerNetns(rec: ContainerRecord): ContainerNetns {
  if (!isAlive(rec.state.process)) throw new TsrunError(`container ${rec.name} is not running`);
  const path = `/proc/${rec.state.pid}/ns/net`;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw fromNodeError(err, `open the network namespace of container ${rec.name}`);
  }
  try {
    const ctr = Handle.fromFd(fd, `nsenter -t ${rec.state.pid} -n ip`);
    ctr.labelByPid(rec.state.pid);
    return { ctr, fd, label: String(rec.state.pid) };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

export function closeContainerNetns(ns: ContainerNetns): void {
  ns.ctr.close();
  closeSync(ns.fd);
}

/** eth0, eth1, ...: libnetwork's next index of this run (the caller writes the record). */
function nextIfname(rec: ContainerRecord): string {
  const n = rec.nextEth ?? 0;
  rec.nextEth = n + 1;
  return `eth${n}`;
}

/**
 * libnetwork's order of a sandbox's endpoints: internal networks last, the others by
 * network name. The first that has a gateway (any on a network that is not internal)
 * gives the container its default route.
 */
function gatewayAttachment(rec: ContainerRecord, nets: Map<string, NetworkRecord>): NetworkAttachment | undefined {
  const candidates = Object.values(rec.networks ?? {}).filter((a) => a.endpoint && !a.endpoint.pending && nets.get(a.networkId) && !nets.get(a.networkId)!.internal);
  return candidates.sort((a, b) => (a.networkName < b.networkName ? -1 : a.networkName > b.networkName ? 1 : 0))[0];
}

function networksById(): Map<string, NetworkRecord> {
  return new Map(listNetworks().map((n) => [n.id, n]));
}

/** Moves the default routes from the endpoint that gave them to the one that now should. */
function moveDefaultRoute(ns: ContainerNetns, rec: ContainerRecord, before: NetworkAttachment | undefined, nets: Map<string, NetworkRecord>): void {
  const after = gatewayAttachment(rec, nets);
  if (before?.networkName === after?.networkName) return;
  const old = before?.endpoint && linkFind(ns.ctr, before.endpoint.ifname);
  if (old) removeDefaultRoutes(ns.ctr, old);
  if (after?.endpoint) addDefaultRoutes(ns.ctr, nets.get(after.networkId)!, after.endpoint, linkByName(ns.ctr, after.endpoint.ifname));
}

/**
 * Connects the container to the attachment's network: reserves its addresses, plugs the
 * next ethN into `ns`, moves the default route if this network now gives it, and updates
 * /etc/hosts of every container on the network. On failure nothing is left reserved or plugged.
 */
export function connectEndpoint(rec: ContainerRecord, att: NetworkAttachment, ns: ContainerNetns): void {
  const net = requireNetwork(att.networkId || att.networkName, att.networkName);
  const before = gatewayAttachment(rec, networksById());
  const ep = reserveEndpoint(net, {
    containerId: rec.id,
    containerName: rec.name,
    ifname: nextIfname(rec),
    aliases: att.aliases,
    ...(att.ipamConfig.ip !== undefined && { ip: att.ipamConfig.ip }),
    ...(att.ipamConfig.ip6 !== undefined && { ip6: att.ipamConfig.ip6 }),
    ...(att.macAddress !== undefined && { mac: att.macAddress }),
  });
  const tmpLink = `tmp${ep.endpointId.slice(0, 8)}`;
  // An internal network gives no gateway (libnetwork's drivers do not set one on join).
  const gw = (cidr: string): string => (net.internal ? '' : gatewayFor(net, cidr) ?? '');
  const endpoint: AttachedEndpoint = { ...ep, gateway: gw(ep.ipv4), ipv6Gateway: gw(ep.ipv6), pending: { tmpLink } };
  rec.networks = { ...rec.networks, [net.name]: { ...att, networkId: net.id, endpoint } };
  writeContainerRecord(rec);
  writeNetwork(net);
  faultPoint('network-connect:after-reserve');
  const host = Handle.current('ip');
  try {
    plugEndpoint(host, { handle: ns.ctr, fd: ns.fd, name: ns.label }, net, endpoint, tmpLink);
  } catch (err) {
    abandon(rec, net.name);
    throw err;
  } finally {
    host.close();
  }
  faultPoint('network-connect:after-plug');
  if (!DRIVERS[net.driver].ownMac) {
    net.endpoints[rec.id]!.mac = endpoint.mac;
    writeNetwork(net);
  }
  delete endpoint.pending;
  try {
    moveDefaultRoute(ns, rec, before, networksById());
  } catch (err) {
    linkDel(ns.ctr, linkByName(ns.ctr, endpoint.ifname));
    abandon(rec, net.name);
    throw err;
  }
  writeContainerRecord(rec);
  refreshHosts([net]);
}

/** Drops an endpoint that never became one (a failed or interrupted connect): its ethN index is free again. */
function abandon(rec: ContainerRecord, name: string): NetworkRecord | undefined {
  if (rec.networks?.[name]?.endpoint?.ifname === `eth${(rec.nextEth ?? 0) - 1}`) rec.nextEth = rec.nextEth! - 1;
  return forget(rec, name);
}

/** Drops an endpoint from both records (its link gone or never made). */
function forget(rec: ContainerRecord, name: string): NetworkRecord | undefined {
  const att = rec.networks?.[name];
  if (!att) return undefined;
  const { [name]: _gone, ...rest } = rec.networks!;
  rec.networks = rest;
  writeContainerRecord(rec);
  return releaseReservation(att.networkId, rec.id);
}

/**
 * Disconnects the container from a network: with `ns` (it runs) its link goes and the
 * default route moves to the endpoint that now gives it; the addresses are released, the
 * attachment dropped from its record and /etc/hosts of the peers updated.
 */
export function disconnectEndpoint(rec: ContainerRecord, name: string, ns: ContainerNetns | undefined): void {
  const att = rec.networks?.[name];
  if (!att) return;
  const nets = networksById();
  const before = gatewayAttachment(rec, nets);
  if (ns && att.endpoint) {
    const link = linkFind(ns.ctr, att.endpoint.ifname);
    if (link) linkDel(ns.ctr, link);
  }
  const net = forget(rec, name);
  if (ns) moveDefaultRoute(ns, rec, before, nets);
  refreshHosts(net ? [net] : [], [rec.id]);
}

/**
 * The container stopped (or is removed): every endpoint's addresses are released; its
 * links went with its namespace. The attachments stay, for the next start. The caller
 * writes the container's record.
 */
export function releaseEndpoints(rec: ContainerRecord): void {
  const left: NetworkRecord[] = [];
  delete rec.nextEth;
  for (const att of Object.values(rec.networks ?? {})) {
    if (!att.endpoint) continue;
    delete att.endpoint;
    const net = releaseReservation(att.networkId, rec.id);
    if (net) left.push(net);
  }
  refreshHosts(left);
}

/**
 * A live container's endpoints left pending by a connect that died: the link is deleted
 * from its namespace (under whichever name it got) and the addresses released. Returns
 * whether the record changed.
 */
export function undoPending(rec: ContainerRecord): boolean {
  const pending = Object.entries(rec.networks ?? {}).filter(([, a]) => a.endpoint?.pending);
  if (pending.length === 0) return false;
  let ns: ContainerNetns;
  try {
    ns = openContainerNetns(rec);
  } catch (err) {
    if (isAlive(rec.state.process)) throw err;
    // It ended meanwhile: its namespace, and the link in it, are gone.
    for (const [name] of pending) abandon(rec, name);
    return true;
  }
  try {
    for (const [name, att] of pending) {
      for (const ifname of [att.endpoint!.pending!.tmpLink, att.endpoint!.ifname]) {
        const link = linkFind(ns.ctr, ifname);
        if (link) linkDel(ns.ctr, link);
      }
      const net = abandon(rec, name);
      if (net) refreshHosts([net]);
    }
  } finally {
    closeContainerNetns(ns);
  }
  return true;
}

/**
 * Removes a container's endpoint from a network record (its addresses become free).
 * Returns the updated network, or undefined if it is gone.
 */
export function releaseReservation(networkId: string, containerId: string): NetworkRecord | undefined {
  const net = findNetwork(networkId);
  if (!net || !net.endpoints[containerId]) return net;
  delete net.endpoints[containerId];
  writeNetwork(net);
  return net;
}

/**
 * Network records' endpoints that no live container's record names (a container gone, or a
 * reservation whose record was never written): released, and /etc/hosts of the rest updated.
 */
export function releaseOrphans(live: ContainerRecord[], onWrite: (what: string, write: () => void) => void): void {
  const owned = new Set(live.flatMap((c) => Object.values(c.networks ?? {}).flatMap((a) => (a.endpoint ? [`${a.networkId}/${c.id}/${a.endpoint.endpointId}`] : []))));
  for (const net of listNetworks()) {
    // A CNI attachment has no container record: its runtime releases it (DEL, GC), unless its
    // namespace is gone without one (a reboot): then nothing holds the address any more.
    const stale = Object.values(net.endpoints).filter((e) => (e.cni ? !existsSync(e.cni.netns) : !owned.has(`${net.id}/${e.containerId}/${e.endpointId}`)));
    if (stale.length === 0) continue;
    onWrite(`that the containers of network ${net.name} left it`, () => {
      let updated = net;
      for (const e of stale) updated = releaseReservation(net.id, e.containerId) ?? updated;
      refreshHosts([updated]);
    });
  }
}
