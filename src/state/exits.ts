/**
 * The exit codes of --rm containers, kept for a while after their records are gone:
 * `wait` on a --rm container prints its exit code as Docker's does, though the record it
 * was waiting on is removed the moment the container ends. exits/<id> holds the code.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { withoutStaleTemps, writeFileAtomic } from './atomic';
import { checkId, isId, stateRoot } from './root';

/** Long enough for any waiter polling the record to see the removal and come here. */
const KEEP_MS = 10 * 60_000;

const dir = (): string => join(stateRoot(), 'exits');
const file = (id: string): string => join(dir(), checkId(id, 'container'));

/** Call under the lock, before the record is removed. Best effort: a full disk loses only this copy. */
export function keepExit(id: string, exitCode: number): void {
  try {
    mkdirSync(dir(), { recursive: true, mode: 0o700 });
    writeFileAtomic(file(id), `${exitCode}\n`);
  } catch {
    // the waiter then says the code is gone, as before
  }
}

export function keptExit(id: string): number | undefined {
  try {
    const code = Number(readFileSync(file(id), 'utf8'));
    return Number.isInteger(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the codes no waiter can still be after. Call under the lock. */
export function sweepExits(now = Date.now()): void {
  let names: string[];
  try {
    names = readdirSync(dir());
  } catch {
    return;
  }
  for (const name of withoutStaleTemps(dir(), names)) {
    const path = join(dir(), name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (isId(name) && st && now - st.mtimeMs > KEEP_MS) rmSync(path, { force: true });
  }
}
