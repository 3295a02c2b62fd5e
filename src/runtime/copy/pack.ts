/**
 * A file or directory tree as a tar archive (tar-stream), for `cp`: modes, owners, times,
 * symlinks (as links, never followed), device nodes and fifos; sockets are left out, as
 * Docker's archiver does. Path operations are synchronous, so a worker thread whose root is a
 * container's (`copy/inside.ts`) walks the container's tree; files are opened through the
 * caller's `open`, which inside a container refuses symlinks and magic links.
 */
import { fstatSync, lstatSync, readdirSync, readlinkSync, readSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack, type Pack } from 'tar-stream';
import { fromNodeError, TsrunError } from '../../sys/error';

type HeaderArgument = Parameters<Pack['entry']>[0];

const CHUNK = 64 * 1024;

function major(rdev: number): number {
  return ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
}

function minor(rdev: number): number {
  return (rdev & 0xff) | ((rdev >>> 12) & ~0xff);
}

function header(name: string, st: Stats): HeaderArgument {
  return { name, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
}

function waitFor(sink: Writable, event: 'drain' | 'finish'): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      sink.off(event, done);
      sink.off('error', done);
      if (err) reject(err);
      else resolve();
    };
    sink.on(event, done);
    sink.on('error', done);
  });
}

/** How the packer opens (without following a symlink) and closes the files it reads. */
export interface FileAccess {
  open(path: string): number;
  close(fd: number): void;
}

class Packer {
  constructor(
    private readonly pack: Pack,
    private readonly files: FileAccess,
    /** How errors name a path: `/etc in the container`, or the host path. */
    private readonly describe: (path: string) => string,
  ) {}

  async add(path: string, name: string): Promise<void> {
    let st: Stats;
    try {
      st = lstatSync(path);
    } catch (err) {
      // Gone since its directory was read (a running container changes under us): as tar does, skip it.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw fromNodeError(err, `lstat ${this.describe(path)}`);
    }
    const h = header(name, st);
    if (st.isDirectory()) {
      await this.entry({ ...h, type: 'directory' });
      let names: string[];
      try {
        names = readdirSync(path).sort();
      } catch (err) {
        throw fromNodeError(err, `read directory ${this.describe(path)}`);
      }
      for (const child of names) await this.add(posix.join(path, child), `${name}/${child}`);
    } else if (st.isFile()) {
      await this.file(path, h);
    } else if (st.isSymbolicLink()) {
      await this.entry({ ...h, type: 'symlink', linkname: readlinkSync(path) });
    } else if (st.isCharacterDevice() || st.isBlockDevice()) {
      await this.entry({ ...h, type: st.isCharacterDevice() ? 'character-device' : 'block-device', devmajor: major(st.rdev), devminor: minor(st.rdev) });
    } else if (st.isFIFO()) {
      await this.entry({ ...h, type: 'fifo' });
    }
  }

  private entry(h: HeaderArgument): Promise<void> {
    return new Promise((resolve, reject) => this.pack.entry(h, (err) => (err ? reject(err) : resolve())));
  }

  /**
   * A regular file, opened without following anything and checked to still be one (a FIFO
   * put in its place must not block the copy). Its size is the one the header gave: a file
   * that grows meanwhile is cut there, one that shrinks is padded with zeros.
   */
  private async file(path: string, h: HeaderArgument): Promise<void> {
    const fd = this.files.open(path);
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new TsrunError(`${this.describe(path)} changed while it was copied (it is no longer a regular file)`);
      const size = st.size;
      const sink = this.pack.entry({ ...h, type: 'file', size }) as unknown as Writable;
      const done = waitFor(sink, 'finish');
      const buf = Buffer.alloc(CHUNK);
      let left = size;
      while (left > 0) {
        let n: number;
        try {
          n = readSync(fd, buf, 0, Math.min(CHUNK, left), null);
        } catch (err) {
          throw fromNodeError(err, `read ${this.describe(path)}`);
        }
        if (n === 0) {
          buf.fill(0);
          n = Math.min(CHUNK, left);
        }
        left -= n;
        if (!sink.write(Buffer.from(buf.subarray(0, n)))) await waitFor(sink, 'drain');
      }
      sink.end();
      await done;
    } finally {
      this.files.close(fd);
    }
  }
}

/**
 * Writes the archive of `path` to `out`, its top entry named `top` (`.` for the contents of
 * a directory), and ends `out`.
 */
export async function packPath(path: string, top: string, out: Writable, files: FileAccess, describe: (path: string) => string): Promise<void> {
  const pack = tarPack();
  const written = pipeline(pack as unknown as Readable, out);
  try {
    await new Packer(pack, files, describe).add(path, top);
  } catch (err) {
    pack.destroy();
    out.destroy();
    await written.catch(() => undefined);
    throw err;
  }
  pack.finalize();
  await written;
}
