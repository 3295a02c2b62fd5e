/**
 * --restart, as Docker 20.10: no, on-failure[:N], always, unless-stopped; the decision after
 * each exit and the back-off between restarts (moby's restartmanager: 100 ms, doubled at
 * each restart up to one minute, and back to 100 ms after a run of ten seconds or more).
 * tsrun has no daemon: the container's monitor carries the policy out, so nothing restarts
 * a container after a reboot, and always and unless-stopped behave alike.
 */
import type { RestartPolicy } from '../state/containers';
import { TsrunError } from '../sys/error';

const NAMES: ReadonlyArray<RestartPolicy['name']> = ['no', 'on-failure', 'always', 'unless-stopped'];

/** Docker's parse (CLI) and validation (daemon), in their words. */
export function parseRestartPolicy(value: string, autoRemove: boolean): RestartPolicy {
  const parts = value.split(':');
  if (parts.length > 2) throw new TsrunError('invalid restart policy format');
  if (!/^[+-]?\d+$/.test(parts[1] ?? '0')) throw new TsrunError('maximum retry count must be an integer');
  const count = Number(parts[1] ?? 0);
  const name = parts[0] === '' ? 'no' : parts[0]!;
  if (!NAMES.includes(name as RestartPolicy['name'])) throw new TsrunError(`invalid restart policy '${name}'`);
  if (name !== 'on-failure' && count !== 0) throw new TsrunError(`maximum retry count cannot be used with restart policy '${name}'`);
  if (count < 0) throw new TsrunError('maximum retry count cannot be negative');
  if (autoRemove && name !== 'no') throw new TsrunError('Conflicting options: --restart and --rm');
  return { name: name as RestartPolicy['name'], maximumRetryCount: count };
}

/** Whether a container that ended with `exitCode`, restarted `restartCount` times by its policy, starts again. */
export function shouldRestart(policy: RestartPolicy | undefined, exitCode: number, restartCount: number): boolean {
  switch (policy?.name ?? 'no') {
    case 'always':
    case 'unless-stopped':
      return true;
    case 'on-failure':
      return exitCode !== 0 && (policy!.maximumRetryCount === 0 || restartCount < policy!.maximumRetryCount);
    default:
      return false;
  }
}

const FIRST_MS = 100;
const MAX_MS = 60_000;
const RESET_AFTER_MS = 10_000;

/** The wait before each restart. */
export class Backoff {
  private delay = 0;

  /** The wait before the next start, given how long the last run lasted. */
  next(ranMs: number): number {
    this.delay = ranMs >= RESET_AFTER_MS || this.delay === 0 ? FIRST_MS : Math.min(this.delay * 2, MAX_MS);
    return this.delay;
  }
}
