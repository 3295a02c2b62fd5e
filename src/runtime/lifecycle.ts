/** stop, kill, rm and wait: acting on a container's PID 1, then waiting for its monitor to record the end. */
import { setTimeout as sleep } from 'node:timers/promises';
import { findContainer, removeContainerRecord, type ContainerRecord } from '../state/containers';
import { withLock } from '../state/lock';
import { TsrunError } from '../sys/error';
import { isAlive } from '../sys/process';
import { faultPoint } from './fault';
import { reconcile } from './reconcile';

const POLL_MS = 50;

/** By name, full id or unique id prefix, with the records made true first. */
export function resolveContainer(ref: string): ContainerRecord {
  return withLock(() => {
    reconcile();
    const rec = findContainer(ref);
    if (!rec) throw new TsrunError(`No such container: ${ref}`);
    return rec;
  });
}

function running(rec: ContainerRecord): boolean {
  return rec.state.status === 'running' && isAlive(rec.state.process);
}

/** Waits until the container's monitor has recorded its end (or, if the monitor is gone, reconciles). */
async function waitRecorded(id: string, timeoutMs = 30_000): Promise<ContainerRecord | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rec = withLock(() => {
      reconcile();
      return findContainer(id);
    });
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

/** SIGTERM, then SIGKILL after `timeoutSec` (never if negative, as Docker); resolves once the exit is recorded. */
export async function stopContainer(ref: string, timeoutSec: number): Promise<void> {
  const rec = resolveContainer(ref);
  if (!running(rec)) return;
  process.kill(rec.state.pid, 'SIGTERM');
  if (!(await waitDead(rec, timeoutSec < 0 ? Number.POSITIVE_INFINITY : timeoutSec * 1000)) && isAlive(rec.state.process)) process.kill(rec.state.pid, 'SIGKILL');
  await waitRecorded(rec.id);
}

/** Sends `signal`, a number parseSignal (./signals) accepted. */
export function killContainer(ref: string, signal: number): void {
  const rec = resolveContainer(ref);
  if (!running(rec)) throw new TsrunError(`Container ${rec.id.slice(0, 12)} is not running`);
  process.kill(rec.state.pid, signal);
}

/** Removes a stopped container; with `force`, kills a running one first. */
export async function removeContainer(ref: string, force: boolean): Promise<void> {
  let rec = resolveContainer(ref);
  if (running(rec)) {
    if (!force) {
      throw new TsrunError(`You cannot remove a running container ${rec.id}. Stop the container before attempting removal or force remove`);
    }
    process.kill(rec.state.pid, 'SIGKILL');
    faultPoint('rm:after-kill');
    const after = await waitRecorded(rec.id);
    if (!after) return; // it was --rm: its monitor removed it
    rec = after;
  }
  withLock(() => {
    reconcile();
    if (findContainer(rec.id)) removeContainerRecord(rec.id);
  });
}

/** Blocks until the container ends; returns its exit code. */
export async function waitContainer(ref: string): Promise<number> {
  const rec = resolveContainer(ref);
  const done = await waitRecorded(rec.id, Number.POSITIVE_INFINITY);
  if (!done) throw new TsrunError(`container ${rec.name} was removed when it ended (--rm): its exit code is gone`);
  return done.state.exitCode;
}
