/**
 * network create, rm and prune: records and the parent links behind them, under the lock.
 * Each writes its intent (state/journal.ts) before its first kernel change, so a kill at any
 * step is undone (create) or finished (rm) by the next command.
 */
import { faultPoint } from '../runtime/fault';
import { reconcile } from '../runtime/reconcile';
import { beginIntent, endIntent, type IntentLink } from '../state/journal';
import { withLock } from '../state/lock';
import { newId } from '../state/id';
import { findBrokenNetwork, findNetwork, listNetworks, networkRecordPath, removeNetworkRecord, requireNetwork, writeNetwork, type BrokenNetwork, type NetworkRecord } from '../state/networks';
import { TsrunError } from '../sys/error';
import { DRIVERS, driverFor, type Driver } from './drivers';
import { buildPools, type IpamFlags } from './ipam/pools';
import { Cidr } from './ip';
import { AF_INET } from './netlink/constants';
import { Handle } from './netlink/handle';
import { routeList } from './netlink/route';
import { carryOut } from './intents';
import { linkFind } from './netlink/link';
import { checkParentSharing, ensureParent, planParent, releaseParent } from './parent';
import { probeDriver } from './probe';
import { addHostAccess, removeHostAccess, shimName } from './host-access';

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
function hostSubnets(h: Handle): Cidr[] {
  return routeList(h, { family: AF_INET })
    .filter((r) => r.dst !== 'default')
    .map((r) => Cidr.parse(r.dst, 'route'));
}

export function subnetsOf(nets: NetworkRecord[]): Cidr[] {
  return nets.flatMap((n) => n.pools.map((p) => Cidr.parseNetwork(p.subnet)));
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
        parent: planParent(host, driver, id, options.parent),
        endpoints: {},
      };
      checkParentSharing(net, others);
      if (o.hostAccess && o.internal) throw new TsrunError('--host-access cannot be combined with --internal: an internal network reaches nothing outside');
      probeDriver(driver, net);
      const links: IntentLink[] = [];
      if (o.hostAccess) links.push({ name: shimName(id), kind: driver.name });
      if (net.parent.created && !linkFind(host, net.parent.name)) links.push({ name: net.parent.name, kind: net.parent.created.kind });
      const intent = beginIntent({ op: 'network-create', subject: id, links, netns: [], records: [networkRecordPath(id)] });
      faultPoint('network-create:after-intent');
      try {
        const { link: parent, createdNow } = ensureParent(host, net);
        if (createdNow) faultPoint('network-create:after-parent');
        if (o.hostAccess) addHostAccess(host, net, parent);
        writeNetwork(net);
        faultPoint('network-create:after-record');
      } catch (err) {
        carryOut(host, intent);
        endIntent(intent);
        throw err;
      }
      endIntent(intent);
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
  const parentGoes = net.parent.created && !all.some((o) => o.id !== net.id && o.parent.name === net.parent.name);
  const links: IntentLink[] = [];
  if (net.hostAccess) links.push({ name: net.hostAccess.link, kind: net.driver });
  if (parentGoes && net.parent.created) links.push({ name: net.parent.name, kind: net.parent.created.kind });
  const intent = beginIntent({ op: 'network-rm', subject: net.id, links, netns: [], records: [networkRecordPath(net.id)] });
  faultPoint('network-rm:after-intent');
  removeHostAccess(host, net);
  faultPoint('network-rm:after-shim');
  releaseParent(host, net, all);
  faultPoint('network-rm:after-parent');
  removeNetworkRecord(net.id);
  endIntent(intent);
}

/**
 * Removes a record too broken to read, with the kernel objects its id alone names: the shim
 * and the dummy parent (unless a readable network uses that link as its parent). An 802.1Q
 * parent tsrun made for it is not derivable and stays.
 */
function removeBroken(host: Handle, b: BrokenNetwork): void {
  const used = new Set(listNetworks().map((n) => n.parent.name));
  const links: IntentLink[] = [
    ...(['macvlan', 'ipvlan'] as const).map((kind) => ({ name: shimName(b.id), kind })),
    ...Object.values(DRIVERS).map((d) => ({ name: d.dummyName(b.id), kind: 'dummy' as const })),
  ].filter((l) => !used.has(l.name));
  const intent = beginIntent({ op: 'network-rm', subject: b.id, links, netns: [], records: [networkRecordPath(b.id)] });
  carryOut(host, intent);
  endIntent(intent);
}

/**
 * Removes networks by name or id; each must have no container attached. As Docker does,
 * one that cannot be removed is reported and the others are still removed. Containers whose
 * monitor died are settled first, so their endpoints no longer count as attached.
 */
export function removeNetworks(refs: string[], onRemoved: (ref: string) => void, onError: (err: TsrunError) => void): void {
  withLock(() => {
    reconcile();
    const host = Handle.current();
    try {
      for (const ref of refs) {
        try {
          if (RESERVED.slice(0, 2).includes(ref)) throw new TsrunError(`${ref} is a pre-defined network and cannot be removed`);
          const broken = findNetwork(ref) ? undefined : findBrokenNetwork(ref);
          if (broken) removeBroken(host, broken);
          else remove(host, requireNetwork(ref), listNetworks());
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
    reconcile();
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
