/**
 * `tsrun cp`, as Docker 20.10's `docker cp`: between a container (running, created or
 * stopped) and the host, or a tar archive on stdin/stdout (`-`). The container's side is a
 * worker thread rooted in the container (`inside.ts`); the two sides exchange a tar stream
 * over a pipe, and the host's side extracts it with the image importer's safety rules
 * (`image/extract.ts`), so neither an archive from the container nor one on stdin can write
 * through a symlink or outside the destination.
 */
import { closeSync, constants, lstatSync, openSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { Socket } from 'node:net';
import { posix } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { imageRootfs } from '../../image/store';
import { extractArchive } from '../../image/extract';
import { containerDir, findContainer, isStarting, listContainers, type ContainerRecord } from '../../state/containers';
import { withLockAsync } from '../../state/lock';
import { TsrunError } from '../../sys/error';
import { loadLibc } from '../../sys/libc';
import { makePipe } from '../../sys/pipe';
import { isAlive } from '../../sys/process';
import { resolveContainer } from '../lifecycle';
import { packPath } from './pack';
import { base, hasTrailingSeparator, linkTargetPath, planCopy, rebaseName, specifiesCurrentDir, splitCpArg, splitPathDirEntry, type CopyInfo } from './paths';
import type { InsideJob, InsideOrder, InsideReport, Where } from './inside';

export interface CopyOptions {
  /** -a: the copied files keep their uid/gid (into a container; otherwise they are root's). */
  archive: boolean;
  /** -L: a symlink at the source is followed. */
  followLink: boolean;
}

class NoSuchPath extends TsrunError {
  constructor(container: string, path: string) {
    super(`No such container:path: ${container}:${path}`);
  }
}

/** One copy's worker in the container's root, answering one stat and carrying out one order. */
class Inside {
  private readonly worker: Worker;
  private readonly reports: InsideReport[] = [];
  private waiting: ((r: InsideReport) => void) | undefined;
  private readonly exited: Promise<void>;

  constructor(
    where: Where,
    job: InsideJob,
    private readonly container: string,
  ) {
    loadLibc();
    const worker = new Worker(posix.join(__dirname, 'inside.js'), { workerData: { where, job } });
    const deliver = (r: InsideReport): void => {
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w(r);
      } else this.reports.push(r);
    };
    this.worker = worker;
    worker.on('message', deliver);
    worker.on('error', (err) => deliver({ type: 'error', message: err.message, notFound: false }));
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    // A worker that ends without a word (it cannot, short of a crash) must not leave us waiting.
    void this.exited.then(() => deliver({ type: 'error', message: 'the copy ended unexpectedly', notFound: false }));
  }

  private next(): Promise<InsideReport> {
    const r = this.reports.shift();
    if (r) return Promise.resolve(r);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  /** The container's answer; its errors thrown in Docker's words, naming `path` as the user gave it. */
  async stat(path: string): Promise<{ info: CopyInfo; special: boolean }> {
    const r = await this.next();
    if (r.type === 'stat') return r;
    throw this.failure(r, path);
  }

  send(order: InsideOrder): void {
    this.worker.postMessage(order);
  }

  async done(path: string): Promise<void> {
    const r = await this.next();
    if (r.type !== 'done') throw this.failure(r, path);
  }

  private failure(r: InsideReport, path: string): TsrunError {
    if (r.type === 'error' && r.notFound) return new NoSuchPath(this.container, path);
    return new TsrunError(r.type === 'error' ? r.message : 'the copy ended unexpectedly');
  }

  /** Waits for the thread to be gone: with it its mount namespace (a stopped container's overlay). */
  async close(): Promise<void> {
    await this.worker.terminate();
    await this.exited;
  }
}

function running(rec: ContainerRecord): boolean {
  return rec.state.status === 'running' && isAlive(rec.state.process);
}

function stoppedAt(rec: ContainerRecord): Where {
  return { stopped: { lower: imageRootfs(rec.image.id), upper: containerDir.upper(rec.id), work: containerDir.work(rec.id), rootfs: containerDir.rootfs(rec.id) } };
}

/**
 * Runs `fn` with the container's side. A running one is copied from and to as it runs; a
 * created or stopped one under the lock, so that no start mounts its layer meanwhile.
 */
async function withContainer<T>(ref: string, path: string, job: InsideJob, fn: (inside: Inside) => Promise<T>): Promise<T> {
  let rec: ContainerRecord;
  try {
    rec = resolveContainer(ref);
  } catch (err) {
    if (err instanceof TsrunError && err.message.startsWith('No such container')) throw new NoSuchPath(ref, path);
    throw err;
  }
  const use = async (where: Where): Promise<T> => {
    const inside = new Inside(where, job, ref);
    try {
      return await fn(inside);
    } finally {
      await inside.close();
    }
  };
  if (running(rec)) return use({ running: rec.state.process! });
  return withLockAsync(async () => {
    const now = findContainer(rec.id, listContainers());
    if (!now) throw new NoSuchPath(ref, path);
    if (running(now)) return use({ running: now.state.process! });
    if (isStarting(now)) throw new TsrunError(`container ${now.name} is starting: try again once it runs`);
    return use(stoppedAt(now));
  });
}

/** An absolute host path that keeps the `/` or `/.` its user wrote (Go's filepath.Abs would drop them). */
function localPath(path: string): string {
  let abs = posix.resolve(path);
  if (specifiesCurrentDir(path) && !specifiesCurrentDir(abs)) abs += abs === '/' ? '.' : '/.';
  else if (hasTrailingSeparator(path) && !hasTrailingSeparator(abs)) abs += '/';
  return abs;
}

/** Docker's ValidateOutputPath: the destination's directory exists; the destination, if it does, is a directory or a file. */
function validateOutputPath(path: string): void {
  const dir = posix.dirname(posix.normalize(path).replace(/\/+$/, '') || '/');
  if (!exists(dir)) throw new TsrunError(`invalid output path: directory "${dir}" does not exist`);
  try {
    const st = statSync(path);
    if (!st.isDirectory() && !st.isFile()) throw new TsrunError(`invalid output path: "${path}" must be a directory or a regular file`);
  } catch (err) {
    if (err instanceof TsrunError) throw err;
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Docker's CopyInfoDestinationPath on the host: symlinks at the destination are followed (up to 10). */
function hostDestination(path: string): CopyInfo {
  let p = path;
  for (let n = 0; ; n++) {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      const parent = splitPathDirEntry(p).dir;
      if (!exists(parent)) throw new TsrunError(`invalid output path: directory "${parent}" does not exist`);
      if (!statSync(parent).isDirectory()) throw new TsrunError(`not a directory: ${parent}`);
      return { path: p, exists: false, isDir: false };
    }
    if (!st.isSymbolicLink()) return { path: p, exists: true, isDir: st.isDirectory() };
    if (n >= 10) throw new TsrunError(`too many symlinks in ${path}`);
    p = linkTargetPath(p, readlinkSync(p));
  }
}

/** Docker's CopyInfoSourcePath on the host: the directories on the way resolved, the last element followed only with -L. */
function hostSource(path: string, followLink: boolean): CopyInfo {
  const missing = (): TsrunError => new TsrunError(`lstat ${path}: no such file or directory`);
  let resolved: string;
  let rebase: string | undefined;
  try {
    if (followLink) {
      ({ path: resolved, rebaseName: rebase } = rebaseName(path, realpathSync(path)));
    } else {
      const slash = path.lastIndexOf('/');
      const dir = realpathSync(path.slice(0, slash + 1) || '.');
      resolved = `${dir === '/' ? '' : dir}/${path.slice(slash + 1)}`;
      if (hasTrailingSeparator(path) && base(path) !== base(resolved)) rebase = base(path);
    }
  } catch {
    throw missing();
  }
  let st;
  try {
    st = lstatSync(resolved);
  } catch {
    throw missing();
  }
  return { path: resolved, exists: true, isDir: st.isDirectory(), ...(rebase === undefined ? {} : { rebaseName: rebase }) };
}

/** A pipe between the two sides: ours wrapped as a stream, the other end's fd for the worker. */
function pipeTo(ours: 'read' | 'write'): { stream: Socket; theirs: number } {
  const p = makePipe('the copy');
  return ours === 'read'
    ? { stream: new Socket({ fd: p.read, readable: true, writable: false }), theirs: p.write }
    : { stream: new Socket({ fd: p.write, readable: false, writable: true }), theirs: p.read };
}

/** Our side's error unless the container's side has a better one (a truncated stream is the symptom, not the cause). */
async function both(ours: Promise<unknown>, theirs: Promise<void>): Promise<void> {
  const [a, b] = await Promise.allSettled([ours, theirs]);
  if (b.status === 'rejected') throw b.reason;
  if (a.status === 'rejected') throw a.reason;
}

async function copyFromContainer(ref: string, path: string, destination: string, opts: CopyOptions): Promise<void> {
  const toStdout = destination === '-';
  const dst = toStdout ? '-' : localPath(destination);
  if (!toStdout) validateOutputPath(dst);
  // A reader that went away (`tsrun cp c:/var - | tar t | head`): nothing more to say. The
  // worker and its mount namespace end with the process.
  else process.stdout.on('error', () => process.exit(0));
  await withContainer(ref, path, { kind: 'out', path, followLink: opts.followLink }, async (inside) => {
    const { info: src } = await inside.stat(path);
    let plan: { dir: string; top: string } | undefined;
    try {
      plan = toStdout ? undefined : planCopy(src, hostDestination(dst), dst);
    } catch (err) {
      inside.send({ type: 'cancel' });
      throw err;
    }
    const top = plan?.top ?? src.rebaseName ?? splitPathDirEntry(src.path).base;
    const { stream, theirs } = pipeTo('read');
    inside.send({ type: 'pack', fd: theirs, path: src.path, top });
    const ours = plan
      ? extractArchive(stream, plan.dir, { ownership: 'caller', keepKinds: true })
      : relay(stream, process.stdout);
    // Our end closed on failure (a reader of stdout gone): the container's side stops on EPIPE.
    await both(ours.catch((err: unknown) => { stream.destroy(); throw err; }), inside.done(path));
  });
}

function relay(from: Readable, to: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    from.on('error', reject);
    to.on('error', reject);
    from.on('end', resolve);
    from.pipe(to, { end: false });
  });
}

