import { check, libc } from './libc';

/**
 * chroot(2) of the calling thread (after unshare(CLONE_FS) the root directory is the
 * thread's own): every path it walks afterwards, `..` and absolute symlinks included,
 * stays below `path`.
 */
export function chroot(path: string, what: string): void {
  check(libc.chroot([path]), 'chroot', what);
}
