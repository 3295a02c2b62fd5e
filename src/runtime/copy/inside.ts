/**
 * The container's side of `cp`: a worker thread whose root directory is the container's.
 *
 * The root directory is per thread once the thread has unshared CLONE_FS, and Node's
 * synchronous fs calls run on the calling thread: so every path this thread walks, every
 * `..` and every symlink (absolute or relative) of the container's files, is resolved by the
 * kernel inside the container, whatever the container made of its tree. A copy out can
 * never read a host file, a copy in can never write one.
 *
 * - A running container: the thread joins the mount namespace of its PID 1, and sees exactly
 *   what the container sees (its /etc/hosts, /dev, /proc).
 * - A created or stopped one: the thread takes a mount namespace of its own, mounts the
 *   container's overlay (image lower, container upper) there and chroots into it. The kernel
 *   then applies overlayfs' own rules (whiteouts, opaque directories, copy-up, a deleted file
 *   written again): tsrun reimplements none of them. The mount lives only in this thread's
 *   namespace and goes away with the thread, whatever happens to the process.
 *
 * Files are opened with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) and O_NOFOLLOW on
 * top: a /proc/PID/fd link planted in the container leads nowhere. Everything this thread
 * needs is loaded before it leaves the host's root. Only absolute paths are used, and the
 * working directory is the container's root.
 */
import { lstatSync, readlinkSync, statSync, type Stats } from 'node:fs';
import { Socket } from 'node:net';
import { posix } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { extractArchive, type Ownership } from '../../image/extract';
import { chroot } from '../../sys/chroot';
import { closeFd } from '../../sys/close';
import { TsrunError } from '../../sys/error';
import { makePrivate, mount } from '../../sys/mount';
import { CLONE, NamespaceSet, unshare } from '../../sys/namespace';
import { isAlive, type ProcessIdentity } from '../../sys/process';
import { fchdir, O, RootDir } from '../../sys/root-dir';
import { packPath } from './pack';
import { linkTargetPath, rebaseName, type CopyInfo } from './paths';

export type Where =
  | { running: ProcessIdentity }
  | { stopped: { lower: string; upper: string; work: string; rootfs: string } };

export type InsideJob = { kind: 'out'; path: string; followLink: boolean } | { kind: 'in'; path: string };

export interface InsideRequest {
  where: Where;
  job: InsideJob;
}

/** What the main thread says once it has weighed the container's answer against the other end. */
export type InsideOrder =
  | { type: 'pack'; fd: number; path: string; top: string }
  | { type: 'extract'; fd: number; dir: string; ownership: Ownership }
  | { type: 'cancel' };

export type InsideReport =
  | { type: 'stat'; info: CopyInfo; special: boolean }
  | { type: 'done' }
  | { type: 'error'; message: string; notFound: boolean };

function enter(where: Where): void {
  if ('running' in where) {
    const ns = NamespaceSet.open(`/proc/${where.running.pid}/ns`, ['mnt'], `container process ${where.running.pid}`);
    try {
      // The fd names the namespace of whatever has the pid now: make sure it is still the container.
      if (!isAlive(where.running)) throw new TsrunError('the container stopped while the copy began: try again');
      unshare(CLONE.FS, 'fs attributes');
      ns.enter();
    } finally {
      ns.close();
    }
    return;
  }
  const s = where.stopped;
  unshare(CLONE.FS | CLONE.NEWNS, 'mount namespace');
  makePrivate('/');
  mount('overlay', s.rootfs, 'overlay', 0, `lowerdir=${s.lower},upperdir=${s.upper},workdir=${s.work}`);
  const top = RootDir.open(s.rootfs, 'the container');
  try {
    fchdir(top.fd, s.rootfs);
    chroot('.', s.rootfs);
  } finally {
    closeFd(top.fd, s.rootfs);
  }
}

/** Container paths are absolute: `etc` is `/etc`; the `/` or `/.` the user wrote is kept. */
function absolute(path: string): string {
  return path.startsWith('/') ? path : `/${path}`;
}

class NotFound extends TsrunError {}

function lstatIn(path: string): Stats {
  try {
    return lstatSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new NotFound(path);
    throw err;
  }
}

/** The source of a copy out: a symlink there is the link itself, or with -L what it points to (one level, as Docker). */
function statSource(path: string, followLink: boolean): CopyInfo {
  let p = absolute(path);
  let rebase: string | undefined;
  if (followLink && lstatIn(p).isSymbolicLink()) {
    ({ path: p, rebaseName: rebase } = rebaseName(p, linkTargetPath(p, readlinkSync(p))));
  }
  const st = lstatIn(p);
  return { path: p, exists: true, isDir: st.isDirectory(), ...(rebase === undefined ? {} : { rebaseName: rebase }) };
}

/** The destination of a copy in: a symlink there stands for its target (Docker's client evaluates one). */
function statDestination(path: string): { info: CopyInfo; special: boolean } {
  let p = absolute(path);
  try {
    let st = lstatSync(p);
    if (st.isSymbolicLink()) {
      p = linkTargetPath(p, readlinkSync(p));
      st = lstatSync(p);
    }
    return { info: { path: p, exists: true, isDir: st.isDirectory() }, special: !st.isDirectory() && !st.isFile() };
  } catch {
    // Whatever is wrong shows when the archive is extracted into the parent.
    return { info: { path: p, exists: false, isDir: false }, special: false };
  }
}

/** Docker's extraction point: an existing directory, symlinks followed (inside the container). */
function extractionPoint(dir: string): void {
  let st;
  try {
    st = statSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new NotFound(dir);
    throw err;
  }
  if (!st.isDirectory()) throw new TsrunError(`extraction point is not a directory: ${dir}`);
}

async function carryOut(order: InsideOrder, root: RootDir): Promise<void> {
  if (order.type === 'pack') {
    const out = new Socket({ fd: order.fd, readable: false, writable: true });
    const files = { open: (p: string): number => root.open(p, O.RDONLY | O.NOFOLLOW | O.NONBLOCK), close: (fd: number) => closeFd(fd, 'a copied file') };
    await packPath(order.path, order.top, out, files, (p) => root.describe(p));
  } else if (order.type === 'extract') {
    const input = new Socket({ fd: order.fd, readable: true, writable: false });
    try {
      extractionPoint(order.dir);
      await extractArchive(input, posix.normalize(order.dir), { ownership: order.ownership, keepKinds: true });
    } finally {
      input.destroy();
    }
  }
}

function nextOrder(): Promise<InsideOrder> {
  return new Promise((resolve) => port.once('message', resolve));
}

const port = parentPort!;
const req = workerData as InsideRequest;

async function main(): Promise<void> {
  enter(req.where);
  const root = RootDir.open('/', 'the container');
  try {
    const stat = req.job.kind === 'out' ? { info: statSource(req.job.path, req.job.followLink), special: false } : statDestination(req.job.path);
    port.postMessage({ type: 'stat', ...stat } satisfies InsideReport);
    await carryOut(await nextOrder(), root);
  } finally {
    closeFd(root.fd, 'the container\'s root');
  }
}

main().then(
  () => port.postMessage({ type: 'done' } satisfies InsideReport),
  (err: unknown) => {
    const notFound = err instanceof NotFound;
    const message = err instanceof Error ? err.message : String(err);
    port.postMessage({ type: 'error', message, notFound } satisfies InsideReport);
  },
);
