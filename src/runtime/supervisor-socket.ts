import { join } from 'node:path';
import { stateRoot } from '../state/root';
import { TsrunError } from '../sys/error';

/** sun_path holds 108 bytes with the terminating NUL. */
const SUN_PATH_MAX = 107;

/**
 * Where the supervisor of this TSRUN_ROOT listens: inside the root, which only root may
 * enter (0700), since whoever can talk to it can run any container.
 */
export function supervisorSocket(): string {
  const path = join(stateRoot(), 'supervisor.sock');
  if (Buffer.byteLength(path) > SUN_PATH_MAX) {
    throw new TsrunError(`TSRUN_ROOT ${stateRoot()} is too long for the supervisor's socket (${path} is ${Buffer.byteLength(path)} bytes, at most ${SUN_PATH_MAX}): use a shorter path`);
  }
  return path;
}
