/**
 * The only module that loads ffi-rs. Every libc function tsrun calls is declared here once;
 * the typed wrappers beside this file turn a failure into a TsrunError naming the call,
 * the object and the errno.
 *
 * ffi-rs cannot call variadic functions safely, so syscall() is declared once per argument
 * shape it is used with (integers, C strings or byte buffers), never with floats.
 * U8Array arguments pass the Buffer's own memory, so the kernel's writes are visible.
 */
import type * as FfiRs from 'ffi-rs';
import type { DataType } from 'ffi-rs';
import { sysError, TsrunError } from './error';

/**
 * ffi-rs's native addon, loaded from its platform package on the first call (a command that
 * makes none, such as `image ls`, never loads it). ffi-rs's own index.js finds the same file,
 * but first asks process.report for the C library it runs on (5-7 ms in every tsrun process
 * and thread that calls libc): tsrun opens glibc's libc.so.6 anyway. The one service of the
 * index kept here: array arguments carry their length.
 */
let binding: typeof FfiRs | undefined;
function ffi(): typeof FfiRs {
  if (binding) return binding;
  try {
    binding = require(`@yuuang/ffi-rs-linux-${process.arch}-gnu`) as typeof FfiRs;
  } catch {
    binding = require('ffi-rs') as typeof FfiRs;
  }
  const numbering = binding.DataType as unknown as Record<string, number>;
  const changed = Object.entries(T).filter(([name, value]) => numbering[name] !== value);
  if (changed.length > 0) throw new TsrunError(`this ffi-rs numbers its types differently (${changed.map(([n]) => n).join(', ')}): install the version package-lock.json names (npm ci)`);
  binding.open({ library: 'libc', path: 'libc.so.6' });
  return binding;
}

/**
 * Loads the addon now, on this thread. A worker thread that calls libc needs it loaded on the
 * main thread first (loaded first in a worker, the process crashes when it exits): call this
 * before such a worker starts.
 */
export function loadLibc(): void {
  ffi();
}

/** The values of ffi-rs's DataType used here (its enum lives in the addon, not yet loaded when these are declared). */
const T = {
  String: 0 as DataType.String, I32: 1 as DataType.I32, Void: 7 as DataType.Void, I64: 8 as DataType.I64,
  U8Array: 10 as DataType.U8Array, U64: 12 as DataType.U64, I16: 17 as DataType.I16, U32: 20 as DataType.U32,
};
/** The addon's tag for an array argument (ffi-rs's typings leave it out). */
const ARRAY_TAG = 997;

interface Result {
  value: number;
  errnoCode: number;
  errnoMessage: string;
}

function fn(symbol: string, retType: FfiRs.FieldType, paramsType: FfiRs.FieldType[]): (args: unknown[]) => Result {
  const arrays = paramsType.flatMap((type, i) => (type === T.U8Array ? [i] : []));
  return (paramsValue) => {
    const types = [...paramsType];
    for (const i of arrays) types[i] = { ffiTypeTag: ARRAY_TAG, type: T.U8Array, length: (paramsValue[i] as Buffer).length } as unknown as FfiRs.FieldType;
    return ffi().load({ library: 'libc', funcName: symbol, retType, paramsType: types, paramsValue, errno: true, freeResultMemory: false }) as unknown as Result;
  };
}

