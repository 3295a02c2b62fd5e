import { check, libc } from './libc';
import { SYS } from './syscall';

export const MS = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  REMOUNT: 0x20,
  BIND: 0x1000,
  REC: 0x4000,
  NOATIME: 0x400,
  NODIRATIME: 0x800,
  PRIVATE: 0x40000,
  SLAVE: 0x80000,
  SHARED: 0x100000,
  RELATIME: 0x200000,
} as const;

export const MNT_DETACH = 2;

/**
 * mount(2). Errors name the mount: `mount overlay on /x/rootfs: EPERM (...)`; `targetName`
 * names a target given as /proc/self/fd/N by the path it stands for.
 */
export function mount(source: string, target: string, fstype: string, flags: number, data = '', targetName = target): void {
  const what = fstype ? `${fstype} on ${targetName}` : `${source} on ${targetName}`;
  check(libc.mount([source, target, fstype, flags, data]), 'mount', what);
}

export function bindMount(source: string, target: string, flags = 0, names = { source, target }): void {
  check(libc.mount([source, target, '', MS.BIND | flags, '']), 'mount', `bind ${names.source} on ${names.target}`);
}

/** Bind mounts ignore MS_RDONLY on the first call: read-only takes a remount. */
export function remountReadOnly(target: string, flags = 0, targetName = target): void {
  check(
    libc.mount(['', target, '', MS.BIND | MS.REMOUNT | MS.RDONLY | flags, '']),
    'mount',
    `read-only remount of ${targetName}`,
  );
}

export function makePrivate(target: string): void {
  check(libc.mount(['', target, '', MS.REC | MS.PRIVATE, '']), 'mount', `rprivate ${target}`);
}

export function umount(target: string, flags = 0): void {
  check(libc.umount2([target, flags]), 'umount', target);
}

/** pivot_root(2) has no glibc wrapper. */
export function pivotRoot(newRoot: string, putOld: string): void {
  check(libc.syscallStrings([SYS.pivot_root, newRoot, putOld]), 'pivot_root', newRoot);
}

/**
 * The MS_ flags a read-only remount must repeat to keep what the mount at `fd` has: a bind
 * remount sets exactly the flags given, so leaving out nosuid would make a nosuid host
 * directory suid inside the container (statfs's ST_ flags; atime ones kept as they are).
 */
export function keptMountFlags(fd: number, what: string): number {
  const buf = Buffer.alloc(120);
  check(libc.fstatfs([fd, buf]), 'statfs', what);
  const st = Number(buf.readBigUInt64LE(80)); // f_flags of struct statfs on 64-bit Linux
  const ST: Array<[number, number]> = [[0x2, MS.NOSUID], [0x4, MS.NODEV], [0x8, MS.NOEXEC], [0x400, MS.NOATIME], [0x800, MS.NODIRATIME]];
  return ST.reduce((flags, [s, m]) => (st & s ? flags | m : flags), 0);
}
