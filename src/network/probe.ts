/**
 * Does this kernel have the driver's link kind? Asked once at `network create`, in a scratch
 * network namespace that vanishes with its handle, so a missing CONFIG_IPVLAN is reported
 * before any network exists rather than at the first `run`.
 */
import { CLONE, NamespaceSet, unshare } from '../sys/namespace';
import type { Driver } from './drivers';
import { Handle } from './netlink/handle';
import { linkAdd } from './netlink/link';
import type { NetworkRecord } from '../state/networks';

export function probeDriver(driver: Driver, net: Pick<NetworkRecord, 'options'>): void {
  const home = NamespaceSet.ofThisThread(['net']);
  let h: Handle;
  try {
    unshare(CLONE.NEWNET, 'scratch network namespace');
    h = Handle.current('ip');
  } finally {
    home.return();
    home.close();
  }
  h.explain = undefined;
  try {
    const parent = linkAdd(h, { name: 'probe0', kind: 'veth', peer: { name: 'probe1' } });
    linkAdd(h, { name: 'probe2', parent, ...driver.link(net) });
  } finally {
    h.close();
  }
}
