/** stop, kill, rm and wait: acting on a container's PID 1, then waiting for its monitor to record the end. */
import { setTimeout as sleep } from 'node:timers/promises';
import { containerDir, containerById, findContainer, isStarting, listDeadContainers, removeContainerRecord, writeContainerRecord, type ContainerRecord, type DeadContainer } from '../state/containers';
import { diskUsage } from '../state/disk-usage';
import { ContainerCgroup } from './cgroups/cgroup';
import { keptExit } from '../state/exits';
import { withLock } from '../state/lock';
import { TsrunError } from '../sys/error';
import { isAlive } from '../sys/process';
import { faultPoint } from './fault';
import { reconcile } from './reconcile';
import { pickContainer } from './view';

const POLL_MS = 50;

/**
 * By name, full id or unique id prefix, with the records made true first; a Dead one too.
 * Under the lock: a command that acts on the container goes after any change under way
 * (a monitor recording the end of a container just killed, say).
 */
export function resolveContainerOrDead(ref: string): ContainerRecord | DeadContainer {
  return withLock(() => pickContainer(ref, { records: reconcile(), dead: listDeadContainers() }));
}

/** A container that is not Dead: only rm and inspect can act on a Dead one. */
export function resolveContainer(ref: string): ContainerRecord {
  const rec = resolveContainerOrDead(ref);
  if ('why' in rec) {
    const short = rec.id.slice(0, 12);
    throw new TsrunError(`container ${short} is Dead (its record cannot be read): only 'tsrun rm -f ${short}' and 'tsrun inspect ${short}' act on it`);
  }
  return rec;
}

/**
 * Removes a Dead container: whatever still runs in its cgroup (at the default place: its
 * record, which would name another, is gone) is killed, and its directory removed.
 */
function removeDead(dead: DeadContainer): void {
  ContainerCgroup.of(dead.id, 'tsrun').remove();
  removeContainerRecord(dead.id);
}

function running(rec: ContainerRecord): boolean {
  return rec.state.status === 'running' && isAlive(rec.state.process);
}

/** Waits until the container's monitor has recorded its end (or, if the monitor is gone, reconciles). */
async function waitRecorded(id: string, timeoutMs = 30_000): Promise<ContainerRecord | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rec = withLock(() => findContainer(id, reconcile()));
    if (!rec || rec.state.status === 'exited') return rec;
    if (Date.now() > deadline) throw new TsrunError(`container ${rec.name} did not stop within ${timeoutMs / 1000} s`);
    await sleep(POLL_MS);
  }
}

async function waitDead(rec: ContainerRecord, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isAlive(rec.state.process)) {
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
  return true;
}

/**
 * Marks the container stopped by hand, so that its restart policy leaves it stopped (and a
 * back-off under way ends), as Docker's stop and kill do. Returns it as it was.
 */
function stoppedByHand(ref: string): ContainerRecord {
  const rec = resolveContainer(ref);
  if (!rec.config.restartPolicy || rec.config.restartPolicy.name === 'no') return rec;
  return withLock(() => {
    const now = containerById(rec.id) ?? rec;
    const { restarting: _, ...state } = now.state;
    writeContainerRecord({ ...now, state: { ...state, manuallyStopped: true } });
    return now;
  });
}

/** A start under way (not a restart policy's back-off, which the mark ends): its end, running or not. */
async function afterStart(rec: ContainerRecord): Promise<ContainerRecord | undefined> {
  let now: ContainerRecord | undefined = rec;
  while (now && isStarting(now) && !now.state.restarting) {
    await sleep(POLL_MS);
    now = withLock(() => findContainer(rec.id, reconcile()));
  }
  return now;
}

/** SIGTERM, then SIGKILL after `timeoutSec` (never if negative, as Docker); resolves once the exit is recorded. */
export async function stopContainer(ref: string, timeoutSec: number): Promise<void> {
  const rec = await afterStart(stoppedByHand(ref));
  if (!rec || !running(rec)) return;
  process.kill(rec.state.pid, 'SIGTERM');
  if (!(await waitDead(rec, timeoutSec < 0 ? Number.POSITIVE_INFINITY : timeoutSec * 1000)) && isAlive(rec.state.process)) process.kill(rec.state.pid, 'SIGKILL');
  await waitRecorded(rec.id);
}

/** Sends `signal`, a number parseSignal (./signals) accepted. */
export function killContainer(ref: string, signal: number): void {
  const rec = resolveContainer(ref);
  if (!running(rec)) throw new TsrunError(`Container ${rec.id.slice(0, 12)} is not running`);
  stoppedByHand(rec.id);
  process.kill(rec.state.pid, signal);
}

/** Removes a stopped container; with `force`, kills a running one first; with `volumes`, its anonymous volumes too. */
export async function removeContainer(ref: string, force: boolean, volumes = false): Promise<void> {
  const found = resolveContainerOrDead(ref);
  if ('why' in found) return withLock(() => removeDead(found));
  let rec = found;
  if (running(rec)) {
    if (!force) {
      throw new TsrunError(`You cannot remove a running container ${rec.id}. Stop the container before attempting removal or force remove`);
    }
    process.kill(rec.state.pid, 'SIGKILL');
    faultPoint('rm:after-kill');
    await waitDead(rec, 10_000);
    // Its monitor records the end; one that cannot (a full disk) keeps trying, and the
    // removal goes ahead without it (the monitor then finds the record gone and stops).
    let after: ContainerRecord | undefined = rec;
    try {
      after = await waitRecorded(rec.id, 5_000);
    } catch {
      // still unrecorded: removed below all the same
    }
    if (!after) return; // it was --rm: its monitor removed it
    rec = after;
  }
  withLock(() => {
    reconcile();
    if (containerById(rec.id)) removeContainerRecord(rec.id, volumes);
  });
}

/** Blocks until the container ends; returns its exit code. */
export async function waitContainer(ref: string): Promise<number> {
  const rec = resolveContainer(ref);
  const done = await waitRecorded(rec.id, Number.POSITIVE_INFINITY);
  if (done) return done.state.exitCode;
  const code = keptExit(rec.id);
  if (code === undefined) throw new TsrunError(`container ${rec.name} was removed when it ended (--rm) and its exit code was not kept`);
  return code;
}

/** `container prune`: removes every container that is not running (Dead ones too); the ids and the bytes freed. */
export function pruneContainers(): { removed: string[]; bytes: number } {
  return withLock(() => {
    // One whose run or start is under way is starting, not stopped.
    const stopped = [...reconcile().filter((c) => c.state.status !== 'running' && !isStarting(c)), ...listDeadContainers()];
    let bytes = 0;
    for (const c of stopped) {
      bytes += diskUsage(containerDir.root(c.id));
      if ('why' in c) removeDead(c);
      else removeContainerRecord(c.id);
    }
    return { removed: stopped.map((c) => c.id), bytes };
  });
}
