import { closeSync, mkdirSync, openSync } from 'node:fs';
import { flockExclusive } from '../sys/file';
import { paths, stateRoot } from './root';

/**
 * The one lock every mutation of shared state (images, containers, networks, addresses)
 * is made under. flock is released by the kernel when the holder dies, so a killed tsrun
 * never leaves the lock held.
 */
function acquire(): number {
  mkdirSync(stateRoot(), { recursive: true, mode: 0o700 });
  const fd = openSync(paths.lock(), 'a');
  try {
    flockExclusive(fd, paths.lock());
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return fd;
}

export function withLock<T>(fn: () => T): T {
  const fd = acquire();
  try {
    return fn();
  } finally {
    closeSync(fd);
  }
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
