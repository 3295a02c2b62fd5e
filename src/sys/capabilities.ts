import { readFileSync } from 'node:fs';
import { check, libc } from './libc';
import { SYS } from './syscall';

/** Capability numbers from linux/capability.h. */
export const CAP = {
  CHOWN: 0, DAC_OVERRIDE: 1, DAC_READ_SEARCH: 2, FOWNER: 3, FSETID: 4, KILL: 5, SETGID: 6,
  SETUID: 7, SETPCAP: 8, LINUX_IMMUTABLE: 9, NET_BIND_SERVICE: 10, NET_BROADCAST: 11,
  NET_ADMIN: 12, NET_RAW: 13, IPC_LOCK: 14, IPC_OWNER: 15, SYS_MODULE: 16, SYS_RAWIO: 17,
  SYS_CHROOT: 18, SYS_PTRACE: 19, SYS_PACCT: 20, SYS_ADMIN: 21, SYS_BOOT: 22, SYS_NICE: 23,
  SYS_RESOURCE: 24, SYS_TIME: 25, SYS_TTY_CONFIG: 26, MKNOD: 27, LEASE: 28, AUDIT_WRITE: 29,
  AUDIT_CONTROL: 30, SETFCAP: 31, MAC_OVERRIDE: 32, MAC_ADMIN: 33, SYSLOG: 34, WAKE_ALARM: 35,
  BLOCK_SUSPEND: 36, AUDIT_READ: 37, PERFMON: 38, BPF: 39, CHECKPOINT_RESTORE: 40,
} as const;
export type CapName = keyof typeof CAP;

/** Docker's default capability set (moby oci/caps/defaults.go). */
export const DOCKER_DEFAULT_CAPS: CapName[] = [
  'CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID',
  'SETFCAP', 'SETPCAP', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE',
];

const PR_CAPBSET_DROP = 24;
const PR_SET_NO_NEW_PRIVS = 38;
const PR_CAP_AMBIENT = 47;
const PR_CAP_AMBIENT_CLEAR_ALL = 4;
const LINUX_CAPABILITY_VERSION_3 = 0x20080522;

function prctl(option: number, arg: number, what: string): void {
  check(libc.syscall([SYS.prctl, option, arg, 0, 0, 0]), 'prctl', what);
}

function lastCap(): number {
  return Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
}

/**
 * Reduce this process to `keep`: the bounding set loses everything else (so execve cannot
 * regain it), ambient is cleared, and effective, permitted and inheritable become `keep`.
 * `last` is the kernel's highest capability (read from /proc before it is masked).
 */
export function limitCapabilities(keep: CapName[], last = lastCap()): void {
  const wanted = new Set(keep.map((n) => CAP[n]));
  for (let cap = 0; cap <= last; cap++) {
    if (!wanted.has(cap as (typeof CAP)[CapName])) prctl(PR_CAPBSET_DROP, cap, `drop capability ${cap}`);
  }
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 'clear ambient capabilities');
  const header = Buffer.alloc(8);
  header.writeUInt32LE(LINUX_CAPABILITY_VERSION_3, 0);
  // Two __user_cap_data_struct {effective, permitted, inheritable}: caps 0-31, then 32-63.
  const data = Buffer.alloc(24);
  for (const cap of wanted) {
    const word = cap < 32 ? 0 : 12;
    const bit = 1 << cap % 32;
    for (const field of [0, 4, 8]) data.writeUInt32LE((data.readUInt32LE(word + field) | bit) >>> 0, word + field);
  }
  check(libc.syscallBuffers([SYS.capset, header, data]), 'capset', keep.join(','));
}

export function setNoNewPrivs(): void {
  prctl(PR_SET_NO_NEW_PRIVS, 1, 'no_new_privs');
}
