import { readFileSync } from 'node:fs';
import { check, libc } from './libc';
import { PR, prctl } from './prctl';
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

export const ALL_CAPS = Object.keys(CAP) as CapName[];

const PR_CAP_AMBIENT_CLEAR_ALL = 4;
const LINUX_CAPABILITY_VERSION_3 = 0x20080522;

function lastCap(): number {
  return Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
}

/** The calling thread's permitted set, as capability numbers. */
function permitted(): Set<number> {
  const header = Buffer.alloc(8);
  header.writeUInt32LE(LINUX_CAPABILITY_VERSION_3, 0);
  const data = Buffer.alloc(24);
  check(libc.syscallBuffers([SYS.capget, header, data]), 'capget', 'this thread');
  const have = new Set<number>();
  for (let cap = 0; cap < 64; cap++) {
    if (data.readUInt32LE(cap < 32 ? 4 : 16) & (1 << cap % 32)) have.add(cap);
  }
  return have;
}

/**
 * Reduce the calling thread to `keep`: the bounding set loses everything else (so execve
 * cannot regain it), ambient and inheritable are cleared (as Docker 20.10 leaves them), and
 * effective and permitted become `keep`, less what tsrun does not hold itself (a sandbox may
 * withhold some; --cap-add ALL then gives all that is there). `last` is the kernel's highest.
 */
export function limitCapabilities(keep: CapName[], last = lastCap()): void {
  limitBoundingSet(keep, last);
  setCapabilities(keep, last);
}

/** The first half of limitCapabilities, done while CAP_SETPCAP is still effective (before a change of user). */
export function limitBoundingSet(keep: CapName[], last = lastCap()): void {
  const have = permitted();
  const wanted = new Set(keep.map((n) => CAP[n]).filter((c) => have.has(c)));
  for (let cap = 0; cap <= last; cap++) {
    if (!wanted.has(cap as (typeof CAP)[CapName])) prctl(PR.CAPBSET_DROP, cap, `drop capability ${cap}`);
  }
  prctl(PR.CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 'clear ambient capabilities');
}

/**
 * The second half: effective and permitted become `keep` (less what this thread does not
 * hold), inheritable empty. For a user other than root the kernel then clears them at execve,
 * as under Docker.
 */
export function setCapabilities(keep: CapName[], last = lastCap()): void {
  const have = permitted();
  const wanted = new Set(keep.map((n) => CAP[n]).filter((c) => c <= last && have.has(c)));
  const header = Buffer.alloc(8);
  header.writeUInt32LE(LINUX_CAPABILITY_VERSION_3, 0);
  // Two __user_cap_data_struct {effective, permitted, inheritable}: caps 0-31, then 32-63.
  const data = Buffer.alloc(24);
  for (const cap of wanted) {
    const word = cap < 32 ? 0 : 12;
    const bit = 1 << cap % 32;
    for (const field of [0, 4]) data.writeUInt32LE((data.readUInt32LE(word + field) | bit) >>> 0, word + field);
  }
  check(libc.syscallBuffers([SYS.capset, header, data]), 'capset', [...wanted].join(',') || 'none');
}