async function copyToContainer(source: string, ref: string, path: string, opts: CopyOptions): Promise<void> {
  const fromStdin = source === '-';
  const label = `${ref}:${path}`;
  await withContainer(ref, path, { kind: 'in', path }, async (inside) => {
    const { info: dst, special } = await inside.stat(path);
    let plan: { dir: string; top: string } | undefined;
    let src: CopyInfo | undefined;
    try {
      if (special) throw new TsrunError(`destination "${label}" must be a directory or a regular file`);
      if (fromStdin) {
        if (!dst.isDir) throw new TsrunError(`destination "${label}" must be a directory`);
      } else {
        src = hostSource(localPath(source), opts.followLink);
        plan = planCopy(src, dst, label);
      }
    } catch (err) {
      inside.send({ type: 'cancel' });
      throw err;
    }
    const dir = plan?.dir ?? dst.path;
    const { stream, theirs } = pipeTo('write');
    inside.send({ type: 'extract', fd: theirs, dir, ownership: opts.archive ? 'entry' : 'root' });
    const ours = src && plan
      ? packPath(src.path, plan.top, stream, { open: openHostFile, close: closeSync }, (p) => p)
      : relay(process.stdin, stream).then(() => void stream.end());
    await both(ours, inside.done(dir)).finally(() => {
      stream.destroy();
      // The rest of an archive the container's side refused is not read.
      if (fromStdin) process.stdin.destroy();
    });
  });
}

/** A host file to copy, never through a symlink put in its place, never blocking on a FIFO. */
function openHostFile(path: string): number {
  return openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
}

/** `tsrun cp SRC DEST`: one of them CONTAINER:PATH, the other a host path or `-`. */
export async function copy(source: string, destination: string, opts: CopyOptions): Promise<void> {
  if (source === '' || destination === '') throw new TsrunError(`${source === '' ? 'source' : 'destination'} can not be empty (give a path, CONTAINER:PATH or -)`);
  const src = splitCpArg(source);
  const dst = splitCpArg(destination);
  if (src.container && dst.container) throw new TsrunError('copying between containers is not supported');
  if (!src.container && !dst.container) throw new TsrunError('must specify at least one container source (write CONTAINER:PATH for the container\'s side)');
  if (src.container) return copyFromContainer(src.container, src.path, destination, opts);
  return copyToContainer(source, dst.container, dst.path, opts);
}
