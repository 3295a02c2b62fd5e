import { check, libc } from './libc';

/**
 * close(2) of an fd that Node's fs did not open (openat2's, in a worker thread): there
 * fs.closeSync warns "closed but not opened in unmanaged mode" for each.
 */
export function closeFd(fd: number, what: string): void {
  check(libc.close([fd]), 'close', what);
}
