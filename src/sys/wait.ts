import { constants } from 'node:os';
import { check, libc } from './libc';

const P_PID = 1;
const WEXITED = 4;
const CLD_EXITED = 1;

/**
 * Blocks the calling thread until child `pid` ends (a worker thread's job: the main thread
 * never blocks). Returns its status as a shell reports it: the exit code, or 128 + signal.
 */
export function waitExit(pid: number): number {
  // siginfo_t: si_signo, si_errno, si_code, (pad), si_pid, si_uid, si_status.
  const info = Buffer.alloc(128);
  for (;;) {
    const r = libc.waitid([P_PID, pid, info, WEXITED]);
    if (r.value === -1 && r.errnoCode === constants.errno.EINTR) continue;
    check(r, 'waitid', `process ${pid}`);
    break;
  }
  const code = info.readInt32LE(8);
  const status = info.readInt32LE(24);
  return code === CLD_EXITED ? status : 128 + status;
}
