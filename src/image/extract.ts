/**
 * Streaming, safe extraction of a rootfs tarball with tar-stream. Modes, owners, mtimes,
 * symlinks, hard links, device nodes and fifos are kept. Any entry that would land outside
 * the root is refused: absolute names, `..` components, hard links that point outside, and
 * every write through a symlink (a tarball may first plant `etc -> /etc`, then write
 * `etc/passwd`); an existing file is unlinked before it is replaced, never written through.
 */
import { chmodSync, closeSync, lchownSync, linkSync, lstatSync, lutimesSync, mkdirSync, openSync, symlinkSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, type Gunzip } from 'node:zlib';
import { extract as tarExtract, type Header } from 'tar-stream';
import { TsrunError } from '../sys/error';
import { makedev, mknod, S_IFBLK, S_IFCHR, S_IFIFO } from '../sys/file';

/**
 * Who owns what an extraction makes: the entry's uid/gid (an image; `cp -a`), root (`cp` into
 * a container, as Docker's daemon does) or the extracting user, untouched (`cp` to the host).
 */
export type Ownership = 'entry' | 'root' | 'caller';

export interface ExtractOptions {
  ownership: Ownership;
  /** Docker's NoOverwriteDirNonDir (`cp`): a directory and a non-directory never replace each other. */
  keepKinds: boolean;
}

const IMAGE_OPTIONS: ExtractOptions = { ownership: 'entry', keepKinds: false };

export interface ExtractStats {
  entries: number;
  bytes: number;
}

