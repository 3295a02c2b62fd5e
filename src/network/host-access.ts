/**
 * --host-access: the documented fix for the guides' best-known gotcha. The kernel does not
 * deliver frames between a macvlan (or ipvlan) port and its parent's own address, so the
 * host cannot reach its containers. A "shim" link of the network's own kind on the same
 * parent, with a /32 address and a route to the containers through it, can.
 */
import type { NetworkRecord } from '../state/networks';
import { TsrunError } from '../sys/error';
import { DRIVERS } from './drivers';
import { allocate } from './ipam/pools';
import { Cidr } from './ip';
import { addrAdd } from './netlink/addr';
import type { Handle } from './netlink/handle';
import { linkAdd, linkDel, linkFind, linkSetUp, type LinkRef } from './netlink/link';
import { routeAdd } from './netlink/route';
import { faultPoint } from '../runtime/fault';

export const HOST_ACCESS_AUX = 'host-access';

/** The shim of network `id`: sh-<12 hex>, derivable from the id alone (a broken record's shim can still be found). */
export function shimName(id: string): string {
  return `sh-${id.slice(0, 12)}`;
}

/** Reserves the shim's address (as an aux address of the first IPv4 pool) and builds the shim. */
export function addHostAccess(host: Handle, net: NetworkRecord, parent: LinkRef): void {
  const pool = net.pools.find((p) => Cidr.parseNetwork(p.subnet).family === 4);
  if (!pool) throw new TsrunError('--host-access needs an IPv4 subnet');
  const ip = allocate(pool, []).toString();
  const name = shimName(net.id);
  const shim = linkAdd(host, { name, parent, ...DRIVERS[net.driver].link(net) });
  faultPoint('network-create:after-shim');
  try {
    addrAdd(host, shim, `${ip}/32`);
    linkSetUp(host, shim);
    routeAdd(host, { dst: pool.ipRange ?? pool.subnet, dev: shim });
    faultPoint('network-create:after-route');
  } catch (err) {
    linkDel(host, shim);
    throw err;
  }
  pool.auxAddresses[HOST_ACCESS_AUX] = ip;
  net.hostAccess = { link: name, address: ip };
}

/** Deletes the shim; its address and route go with it. */
export function removeHostAccess(host: Handle, net: NetworkRecord): void {
  if (!net.hostAccess) return;
  const shim = linkFind(host, net.hostAccess.link);
  if (shim) linkDel(host, shim);
}
