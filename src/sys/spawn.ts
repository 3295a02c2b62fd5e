/**
 * posix_spawn(3) through ffi-rs: glibc starts the child with clone(CLONE_VM|CLONE_VFORK) on a
 * stack of its own, so it works from any Node thread (fork() does not: V8's heap is
 * MADV_DONTFORK). The child is a copy of the calling *thread*: its namespaces, root and
 * working directory, capabilities, no_new_privs, seccomp filter and session keyring.
 */
import { sysError } from './error';
import { addressOf, libc } from './libc';
import { cStringArray } from './exec';

const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const POSIX_SPAWN_SETSID = 0x80;

/** One of the child's fds 0-2: a dup of an fd of ours, or a path it opens itself. */
export type ChildFd = { fd: number } | { open: string; flags: number };

export interface SpawnRequest {
  /** Resolved in the calling thread's root and working directory. */
  path: string;
  argv: string[];
  env: string[];
  stdio: [ChildFd, ChildFd, ChildFd];
}

function must(rc: number, what: string): void {
  if (rc !== 0) throw sysError('posix_spawn', what, rc);
}

/**
 * Starts `req` in a new session (setsid first, so a tty it opens for fd 0 becomes its
 * controlling terminal), with every signal at its default and none blocked, fds 0-2 as asked
 * and nothing else open. Returns its pid; an exec failure (ENOENT, EACCES ...) is thrown.
 */
export function posixSpawn(req: SpawnRequest): number {
  // glibc's posix_spawnattr_t is 336 bytes and posix_spawn_file_actions_t 80, on x86-64 and arm64 alike.
  const attr = Buffer.alloc(512);
  const actions = Buffer.alloc(256);
  must(libc.posix_spawnattr_init([attr]).value, 'attributes');
  must(libc.posix_spawn_file_actions_init([actions]).value, 'file actions');
  try {
    const all = Buffer.alloc(128);
    const none = Buffer.alloc(128);
    libc.sigfillset([all]);
    libc.sigemptyset([none]);
    must(libc.posix_spawnattr_setsigdefault([attr, all]).value, 'signal defaults');
    must(libc.posix_spawnattr_setsigmask([attr, none]).value, 'signal mask');
    must(libc.posix_spawnattr_setflags([attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK]).value, 'flags');
    req.stdio.forEach((c, target) => {
      const rc = 'fd' in c
        ? libc.posix_spawn_file_actions_adddup2([actions, c.fd, target]).value
        : libc.posix_spawn_file_actions_addopen([actions, target, c.open, c.flags, 0]).value;
      must(rc, `fd ${target}`);
    });
    must(libc.posix_spawn_file_actions_addclosefrom_np([actions, 3]).value, 'close fds 3 and up');
    const argv = cStringArray(req.argv);
    const env = cStringArray(req.env);
    const pid = Buffer.alloc(4);
    const rc = libc.posix_spawn([pid, req.path, actions, attr, addressOf(argv.array), addressOf(env.array)]).value;
    // The string buffers must stay alive until posix_spawn returned (the child has exec'd by then).
    if (argv.keep.length + env.keep.length < 0) throw new Error('unreachable');
    if (rc !== 0) throw sysError('execve', req.path, rc);
    return pid.readInt32LE(0);
  } finally {
    libc.posix_spawn_file_actions_destroy([actions]);
    libc.posix_spawnattr_destroy([attr]);
  }
}
