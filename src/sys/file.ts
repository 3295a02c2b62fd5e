import { check, libc } from './libc';

const LOCK_EX = 2;

/** Blocks until this process holds an exclusive lock on the open file `fd`. */
export function flockExclusive(fd: number, path: string): void {
  check(libc.flock([fd, LOCK_EX]), 'flock', path);
}

export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;

export function makedev(major: number, minor: number): number {
  return (((major & 0xfff) << 8) | (minor & 0xff) | ((minor & ~0xff) << 12)) >>> 0;
}

export function mknod(path: string, mode: number, dev: number): void {
  check(libc.mknod([path, mode, dev]), 'mknod', path);
}