export const libc = {
  unshare: fn('unshare', T.I32, [T.I32]),
  setns: fn('setns', T.I32, [T.I32, T.I32]),
  mount: fn('mount', T.I32, [T.String, T.String, T.String, T.U64, T.String]),
  umount2: fn('umount2', T.I32, [T.String, T.I32]),
  execve: fn('execve', T.I32, [T.String, T.U64, T.U64]),
  sethostname: fn('sethostname', T.I32, [T.String, T.U64]),
  mknod: fn('mknod', T.I32, [T.String, T.U32, T.U64]),
  setsid: fn('setsid', T.I32, []),
  fcntl: fn('fcntl', T.I32, [T.I32, T.I32, T.I64]),
  flock: fn('flock', T.I32, [T.I32, T.I32]),
  dup2: fn('dup2', T.I32, [T.I32, T.I32]),
  signal: fn('signal', T.I64, [T.I32, T.U64]),
  sigprocmask: fn('sigprocmask', T.I32, [T.I32, T.U8Array, T.U64]),
  /** syscall(nr, a, b, c, d, e) with integer arguments. */
  syscall: fn('syscall', T.I64, [T.I64, T.U64, T.U64, T.U64, T.U64, T.U64]),
  /** syscall(nr, "a", "b"): pivot_root. */
  syscallStrings: fn('syscall', T.I64, [T.I64, T.String, T.String]),
  /** syscall(nr, int, int, buffer): ioctl with an in/out argument. */
  syscallIntIntBuffer: fn('syscall', T.I64, [T.I64, T.I64, T.U64, T.U8Array]),
  /** syscall(nr, int, buffer): setgroups. */
  syscallIntBuffer: fn('syscall', T.I64, [T.I64, T.I64, T.U8Array]),
  /** syscall(nr, buffer, buffer): capset. */
  syscallBuffers: fn('syscall', T.I64, [T.I64, T.U8Array, T.U8Array]),
  socket: fn('socket', T.I32, [T.I32, T.I32, T.I32]),
  bind: fn('bind', T.I32, [T.I32, T.U8Array, T.U32]),
  setsockopt: fn('setsockopt', T.I32, [T.I32, T.I32, T.I32, T.U8Array, T.U32]),
  send: fn('send', T.I64, [T.I32, T.U8Array, T.U64, T.I32]),
  recv: fn('recv', T.I64, [T.I32, T.U8Array, T.U64, T.I32]),
  close: fn('close', T.I32, [T.I32]),
  tcgetattr: fn('tcgetattr', T.I32, [T.I32, T.U8Array]),
  tcsetattr: fn('tcsetattr', T.I32, [T.I32, T.I32, T.U8Array]),
  cfmakeraw: fn('cfmakeraw', T.Void, [T.U8Array]),
  memcpy: fn('memcpy', T.U64, [T.U8Array, T.U8Array, T.U64]),
  /** syscall(nr, dirfd, "path", struct open_how *, size): openat2. */
  syscallOpenat2: fn('syscall', T.I64, [T.I64, T.I64, T.String, T.U8Array, T.U64]),
  pipe2: fn('pipe2', T.I32, [T.U8Array, T.I32]),
  mkdirat: fn('mkdirat', T.I32, [T.I32, T.String, T.U32]),
  mknodat: fn('mknodat', T.I32, [T.I32, T.String, T.U32, T.U64]),
  symlinkat: fn('symlinkat', T.I32, [T.String, T.I32, T.String]),
  unlinkat: fn('unlinkat', T.I32, [T.I32, T.String, T.I32]),
  readlinkat: fn('readlinkat', T.I64, [T.I32, T.String, T.U8Array, T.U64]),
  fchownat: fn('fchownat', T.I32, [T.I32, T.String, T.U32, T.U32, T.I32]),
  fchdir: fn('fchdir', T.I32, [T.I32]),
  fstatfs: fn('fstatfs', T.I32, [T.I32, T.U8Array]),
  chroot: fn('chroot', T.I32, [T.String]),
  /** waitid(P_PID, pid, siginfo_t *, options): blocks the calling thread. */
  waitid: fn('waitid', T.I32, [T.I32, T.I32, T.U8Array, T.I32]),
  sigfillset: fn('sigfillset', T.I32, [T.U8Array]),
  sigemptyset: fn('sigemptyset', T.I32, [T.U8Array]),
  posix_spawn: fn('posix_spawn', T.I32, [T.U8Array, T.String, T.U8Array, T.U8Array, T.U64, T.U64]),
  posix_spawnattr_init: fn('posix_spawnattr_init', T.I32, [T.U8Array]),
  posix_spawnattr_destroy: fn('posix_spawnattr_destroy', T.I32, [T.U8Array]),
  posix_spawnattr_setflags: fn('posix_spawnattr_setflags', T.I32, [T.U8Array, T.I16]),
  posix_spawnattr_setsigmask: fn('posix_spawnattr_setsigmask', T.I32, [T.U8Array, T.U8Array]),
  posix_spawnattr_setsigdefault: fn('posix_spawnattr_setsigdefault', T.I32, [T.U8Array, T.U8Array]),
  posix_spawn_file_actions_init: fn('posix_spawn_file_actions_init', T.I32, [T.U8Array]),
  posix_spawn_file_actions_destroy: fn('posix_spawn_file_actions_destroy', T.I32, [T.U8Array]),
  posix_spawn_file_actions_addopen: fn('posix_spawn_file_actions_addopen', T.I32, [T.U8Array, T.I32, T.String, T.I32, T.U32]),
  posix_spawn_file_actions_adddup2: fn('posix_spawn_file_actions_adddup2', T.I32, [T.U8Array, T.I32, T.I32]),
  posix_spawn_file_actions_addclosefrom_np: fn('posix_spawn_file_actions_addclosefrom_np', T.I32, [T.U8Array, T.I32]),
};

/** Throws a TsrunError for a -1 result; returns the value otherwise. */
export function check(r: Result, call: string, object: string): number {
  if (r.value === -1) throw sysError(call, object, r.errnoCode);
  return r.value;
}

/**
 * The address of a Buffer's memory, for C structures that hold pointers (argv arrays).
 * memcpy(b, b, 0) returns b's own address. The caller keeps `b` referenced while C uses it.
 */
export function addressOf(b: Buffer): number {
  return libc.memcpy([b, b, 0]).value;
}
