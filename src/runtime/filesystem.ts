/**
 * init's filesystem work, in its own mount namespace: the overlay root, /proc, a read-only
 * /sys, a small /dev, Docker's masked and read-only paths, the /etc files, pivot_root.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makedev, mknod, S_IFCHR } from '../sys/file';
import { bindMount, makePrivate, mount, MNT_DETACH, MS, pivotRoot, remountReadOnly, umount } from '../sys/mount';
import { CLONE, unshare } from '../sys/namespace';
import type { InitSpec } from './spec';

/** Docker's masked paths: unreadable in the container (moby oci/defaults.go). */
export const MASKED_PATHS = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats',
  '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi',
  '/sys/firmware', '/sys/devices/virtual/powercap',
];

/** Docker's read-only paths. */
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

const DEVICES: Array<[string, number, number]> = [
  ['null', 1, 3], ['zero', 1, 5], ['full', 1, 7], ['random', 1, 8], ['urandom', 1, 9], ['tty', 5, 0],
];

const DEV_LINKS: Array<[string, string]> = [
  ['fd', '/proc/self/fd'], ['stdin', '/proc/self/fd/0'], ['stdout', '/proc/self/fd/1'],
  ['stderr', '/proc/self/fd/2'], ['ptmx', 'pts/ptmx'], ['core', '/proc/kcore'],
];

function ensureDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o755 });
}

/**
 * A regular file to bind-mount onto. An image's symlink here (resolv.conf -> /run/...) is
 * replaced in the upper layer: followed before pivot_root, it would resolve on the host.
 */
function ensureFile(path: string): void {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    st = null;
  }
  if (st?.isSymbolicLink()) unlinkSync(path);
  if (!st || st.isSymbolicLink()) writeFileSync(path, '', { mode: 0o644 });
}

function mountDev(root: string): void {
  const dev = join(root, 'dev');
  ensureDir(dev);
  mount('tmpfs', dev, 'tmpfs', MS.NOSUID, 'mode=755,size=65536k');
  for (const [name, major, minor] of DEVICES) {
    mknod(join(dev, name), S_IFCHR | 0o666, makedev(major, minor));
    chmodSync(join(dev, name), 0o666); // mknod's mode is cut by the umask
  }
  for (const [name, target] of DEV_LINKS) symlinkSync(target, join(dev, name));
  ensureDir(join(dev, 'pts'));
  mount('devpts', join(dev, 'pts'), 'devpts', MS.NOSUID | MS.NOEXEC, 'newinstance,ptmxmode=0666,mode=0620,gid=5');
  ensureDir(join(dev, 'shm'));
  mount('shm', join(dev, 'shm'), 'tmpfs', MS.NOSUID | MS.NODEV | MS.NOEXEC, 'mode=1777,size=65536k');
  ensureDir(join(dev, 'mqueue'));
  mount('mqueue', join(dev, 'mqueue'), 'mqueue', MS.NOSUID | MS.NODEV | MS.NOEXEC);
}

function maskPaths(root: string): void {
  for (const p of MASKED_PATHS) {
    const target = join(root, p);
    let st;
    try {
      st = lstatSync(target);
    } catch {
      continue; // absent on this kernel: nothing to hide
    }
    if (st.isDirectory()) mount('tmpfs', target, 'tmpfs', MS.RDONLY);
    else bindMount('/dev/null', target);
  }
  for (const p of READONLY_PATHS) {
    const target = join(root, p);
    if (!existsSync(target)) continue;
    bindMount(target, target, MS.REC);
    remountReadOnly(target, MS.NOSUID | MS.NODEV | MS.NOEXEC);
  }
}

/** Everything up to and including pivot_root; afterwards / is the container's root. */
export function setupRootfs(spec: InitSpec): void {
  unshare(CLONE.NEWNS, 'mount namespace');
  makePrivate('/');
  const root = spec.rootfs;
  mount('overlay', root, 'overlay', 0, `lowerdir=${spec.lower},upperdir=${spec.upper},workdir=${spec.work}`);
  ensureDir(join(root, 'proc'));
  mount('proc', join(root, 'proc'), 'proc', MS.NOSUID | MS.NODEV | MS.NOEXEC);
  ensureDir(join(root, 'sys'));
  mount('sysfs', join(root, 'sys'), 'sysfs', MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC);
  mountDev(root);
  maskPaths(root);
  ensureDir(join(root, 'etc'));
  for (const [name, source] of Object.entries(spec.etc)) {
    const target = join(root, 'etc', name);
    ensureFile(target);
    bindMount(source, target);
  }
  process.chdir(root);
  pivotRoot('.', '.');
  umount('.', MNT_DETACH);
  process.chdir('/');
}
