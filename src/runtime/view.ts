/**
 * The containers as the commands that only show them (ps, inspect) see them: read without
 * the lock, and reconciled (reconcile.ts, under the lock) only when something needs it. This
 * module loads none of what reconciling does (endpoints, netlink, cgroups): a listing that
 * finds everything in order never pays for it.
 */
import { readdirSync } from 'node:fs';
import { containerDir, findContainer, findDeadContainer, listDeadContainers, scanContainers, type ContainerRecord, type DeadContainer } from '../state/containers';
import { hasTemps } from '../state/atomic';
import { pendingIntents } from '../state/journal';
import { withLock } from '../state/lock';
import { TsrunError } from '../sys/error';
import { aliveOnce } from '../sys/process';

/** The records and the Dead ones. */
export interface ContainersView {
  records: ContainerRecord[];
  dead: DeadContainer[];
}

/**
 * The records as reconcile would leave them. The lock is taken to reconcile only when one
 * needs it: a monitor that died, a half-made directory, a killed writer's temp, a network
 * connect or another command killed midway (an intent). So ps and inspect neither wait for
 * a run that holds the lock nor load flock's ffi-rs in the common case. Records are replaced
 * by rename, so each is read whole, as it was just before or just after a concurrent change.
 * Commands that act on a container resolve it under the lock instead (lifecycle.ts).
 */
export function viewContainers(): ContainersView {
  const { records, dead, halfMade } = scanContainers();
  const monitorAlive = aliveOnce();
  const settled =
    !halfMade &&
    pendingIntents().length === 0 &&
    records.every((r) => (r.state.monitor === null || monitorAlive(r.state.monitor)) && !Object.values(r.networks ?? {}).some((a) => a.endpoint?.pending)) &&
    [...records, ...dead].every((r) => !hasTemps(readdirSync(containerDir.root(r.id))));
  if (settled) return { records, dead };
  const { reconcile } = require('./reconcile') as typeof import('./reconcile');
  return withLock(() => ({ records: reconcile(), dead: listDeadContainers() }));
}

/** A container by name, full id or unique id prefix, among those of `view`; a Dead one too. */
export function pickContainer(ref: string, { records, dead }: ContainersView): ContainerRecord | DeadContainer {
  const rec = findContainer(ref, records) ?? findDeadContainer(ref, dead);
  if (!rec) throw new TsrunError(`No such container: ${ref}`);
  return rec;
}

/** A container for a command that only shows it (inspect): as it stands, without waiting for the lock. */
export function viewContainerOrDead(ref: string): ContainerRecord | DeadContainer {
  return pickContainer(ref, viewContainers());
}
