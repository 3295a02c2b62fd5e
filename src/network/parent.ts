/**
 * A network's parent link, as Docker's macvlan/ipvlan drivers handle it: an existing link is
 * used as is and never deleted; a missing `name.vid` becomes an 802.1Q sub-interface of
 * `name` that tsrun creates; no parent (or --internal) gets a dummy link of the network's own.
 * Links tsrun created are re-created when they vanished (a reboot) and deleted with the
 * last network on them.
 */
import type { NetworkRecord, ParentLink } from '../state/networks';
import { TsrunError } from '../sys/error';
import type { Driver } from './drivers';
import { IFF } from './netlink/constants';
import type { Handle } from './netlink/handle';
import { linkAdd, linkByName, linkDel, linkFind, linkSetUp, validateLinkName, type Link, type LinkRef } from './netlink/link';

/** Decides, without changing anything, what the parent of a new network is. */
export function planParent(h: Handle, driver: Driver, networkId: string, parent: string | undefined): ParentLink {
  // --internal with a parent uses that parent, as Docker 20.10 does: only the default route is left out.
  if (parent === undefined || parent === '') {
    return { name: driver.dummyName(networkId), created: { kind: 'dummy' } };
  }
  validateLinkName(parent);
  const existing = linkFind(h, parent);
  // The kernel accepts a macvlan or ipvlan port on lo only to fail every later use with EINVAL.
  const notLoopback = (l: Link): void => {
    if (l.flags & IFF.LOOPBACK) throw new TsrunError(`loopback interface is not a valid ${driver.name} parent link`);
  };
  if (existing) {
    notLoopback(existing);
    return { name: parent, created: false };
  }
  const m = /^(.+)\.(\d+)$/.exec(parent);
  if (!m) {
    if (parent.includes('.')) throw new TsrunError(`invalid subinterface vlan name ${parent}, example formatting is eth0.10`);
    throw new TsrunError(`-o parent interface was not found on the host: ${parent}`);
  }
  const master = m[1]!;
  const id = Number(m[2]);
  if (id < 1 || id > 4094) throw new TsrunError(`vlan id must be between 1-4094, received: ${id}`);
  const masterLink = linkFind(h, master);
  if (!masterLink) {
    throw new TsrunError(`-o parent interface was not found on the host: ${parent} (nor its master ${master}, needed to create it as an 802.1Q sub-interface)`);
  }
  notLoopback(masterLink);
  return { name: parent, created: { kind: 'vlan', master, id } };
}

/**
 * The parent link, (re-)created if tsrun owns it and it is missing. Returns the link and
 * whether this call created it (for rollback).
 */
export function ensureParent(h: Handle, net: NetworkRecord): { link: LinkRef; createdNow: boolean } {
  const existing = linkFind(h, net.parent.name);
  if (existing) return { link: existing, createdNow: false };
  const how = net.parent.created;
  if (!how) {
    throw new TsrunError(`parent interface ${net.parent.name} of network ${net.name} no longer exists (re-create it, or remove the network)`);
  }
  const link =
    how.kind === 'vlan'
      ? linkAdd(h, { name: net.parent.name, kind: 'vlan', id: how.id, parent: linkByName(h, how.master) })
      : linkAdd(h, { name: net.parent.name, kind: 'dummy' });
  try {
    linkSetUp(h, link);
  } catch (err) {
    linkDel(h, link);
    throw err;
  }
  return { link, createdNow: true };
}

/** Deletes a parent tsrun created once no network in `others` uses it. */
export function releaseParent(h: Handle, net: NetworkRecord, others: NetworkRecord[]): void {
  if (!net.parent.created) return;
  if (others.some((o) => o.id !== net.id && o.parent.name === net.parent.name)) return;
  const link = linkFind(h, net.parent.name);
  if (link) linkDel(h, link);
}

/**
 * The kernel's and tsrun's rules for networks sharing a parent: macvlan networks may share
 * one (except passthru, which takes the whole parent), an ipvlan parent serves one network,
 * and macvlan and ipvlan ports cannot share a parent at all.
 */
export function checkParentSharing(net: Pick<NetworkRecord, 'driver' | 'options' | 'parent'>, others: NetworkRecord[]): void {
  for (const o of others.filter((x) => x.parent.name === net.parent.name)) {
    if (o.driver !== net.driver) {
      throw new TsrunError(
        `network ${o.name} uses ${net.parent.name} as a ${o.driver} parent: macvlan and ipvlan cannot share a parent (the kernel refuses); use another parent or an 802.1Q sub-interface like ${net.parent.name}.20`,
      );
    }
    if (net.driver === 'ipvlan') throw new TsrunError(`network ${o.name} is already using parent interface ${net.parent.name}`);
    const passthru = (n: Pick<NetworkRecord, 'options'>): boolean => n.options.macvlan_mode === 'passthru';
    if (passthru(o) || passthru(net)) {
      throw new TsrunError(`network ${o.name} is already using parent interface ${net.parent.name}, and a passthru macvlan needs the parent to itself`);
    }
  }
}