/** `./usr/bin/` -> `usr/bin`; refuses names that would leave the root. */
export function safeEntryPath(name: string): string {
  if (name.startsWith('/')) throw new TsrunError(`unsafe tarball entry "${name}": absolute paths are not allowed`);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new TsrunError(`unsafe tarball entry "${name}": ".." would leave the image root`);
  return parts.join('/');
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

interface DirTimes {
  path: string;
  mode: number;
  mtime: Date;
}

class Extractor {
  private readonly dirs: DirTimes[] = [];
  readonly stats: ExtractStats = { entries: 0, bytes: 0 };

  constructor(
    private readonly root: string,
    private readonly options: ExtractOptions,
  ) {}

  /** Creates the missing parents of `rel` as directories; refuses a symlink on the way. */
  private parents(rel: string, entry: string): void {
    const parts = rel.split('/').slice(0, -1);
    let cur = this.root;
    for (let i = 0; i < parts.length; i++) {
      cur = join(cur, parts[i]!);
      const st = lstatOrNull(cur);
      if (st === null) mkdirSync(cur, 0o755);
      else if (st.isSymbolicLink()) {
        throw new TsrunError(
          `unsafe tarball entry "${entry}": it would write through the symlink "${parts.slice(0, i + 1).join('/')}"`,
        );
      } else if (!st.isDirectory()) {
        throw new TsrunError(`bad tarball entry "${entry}": "${parts.slice(0, i + 1).join('/')}" is not a directory`);
      }
    }
  }

  /** Removes a non-directory at `path` so the new entry replaces it instead of writing through it. */
  private clear(path: string, entry: string): void {
    const st = lstatOrNull(path);
    if (st === null) return;
    if (st.isDirectory()) {
      if (this.options.keepKinds) throw new TsrunError(`cannot overwrite directory "${path}" with non-directory "${entry}"`);
      throw new TsrunError(`bad tarball entry "${entry}": a directory of that name exists`);
    }
    unlinkSync(path);
  }

  private owner(path: string, h: Header): void {
    if (this.options.ownership === 'entry') lchownSync(path, h.uid ?? 0, h.gid ?? 0);
    else if (this.options.ownership === 'root') lchownSync(path, 0, 0);
  }

  async entry(h: Header, body: AsyncIterable<Buffer>): Promise<void> {
    const rel = safeEntryPath(h.name);
    this.stats.entries++;
    const path = rel === '' ? this.root : join(this.root, rel);
    const mode = (h.mode ?? 0o644) & 0o7777;
    const mtime = h.mtime ?? new Date(0);
    if (rel !== '') this.parents(rel, h.name);
    switch (h.type) {
      case 'directory': {
        const st = lstatOrNull(path);
        if (st === null) mkdirSync(path, 0o700);
        else if (!st.isDirectory()) {
          if (this.options.keepKinds && !st.isSymbolicLink()) throw new TsrunError(`cannot overwrite non-directory "${path}" with directory "${h.name}"`);
          this.clear(path, h.name);
          mkdirSync(path, 0o700);
        }
        this.owner(path, h);
        // Modes and times of directories are set last: a read-only directory would refuse its children.
        this.dirs.push({ path, mode, mtime });
        break;
      }
      case 'file':
      case 'contiguous-file': {
        this.clear(path, h.name);
        const fd = openSync(path, 'wx', 0o600);
        try {
          for await (const chunk of body) writeSync(fd, chunk);
        } finally {
          closeSync(fd);
        }
        this.stats.bytes += h.size ?? 0;
        this.owner(path, h);
        chmodSync(path, mode); // after chown, which clears setuid bits
        lutimesSync(path, mtime, mtime);
        return;
      }
      case 'symlink': {
        this.clear(path, h.name);
        symlinkSync(h.linkname ?? '', path);
        this.owner(path, h);
        lutimesSync(path, mtime, mtime);
        break;
      }
      case 'link': {
        const target = safeEntryPath(h.linkname ?? '');
        if (target === '') throw new TsrunError(`unsafe tarball entry "${h.name}": hard link to the image root`);
        this.parents(target, h.name);
        const tst = lstatOrNull(join(this.root, target));
        if (tst === null) throw new TsrunError(`bad tarball entry "${h.name}": hard link target "${target}" does not exist`);
        if (tst.isDirectory()) throw new TsrunError(`bad tarball entry "${h.name}": hard link to a directory`);
        this.clear(path, h.name);
        linkSync(join(this.root, target), path);
        break;
      }
      case 'character-device':
      case 'block-device':
      case 'fifo': {
        this.clear(path, h.name);
        const kind = h.type === 'fifo' ? S_IFIFO : h.type === 'block-device' ? S_IFBLK : S_IFCHR;
        mknod(path, kind | mode, makedev(h.devmajor ?? 0, h.devminor ?? 0));
        this.owner(path, h);
        chmodSync(path, mode);
        break;
      }
      default:
        // pax headers and GNU long names are consumed by tar-stream; other types have no rootfs meaning.
        break;
    }
    for await (const _ of body); // drain: tar-stream moves to the next entry only then
  }

  finish(): void {
    for (const d of this.dirs.reverse()) {
      chmodSync(d.path, d.mode);
      lutimesSync(d.path, d.mtime, d.mtime);
    }
  }
}

/** Gunzips the stream if it starts with the gzip magic, else passes it through. */
function maybeGunzip(): Transform {
  let gunzip: Gunzip | null | undefined;
  const t: Transform = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (gunzip === undefined) {
        gunzip = chunk[0] === 0x1f && chunk[1] === 0x8b ? createGunzip() : null;
        gunzip?.on('data', (d: Buffer) => t.push(d)).on('error', (e) => t.destroy(e));
      }
      if (gunzip) gunzip.write(chunk, () => cb());
      else cb(null, chunk);
    },
    flush(cb) {
      if (!gunzip) return cb();
      gunzip.once('end', () => cb()).end();
    },
  });
  return t;
}

/**
 * Extracts a .tar or .tar.gz stream into `root`, which must exist and be empty.
 * On error the caller removes `root`.
 */
export async function extractTarball(input: Readable, root: string): Promise<ExtractStats> {
  const stats = await extractArchive(input, root, IMAGE_OPTIONS);
  if (stats.entries === 0) throw new TsrunError('the tarball has no entries');
  return stats;
}

/**
 * Extracts a .tar or .tar.gz stream into the existing directory `root` with the same safety
 * rules, merging with what is there (`cp`). Path operations are synchronous: a caller whose
 * thread has a container's root as its own (`runtime/copy/`) gets them resolved in that root.
 */
export async function extractArchive(input: Readable, root: string, options: ExtractOptions): Promise<ExtractStats> {
  const ex = new Extractor(root, options);
  const tar = tarExtract();
  const entries = (async () => {
    for await (const entry of tar) await ex.entry(entry.header, entry as AsyncIterable<Buffer>);
  })();
  await Promise.all([pipeline(input, maybeGunzip(), tar as unknown as NodeJS.WritableStream), entries]);
  ex.finish();
  return ex.stats;
}
