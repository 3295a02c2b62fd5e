import { constants } from 'node:os';
import { check, libc } from './libc';

const P_ALL = 0;
const P_PID = 1;
const WEXITED = 4;
const WNOHANG = 1;
const CLD_EXITED = 1;

/** siginfo_t: si_signo, si_errno, si_code, (pad), si_pid, si_uid, si_status. */
function statusOf(info: Buffer): number {
  const code = info.readInt32LE(8);
  const status = info.readInt32LE(24);
  return code === CLD_EXITED ? status : 128 + status;
}

/**
 * waitid(WEXITED | WNOHANG): the child that ended (now reaped) with its status; 'none' if no
 * child has ended yet; 'no child' if there is no such child at all.
 */
function reapNow(idType: number, pid: number): { pid: number; status: number } | 'none' | 'no child' {
  const info = Buffer.alloc(128);
  for (;;) {
    const r = libc.waitid([idType, pid, info, WEXITED | WNOHANG]);
    if (r.value === -1 && r.errnoCode === constants.errno.EINTR) continue;
    if (r.value === -1 && r.errnoCode === constants.errno.ECHILD) return 'no child';
    check(r, 'waitid', idType === P_ALL ? 'any child' : `process ${pid}`);
    const ended = info.readInt32LE(16);
    return ended === 0 ? 'none' : { pid: ended, status: statusOf(info) };
  }
}

/** The exit status of child `pid` if it has ended (it is reaped now); undefined while it runs, or if it is not our child. */
export function reapIfEnded(pid: number): number | undefined {
  const r = reapNow(P_PID, pid);
  return typeof r === 'object' ? r.status : undefined;
}

/** Reaps every child that has ended; returns whether any child is left. */
export function reapEnded(): boolean {
  for (;;) {
    const r = reapNow(P_ALL, 0);
    if (r === 'no child') return false;
    if (r === 'none') return true;
  }
}

/**
 * Blocks the calling thread until child `pid` ends (a worker thread's job: the main thread
 * never blocks). Returns its status as a shell reports it: the exit code, or 128 + signal.
 */
export function waitExit(pid: number): number {
  const info = Buffer.alloc(128);
  for (;;) {
    const r = libc.waitid([P_PID, pid, info, WEXITED]);
    if (r.value === -1 && r.errnoCode === constants.errno.EINTR) continue;
    check(r, 'waitid', `process ${pid}`);
    break;
  }
  return statusOf(info);
}
