/**
 * init's filesystem work, in its own mount namespace: the overlay root, /proc, a read-only
 * /sys, a small /dev, Docker's masked and read-only paths, the /etc files, the working
 * directory, pivot_root. Every path inside the container's root is resolved by the kernel
 * inside that root (sys/root-dir.ts), so an image whose `etc`, `dev` or `proc` is a symlink
 * to `../../..` or to an absolute path changes where things land inside the container,
 * never a file of the host.
 */
import { closeSync, fstatSync } from 'node:fs';
import { makedev, S_IFBLK, S_IFCHR } from '../sys/file';
import { bindMount, makePrivate, mount, MNT_DETACH, MS, pivotRoot, remountReadOnly, umount } from '../sys/mount';
import { CLONE, unshare } from '../sys/namespace';
import { chownAt, fchdir, fdPath, mknodAt, O, RootDir, symlinkAt } from '../sys/root-dir';
import { TsrunError } from '../sys/error';
import type { CgroupMounts, InitSpec } from './spec';
import { mountUserMounts } from './container-mounts';
import { writeSysctls } from './sysctl';

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

/** Mounts a filesystem on the directory `path` inside the root (made if missing). */
function mountAt(root: RootDir, path: string, source: string, fstype: string, flags: number, data = ''): void {
  const fd = root.mkdirAll(path);
  try {
    mount(source, fdPath(fd), fstype, flags, data, root.describe(path));
  } finally {
    closeSync(fd);
  }
}

function mountDev(root: RootDir): void {
  mountAt(root, 'dev', 'tmpfs', 'tmpfs', MS.NOSUID, 'mode=755,size=65536k');
  // The tmpfs just mounted: nothing in it comes from the image.
  const dev = root.open('dev', O.PATH | O.DIRECTORY);
  try {
    for (const [name, major, minor] of DEVICES) mknodAt(dev, name, S_IFCHR | 0o666, makedev(major, minor), root.describe(`dev/${name}`));
    for (const [name, target] of DEV_LINKS) symlinkAt(target, dev, name, root.describe(`dev/${name}`));
  } finally {
    closeSync(dev);
  }
  mountAt(root, 'dev/pts', 'devpts', 'devpts', MS.NOSUID | MS.NOEXEC, 'newinstance,ptmxmode=0666,mode=0620,gid=5');
  mountAt(root, 'dev/shm', 'shm', 'tmpfs', MS.NOSUID | MS.NODEV | MS.NOEXEC, 'mode=1777,size=65536k');
  mountAt(root, 'dev/mqueue', 'mqueue', 'mqueue', MS.NOSUID | MS.NODEV | MS.NOEXEC);
}

/** The --device nodes, with the host node's numbers, mode and owner, where the container asked for them. */
function makeDevices(root: RootDir, devices: InitSpec['devices']): void {
  for (const d of devices) {
    const parts = d.path.split('/').filter(Boolean);
    const name = parts.pop()!;
    const dir = root.mkdirAll(parts.join('/'));
    try {
      const what = root.describe(d.path);
      mknodAt(dir, name, (d.type === 'c' ? S_IFCHR : S_IFBLK) | d.mode, makedev(d.major, d.minor), what);
      chownAt(dir, name, d.uid, d.gid, what);
    } finally {
      closeSync(dir);
    }
  }
}

function maskPaths(root: RootDir): void {
  const devNull = root.open('dev/null', O.PATH);
  try {
    for (const p of MASKED_PATHS) {
      const fd = root.lookup(p);
      if (fd === undefined) continue; // absent on this kernel: nothing to hide
      try {
        if (fstatSync(fd).isDirectory()) mount('tmpfs', fdPath(fd), 'tmpfs', MS.RDONLY, '', root.describe(p));
        else bindMount(fdPath(devNull), fdPath(fd), 0, { source: '/dev/null', target: root.describe(p) });
      } finally {
        closeSync(fd);
      }
    }
  } finally {
    closeSync(devNull);
  }
  for (const p of READONLY_PATHS) {
    const fd = root.lookup(p);
    if (fd === undefined) continue;
    try {
      bindMount(fdPath(fd), fdPath(fd), MS.REC, { source: root.describe(p), target: root.describe(p) });
    } finally {
      closeSync(fd);
    }
    remountAt(root, p, MS.NOSUID | MS.NODEV | MS.NOEXEC);
  }
}

/** Remounts the bind mount at `path` read-only. */
function remountAt(root: RootDir, path: string, flags: number): void {
  // Looked up again: an fd opened before the bind names the path under it, not the mount itself.
  const top = root.open(path, O.PATH);
  try {
    remountReadOnly(fdPath(top), flags, root.describe(path));
  } finally {
    closeSync(top);
  }
}

