/**
 * init's side of -v, --mount and --tmpfs: each mount made in the container's mount namespace,
 * after the overlay root and before pivot_root. Targets are resolved by the kernel inside the
 * container's root (sys/root-dir.ts), so an image whose /data is a symlink to `/../../tmp` or
 * to `/etc` moves the mount to wherever that leads inside the container, never onto a host
 * path. A host source is a path the user gave: symlinks in it are followed (as Docker does),
 * once, into an O_PATH fd; what is checked (directory or file) is what is mounted, through
 * /proc/self/fd/N. No process of the container exists yet, so nothing inside can race this.
 */
import { closeSync, fstatSync } from 'node:fs';
import { TsrunError } from '../sys/error';
import { bindMount, keptMountFlags, mount, MS, remountReadOnly } from '../sys/mount';
import { fdPath, O, openat2, RESOLVE, RootDir } from '../sys/root-dir';
import type { InitMount } from './spec';

const AT_FDCWD = -100;

const PROPAGATION: Record<string, number> = {
  shared: MS.SHARED, rshared: MS.SHARED | MS.REC, slave: MS.SLAVE, rslave: MS.SLAVE | MS.REC,
};

/** The host source, symlinks followed as Docker follows them; magic links (/proc/N/root ...) refused. */
function openSource(source: string): number {
  try {
    return openat2(AT_FDCWD, source, O.PATH, RESOLVE.NO_MAGICLINKS, source);
  } catch (err) {
    if ((err as TsrunError).errno === 'ENOENT') throw new TsrunError(`invalid mount config for type "bind": bind source path does not exist: ${source}`, 'ENOENT');
    throw err;
  }
}

/** A file to mount a file onto: the one there (symlinks followed inside the root), or a new empty one. */
function fileTarget(root: RootDir, target: string): number {
  try {
    return root.open(target, O.PATH);
  } catch (err) {
    if ((err as TsrunError).errno !== 'ENOENT') throw err;
  }
  return root.ensureFile(target);
}

/** A directory onto a file or a file onto a directory, said so (runc says `not a directory`). */
function kindMismatch(err: unknown, m: { source: string; target: string }, root: RootDir, dir: boolean): unknown {
  const errno = (err as TsrunError).errno;
  if (errno !== 'ENOTDIR' && errno !== 'EEXIST' && errno !== 'EISDIR') return err;
  const what = dir ? 'the directory' : 'the file';
  const onto = dir ? 'a directory' : 'a file';
  return new TsrunError(`cannot mount ${what} ${m.source} on ${root.describe(m.target)}: that path is not ${onto} (or one of its parents is a file)`, errno);
}

function bindInto(root: RootDir, m: Extract<InitMount, { type: 'bind' }>): void {
  const src = openSource(m.source);
  try {
    const dir = fstatSync(src).isDirectory();
    let dst: number;
    try {
      dst = dir ? root.mkdirAll(m.target) : fileTarget(root, m.target);
    } catch (err) {
      throw kindMismatch(err, m, root, dir);
    }
    try {
      bindMount(fdPath(src), fdPath(dst), m.recursive ? MS.REC : 0, { source: m.source, target: root.describe(m.target) });
    } catch (err) {
      throw kindMismatch(err, m, root, dir);
    } finally {
      closeSync(dst);
    }
  } finally {
    closeSync(src);
  }
  if (!m.readonly && !PROPAGATION[m.propagation]) return;
  // Looked up again: the mount just made is now what the target names.
  const top = root.open(m.target, O.PATH);
  try {
    if (m.readonly) remountReadOnly(fdPath(top), keptMountFlags(top, root.describe(m.target)), root.describe(m.target));
    const propagation = PROPAGATION[m.propagation];
    if (propagation) mount('', fdPath(top), '', propagation, '', root.describe(m.target));
  } finally {
    closeSync(top);
  }
}

/** The user's mounts, a parent before what goes inside it (the parent sent them in that order). */
export function mountUserMounts(root: RootDir, mounts: InitMount[]): void {
  for (const m of mounts) {
    if (m.type === 'bind') {
      bindInto(root, m);
      continue;
    }
    const fd = root.mkdirAll(m.target);
    try {
      mount('tmpfs', fdPath(fd), 'tmpfs', m.flags, m.data, root.describe(m.target));
    } finally {
      closeSync(fd);
    }
  }
}
