import { addressOf, check, libc } from './libc';
import { SYS } from './syscall';

const F_SETFD = 2;
const CLOSE_RANGE_CLOEXEC = 1 << 2;
const SIG_SETMASK = 2;
const SIG_DFL = 0;
const SIGPIPE = 13;
const SIGXFSZ = 25;

/**
 * Undo what Node did to this process that a program it execs would inherit:
 * Node marks fds 0-16 close-on-exec, ignores SIGPIPE and SIGXFSZ, and blocks signals on
 * its main thread while it starts. Every fd above 2 is made close-on-exec.
 */
export function prepareForExec(): void {
  for (const fd of [0, 1, 2]) check(libc.fcntl([fd, F_SETFD, 0]), 'fcntl', `F_SETFD on fd ${fd}`);
  check(libc.syscall([SYS.close_range, 3, 0xffffffff, CLOSE_RANGE_CLOEXEC, 0, 0]), 'close_range', 'fds 3 and up');
  libc.signal([SIGPIPE, SIG_DFL]);
  libc.signal([SIGXFSZ, SIG_DFL]);
  check(libc.sigprocmask([SIG_SETMASK, Buffer.alloc(128), 0]), 'sigprocmask', 'unblock all signals');
}

/** A NULL-terminated array of C string pointers, with the strings it points to. */
export function cStringArray(items: string[]): { array: Buffer; keep: Buffer[] } {
  const keep = items.map((s) => Buffer.from(`${s}\0`));
  const array = Buffer.alloc(8 * (items.length + 1));
  keep.forEach((b, i) => array.writeBigUInt64LE(BigInt(addressOf(b)), 8 * i));
  return { array, keep };
}

/** execve(2). Returns only on failure, by throwing; the error carries the errno name. */
export function execve(path: string, argv: string[], env: string[]): never {
  const a = cStringArray(argv);
  const e = cStringArray(env);
  const r = libc.execve([path, addressOf(a.array), addressOf(e.array)]);
  // The buffers must stay alive until execve has read them; reading them here keeps them so.
  if (a.keep.length + e.keep.length < 0) throw new Error('unreachable');
  check(r, 'execve', path);
  throw new Error('execve returned without an error');
}

export function setsid(): void {
  check(libc.setsid([]), 'setsid', '');
}

export function dup2(from: number, to: number): void {
  check(libc.dup2([from, to]), 'dup2', `fd ${from} to ${to}`);
}

export function sethostname(name: string): void {
  check(libc.sethostname([name, Buffer.byteLength(name)]), 'sethostname', name);
}