/** Whether `path` names anything; not when a parent is a file (the look-up fails with ENOTDIR). */
function exists(root: RootDir, path: string): boolean {
  try {
    const fd = root.lookup(path);
    if (fd === undefined) return false;
    closeSync(fd);
    return true;
  } catch {
    return false;
  }
}

/** The working directory, made if missing; in Docker's words when a file is in the way (run -w /etc/passwd). */
function makeWorkdir(root: RootDir, workdir: string): number {
  try {
    return root.mkdirAll(workdir);
  } catch (err) {
    if ((err as TsrunError).errno !== 'ENOTDIR' && (err as TsrunError).errno !== 'EEXIST') throw err;
    if (!exists(root, workdir)) throw new TsrunError(`Cannot mkdir: ${workdir}: one of its parents is not a directory (give -w a directory path)`);
    throw new TsrunError(`Cannot mkdir: ${workdir} is not a directory (give -w a directory path)`);
  }
}

/** Everything up to and including pivot_root; afterwards / is the container's root and the working directory is entered. */
export function setupRootfs(spec: InitSpec): void {
  unshare(CLONE.NEWNS, 'mount namespace');
  makePrivate('/');
  mount('overlay', spec.rootfs, 'overlay', 0, `lowerdir=${spec.lower},upperdir=${spec.upper},workdir=${spec.work}`);
  const root = RootDir.open(spec.rootfs, 'the container');
  let workdir: number;
  try {
    mountAt(root, 'proc', 'proc', 'proc', MS.NOSUID | MS.NODEV | MS.NOEXEC);
    writeSysctls(root, spec.sysctls);
    // Docker's --privileged leaves /sys writable and nothing masked.
    mountAt(root, 'sys', 'sysfs', 'sysfs', (spec.privileged ? 0 : MS.RDONLY) | MS.NOSUID | MS.NODEV | MS.NOEXEC);
    mountDev(root);
    makeDevices(root, spec.devices);
    mountUserMounts(root, spec.mounts ?? []);
    if (!spec.privileged) maskPaths(root);
    for (const [name, source] of Object.entries(spec.etc)) {
      const fd = root.ensureFile(`etc/${name}`);
      try {
        bindMount(source, fdPath(fd), 0, { source, target: root.describe(`etc/${name}`) });
      } finally {
        closeSync(fd);
      }
      // Docker binds them read-only too when the root is (container.NetworkMounts).
      if (spec.readOnly) remountAt(root, `etc/${name}`, 0);
    }
    workdir = makeWorkdir(root, spec.workdir);
  } finally {
    root.close();
  }
  try {
    // Last, once everything inside is made: the mounts on top (/proc, /dev, /dev/shm ...) keep their own flags.
    if (spec.readOnly) remountReadOnly(spec.rootfs, 0, 'the container\'s root filesystem');
    process.chdir(spec.rootfs);
    pivotRoot('.', '.');
    umount('.', MNT_DETACH);
    fchdir(workdir, `${spec.workdir} in the container`);
  } finally {
    closeSync(workdir);
  }
}

/**
 * /sys/fs/cgroup inside, read-only, as Docker mounts it: cgroup2 on v2, a tmpfs with each v1
 * hierarchy on v1. Called after unshare(CLONE_NEWCGROUP) in the container's cgroup, so each
 * shows the container's own cgroup as its root.
 */
export function mountCgroups(cgroups: CgroupMounts, readOnly: boolean): void {
  const root = RootDir.open('/', 'the container');
  try {
    const flags = (readOnly ? MS.RDONLY : 0) | MS.NOSUID | MS.NODEV | MS.NOEXEC;
    if (cgroups.version === 2) return mountAt(root, 'sys/fs/cgroup', 'cgroup2', 'cgroup2', flags);
    mountAt(root, 'sys/fs/cgroup', 'tmpfs', 'tmpfs', MS.NOSUID | MS.NODEV | MS.NOEXEC, 'mode=755');
    for (const h of cgroups.hierarchies) {
      // A named hierarchy (name=systemd) has no controllers: without `none` the kernel would bind them all.
      const options = h.options.startsWith('name=') ? `none,${h.options}` : h.options;
      mountAt(root, `sys/fs/cgroup/${h.name}`, 'cgroup', 'cgroup', flags, options);
    }
    if (readOnly) remountAt(root, 'sys/fs/cgroup', MS.NOSUID | MS.NODEV | MS.NOEXEC);
  } finally {
    root.close();
  }
}
