import { closeSync, constants, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { fromNodeError, TsrunError } from '../sys/error';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;

/** Write temp, fsync, rename, fsync the directory: a crash leaves the old or the new file, never a torn one. */
export function writeFileAtomic(path: string, content: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  // A leftover of a killed writer with our pid is replaced, never written through.
  rmSync(tmp, { force: true });
  try {
    const fd = openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    try {
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    // A failed write (a full disk) leaves the old record and no temp file behind.
    rmSync(tmp, { force: true });
    throw fromNodeError(err, `write ${path}`);
  }
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
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
