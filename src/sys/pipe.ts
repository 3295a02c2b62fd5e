import { check, libc } from './libc';

const O_CLOEXEC = 0o2000000;
const F_SETPIPE_SZ = 1031;

export interface Pipe {
  read: number;
  write: number;
}

/** pipe2(2), both ends close-on-exec (a spawn hands an end on by dup2, which clears it). */
export function makePipe(what: string): Pipe {
  const fds = Buffer.alloc(8);
  check(libc.pipe2([fds, O_CLOEXEC]), 'pipe', what);
  return { read: fds.readInt32LE(0), write: fds.readInt32LE(4) };
}

/** F_SETPIPE_SZ: how many bytes the pipe holds before a writer blocks. */
export function setPipeSize(fd: number, bytes: number, what: string): void {
  check(libc.fcntl([fd, F_SETPIPE_SZ, bytes]), 'fcntl', `F_SETPIPE_SZ on ${what}`);
}
