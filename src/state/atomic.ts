import { closeSync, constants, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { fromNodeError, TsrunError } from '../sys/error';
import { pidExists } from '../sys/process';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;

/** Write temp, fsync, rename, fsync the directory: a crash leaves the old or the new file, never a torn one. */
export function writeFileAtomic(path: string, content: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  // A leftover of a killed writer with our pid is replaced, never written through.
  rmSync(tmp, { force: true });
  const fd = openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  try {
    try {
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    // ENOSPC and the like: the old record stands, and no half-written temp is left beside it.
    rmSync(tmp, { force: true });
    throw fromNodeError(err, `write ${path}`);
  }
  fsyncDir(dirname(path));
}

/** Makes a rename or unlink in `dir` durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}


const TEMP = /^\..+\.(\d+)\.tmp$/;

/** Whether `names` hold a temp of writeFileAtomic (a live writer's, or a killed one's to sweep). */
export function hasTemps(names: string[]): boolean {
  return names.some((name) => TEMP.test(name));
}

/**
 * Removes, among `names` (entries of `dir`), the temps of writeFileAtomic whose writer is
 * dead (killed between its write and its rename); returns the other names. A live writer's
 * temp is left alone.
 */
export function withoutStaleTemps(dir: string, names: string[]): string[] {
  return names.filter((name) => {
    const m = TEMP.exec(name);
    if (!m) return true;
    if (!pidExists(Number(m[1]))) rmSync(join(dir, name), { force: true });
    return false;
  });
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** A record's JSON. The file is opened without following a symlink: a link there is refused, not read through. */
export function readJson<T>(path: string): T {
  let fd: number;
  try {
    fd = openSync(path, O_RDONLY | O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new TsrunError(`${path} is a symlink: tsrun never follows one among its records`, 'ELOOP');
    throw fromNodeError(err, `read ${path}`);
  }
  try {
    return JSON.parse(readFileSync(fd, 'utf8')) as T;
  } finally {
    closeSync(fd);
  }
}
