/**
 * The calling thread's user and groups, changed with raw system calls: glibc's wrappers would
 * change every thread of the process (exec's tenant thread must change only itself), and the
 * spawned or exec'd command inherits the calling thread's credentials.
 */
import { check, libc } from './libc';
import { PR, prctl } from './prctl';
import { SYS } from './syscall';

/**
 * setgroups, setresgid, setresuid, with PR_SET_KEEPCAPS held across the change (as runc does)
 * so the permitted set survives for the capset that follows.
 */
export function switchUser(uid: number, gid: number, groups: number[]): void {
  const list = Buffer.alloc(Math.max(4, groups.length * 4));
  groups.forEach((g, i) => list.writeUInt32LE(g, i * 4));
  prctl(PR.SET_KEEPCAPS, 1, 'keep capabilities across the change of user');
  check(libc.syscallIntBuffer([SYS.setgroups, groups.length, list]), 'setgroups', groups.join(',') || 'none');
  check(libc.syscall([SYS.setresgid, gid, gid, gid, 0, 0]), 'setresgid', String(gid));
  check(libc.syscall([SYS.setresuid, uid, uid, uid, 0, 0]), 'setresuid', String(uid));
  prctl(PR.SET_KEEPCAPS, 0, 'stop keeping capabilities');
}
