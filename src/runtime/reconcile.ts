/**
 * Daemonless bookkeeping: every command that reads or changes containers first makes the
 * records true again. A container whose monitor died (killed, or the host rebooted) is
 * stopped if it still runs and marked exited (or removed, with --rm); a start that died
 * before the command ran leaves the container as it was (a run's is removed). Either way
 * its addresses are released and its cgroup removed. Half-made container directories and
 * network endpoints of containers that are gone are removed. Links and mounts need no
 * sweep: they live in the container's namespaces and vanish with its last process.
 *
 * On a full disk the answer is still given: what cannot be written is shown as it is, and
 * written by the first command that finds room.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { releaseEndpoints, releaseOrphans, undoPending } from '../network/endpoints';
import { ContainerCgroup } from './cgroups/cgroup';
import { containerDir, containerDirs, listContainers, isStarting, removeContainerRecord, writeContainerRecord, type ContainerRecord } from '../state/containers';
import { withoutStaleTemps } from '../state/atomic';
import { keepExit, sweepExits } from '../state/exits';
import { reportOnce } from '../state/foreign';
import { isNoSpace } from '../sys/error';
import { aliveOnce, isAlive, isZombie } from '../sys/process';

/** 128 + SIGKILL, as Docker reports a killed container. */
const KILLED = 137;
/** What Docker reports for a container that was running when the host went down. */
const LOST = 255;

/** Runs a write of the bookkeeping; on a full disk says so once and leaves it for later. */
function tryWrite(what: string, write: () => void): boolean {
  try {
    write();
    return true;
  } catch (err) {
    if (!isNoSpace(err)) throw err;
    reportOnce(`nospace:${what}`, `cannot record ${what}: no space left on the disk of TSRUN_ROOT; shown as it is, recorded by the first tsrun command once space is freed`);
    return false;
  }
}

/**
 * A start that died before the command ran (its monitor killed, or the host rebooted): a
 * `run`'s container is removed, as if it never was; a `start`'s is left as it was
 * (created or exited), its addresses released and its cgroup removed.
 */
function undoStart(rec: ContainerRecord): ContainerRecord | undefined {
  ContainerCgroup.ofContainer(rec)?.remove();
  if (rec.state.ephemeral) {
    tryWrite(`that container ${rec.name} left its networks`, () => releaseEndpoints(rec));
    removeContainerRecord(rec.id);
    return undefined;
  }
  // A monitor that died in its restart policy's back-off leaves the container simply exited.
  const { restarting: _, ...state } = rec.state;
  const restored: ContainerRecord = { ...rec, state: { ...state, monitor: null } };
  tryWrite(`that container ${rec.name} left its networks`, () => releaseEndpoints(restored));
  tryWrite(`that the start of container ${rec.name} ended`, () => writeContainerRecord(restored));
  return restored;
}

/** The record as it now stands (`undefined` once removed). `reaped`: the exit status the keeper collected. */
function settle(rec: ContainerRecord, reaped: number | undefined): ContainerRecord | undefined {
  if (rec.state.status !== 'running') return undoStart(rec);
  let exitCode = LOST;
  let error = 'its monitor died (or the host rebooted) before it recorded the exit';
  if (reaped !== undefined) {
    exitCode = reaped;
    error = '';
  } else if (isAlive(rec.state.process)) {
    process.kill(rec.state.pid, 'SIGKILL');
    exitCode = KILLED;
    error = 'its monitor died; tsrun killed the container';
  }
  ContainerCgroup.ofContainer(rec)?.remove();
  const settled: ContainerRecord = { ...rec, state: { ...rec.state, status: 'exited', pid: 0, exitCode, error, monitor: null, finishedAt: new Date().toISOString() } };
  tryWrite(`that container ${rec.name} left its networks`, () => releaseEndpoints(settled));
  if (rec.config.autoRemove && !rec.state.keepOnExit) {
    keepExit(rec.id, exitCode);
    removeContainerRecord(rec.id);
    return undefined;
  }
  tryWrite(`the end of container ${rec.name}`, () => writeContainerRecord(settled));
  return settled;
}

/**
 * Call under the lock. Returns the container records as they now stand. `reaped`: exit
 * statuses, by container id, of containers whose monitor died after they ended (keeper.ts).
 */
export function reconcile(reaped: ReadonlyMap<string, number> = new Map()): ContainerRecord[] {
  // Created under the lock together with its record: a directory without one is a run killed in between.
  for (const id of containerDirs()) {
    if (!lstatSync(containerDir.record(id), { throwIfNoEntry: false })) removeContainerRecord(id);
    else withoutStaleTemps(containerDir.root(id), readdirSync(containerDir.root(id)));
  }
  const records: ContainerRecord[] = [];
  const monitorAlive = aliveOnce();
  for (const rec of listContainers()) {
    // A created or exited container has no monitor (null), unless a start of it is under way.
    // One whose monitor died but whose exit the kernel still holds (a zombie) is left to the
    // process that will collect it: the supervisor's keeper, which records its exit code.
    const orphaned = rec.state.monitor !== null && !monitorAlive(rec.state.monitor) && !isZombie(rec.state.process);
    const now = orphaned ? settle(rec, reaped.get(rec.id)) : rec;
    if (now) records.push(now);
  }
  sweepExits();
  // An exited container being started again holds its addresses already.
  const live = records.filter((c) => c.state.status !== 'exited' || isStarting(c));
  // A `network connect` killed midway: its endpoint is unplugged and released.
  for (const rec of live) tryWrite(`that container ${rec.name} was not connected`, () => undoPending(rec));
  releaseOrphans(live, tryWrite);
  return records;
}
