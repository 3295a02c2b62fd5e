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
  PRIVATE: 0x40000,
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
