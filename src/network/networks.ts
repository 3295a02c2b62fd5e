/** network create, rm and prune: records and the parent links behind them, under the lock. */
import { withLock } from '../state/lock';
import { newId } from '../state/id';
import { listNetworks, removeNetworkRecord, requireNetwork, writeNetwork, type NetworkRecord } from '../state/networks';
import { TsrunError } from '../sys/error';
import { driverFor, type Driver } from './drivers';
import { buildPools, type IpamFlags } from './ipam/pools';
import { Subnet } from './ipam/subnet';
import { AF_INET } from './netlink/constants';
import { Handle } from './netlink/handle';
import { routeList } from './netlink/route';
import { checkParentSharing, ensureParent, planParent, releaseParent } from './parent';
import { probeDriver } from './probe';
import { addHostAccess, removeHostAccess } from './host-access';

export interface CreateOptions extends IpamFlags {
  name: string;
  driver: string;
  internal: boolean;
  /** Add the host-side shim so the host can reach the network's containers. */
  hostAccess: boolean;
  /** -o KEY=VALUE */
  options: string[];
  /** --label KEY[=VALUE] */
  labels: string[];
}

const RESERVED = ['none', 'host', 'bridge', 'default'];

function validateName(name: string): void {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) {
    throw new TsrunError(`invalid network name "${name}": use letters, digits and _ . - (starting with a letter or digit)`);
  }
}

function parseOptions(driver: Driver, entries: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries) {
    const eq = e.indexOf('=');
    const key = e.slice(0, eq);
    if (eq <= 0) throw new TsrunError(`invalid option "${e}": use -o KEY=VALUE, e.g. -o parent=eth0`);
    if (key !== 'parent' && !driver.options.includes(key)) {
      throw new TsrunError(`unknown option "${key}" for the ${driver.name} driver (options: parent, ${driver.options.join(', ')})`);
    }
    driver.validate(key, e.slice(eq + 1));
    out[key] = e.slice(eq + 1);
  }
  return out;
}

function parseLabels(entries: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries) {
    const eq = e.indexOf('=');
    const key = eq === -1 ? e : e.slice(0, eq);
    if (key === '') throw new TsrunError(`invalid label "${e}": use --label KEY=VALUE`);
    out[key] = eq === -1 ? '' : e.slice(eq + 1);
  }
  return out;
}

/** Subnets of the host's own routes, which a default pool must not overlap. */
function hostSubnets(h: Handle): Subnet[] {
  return routeList(h, { family: AF_INET })
    .filter((r) => r.dst !== 'default')
    .map((r) => Subnet.parse(r.dst, 'route', false));
}

export function subnetsOf(nets: NetworkRecord[]): Subnet[] {
  return nets.flatMap((n) => n.pools.map((p) => Subnet.parse(p.subnet)));
}

export function createNetwork(o: CreateOptions): NetworkRecord {
  validateName(o.name);
  const driver = driverFor(o.driver);
  const options = parseOptions(driver, o.options);
  const labels = parseLabels(o.labels);
  return withLock(() => {
    const others = listNetworks();
    if (RESERVED.includes(o.name) || others.some((n) => n.name === o.name)) {
      throw new TsrunError(`network with name ${o.name} already exists`);
    }
    const host = Handle.current();
    try {
      const id = newId();
      const net: NetworkRecord = {
        id,
        name: o.name,
        driver: driver.name,
        created: new Date().toISOString(),
        enableIPv6: o.ipv6,
        internal: o.internal,
        pools: buildPools(o, subnetsOf(others), hostSubnets(host)),
        options,
        labels,
        parent: planParent(host, driver, id, options.parent, o.internal),
        endpoints: {},
      };
      checkParentSharing(net, others);
      if (o.hostAccess && o.internal) throw new TsrunError('--host-access cannot be combined with --internal: an internal network reaches nothing outside');
      probeDriver(driver, net);
      const { link: parent, createdNow } = ensureParent(host, net);
      try {
        if (o.hostAccess) addHostAccess(host, net, parent);
        writeNetwork(net);
      } catch (err) {
        removeHostAccess(host, net);
        if (createdNow) releaseParent(host, net, []);
        throw err;
      }
      return net;
    } finally {
      host.close();
    }
  });
}

function remove(host: Handle, net: NetworkRecord, all: NetworkRecord[]): void {
  const attached = Object.keys(net.endpoints).length;
  if (attached > 0) {
    throw new TsrunError(`error while removing network: network ${net.name} id ${net.id} has active endpoints (${attached} container${attached > 1 ? 's' : ''}: stop them first)`);
  }
  removeHostAccess(host, net);
  releaseParent(host, net, all);
  removeNetworkRecord(net.id);
}

/**
 * Removes networks by name or id; each must have no container attached. As Docker does,
 * one that cannot be removed is reported and the others are still removed.
 */
export function removeNetworks(refs: string[], onRemoved: (ref: string) => void, onError: (err: TsrunError) => void): void {
  withLock(() => {
    const host = Handle.current();
    try {
      for (const ref of refs) {
        try {
          if (RESERVED.slice(0, 2).includes(ref)) throw new TsrunError(`${ref} is a pre-defined network and cannot be removed`);
          remove(host, requireNetwork(ref), listNetworks());
          onRemoved(ref);
        } catch (err) {
          if (!(err instanceof TsrunError)) throw err;
          onError(err);
        }
      }
    } finally {
      host.close();
    }
  });
}

/** Removes every network no container is attached to; returns their names. */
export function pruneNetworks(): string[] {
  return withLock(() => {
    const host = Handle.current();
    try {
      const removed: string[] = [];
      for (const net of listNetworks()) {
        if (Object.keys(net.endpoints).length > 0) continue;
        remove(host, net, listNetworks());
        removed.push(net.name);
      }
      return removed;
    } finally {
      host.close();
    }
  });
}
