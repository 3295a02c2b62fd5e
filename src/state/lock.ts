import { closeSync, constants, openSync } from 'node:fs';
import { fromNodeError, TsrunError } from '../sys/error';
import { flockExclusive } from '../sys/file';
import { pendingIntents } from './journal';
import { paths } from './root';

/**
 * The one lock every mutation of shared state (images, containers, networks, addresses)
 * is made under. flock is released by the kernel when the holder dies, so a killed tsrun
 * never leaves the lock held; what it left half done on the host is finished first thing by
 * the next holder, from its intent (journal.ts).
 */
function acquire(): number {
  const path = paths.lock();
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new TsrunError(`${path} is a symlink: tsrun never follows one there; remove it`, 'ELOOP');
    throw fromNodeError(err, `open the lock ${path}`);
  }
  try {
    flockExclusive(fd, path);
    recover();
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return fd;
}

/** One readdir when no command was killed midway; the network code is loaded only when one was. */
function recover(): void {
  const pending = pendingIntents();
  if (pending.length === 0) return;
  (require('../network/intents') as typeof import('../network/intents')).recoverIntents(pending);
}

export function withLock<T>(fn: () => T): T {
  const fd = acquire();
  try {
    return fn();
  } finally {
    closeSync(fd);
  }
}

/**
 * For a command that only reads shared state (network ls, network inspect): without the lock
 * when no command was killed midway (no intent pending: one readdir), so it neither waits for a
 * command holding the lock nor loads flock's ffi-rs; else under the lock, after the recovery.
 * Records are replaced by rename, so each is read whole.
 */
export function readShared<T>(fn: () => T): T {
  return pendingIntents().length === 0 ? fn() : withLock(fn);
}

/** withLock for async work: the lock is held until the promise settles. */
export async function withLockAsync<T>(fn: () => Promise<T>): Promise<T> {
  const fd = acquire();
  try {
    return await fn();
  } finally {
    closeSync(fd);
  }
}
