import { check, libc } from './libc';
import { SYS } from './syscall';

export const PR = {
  SET_DUMPABLE: 4,
  SET_KEEPCAPS: 8,
  CAPBSET_DROP: 24,
  SET_CHILD_SUBREAPER: 36,
  SET_NO_NEW_PRIVS: 38,
  CAP_AMBIENT: 47,
} as const;

export function prctl(option: number, arg: number, what: string): void {
  check(libc.syscall([SYS.prctl, option, arg, 0, 0, 0]), 'prctl', what);
}

export function setNoNewPrivs(): void {
  prctl(PR.SET_NO_NEW_PRIVS, 1, 'no_new_privs');
}

/**
 * A non-dumpable process's /proc/PID/{exe,fd,mem,environ,root} are closed to every process
 * without CAP_SYS_PTRACE, the container's included. execve makes the new program dumpable again.
 */
export function setNotDumpable(): void {
  prctl(PR.SET_DUMPABLE, 0, 'not dumpable');
}
