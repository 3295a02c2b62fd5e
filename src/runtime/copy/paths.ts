/**
 * Docker's path rules for `cp` (moby pkg/archive/copy.go), the same on both sides of a copy:
 * a source ending in `/.` gives its contents; a destination that is a directory receives the
 * source inside it; one that does not exist is created under that name in its parent; a
 * destination ending in `/` must be a directory.
 */
import { posix } from 'node:path';
import { TsrunError } from '../../sys/error';

/** What a copy knows of one end: the path as resolved, whether it exists and is a directory. */
export interface CopyInfo {
  path: string;
  exists: boolean;
  isDir: boolean;
  /** The name the source takes in the archive when a symlink was followed (-L). */
  rebaseName?: string;
}

/** Where an archive is extracted and the name its top entry takes there. */
export interface CopyPlan {
  dir: string;
  top: string;
}

export function hasTrailingSeparator(path: string): boolean {
  return path.length > 1 && path.endsWith('/');
}

export function specifiesCurrentDir(path: string): boolean {
  return path === '.' || path.endsWith('/.');
}

/** A path that can only name a directory: `dir/` or `dir/.`. */
export function assertsDirectory(path: string): boolean {
  return hasTrailingSeparator(path) || specifiesCurrentDir(path);
}

/** Go's filepath.Clean: no trailing separator, no `.` or `..` components left. */
export function clean(path: string): string {
  const n = posix.normalize(path);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** Go's filepath.Base: the last element once trailing separators are dropped (`/a/.` gives `.`). */
export function base(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/**
 * `/a/b/.` gives `/a/b` and `.`; `/a/b/` gives `/a` and `b`. The root alone is its own
 * contents (`/` is `/.`).
 */
export function splitPathDirEntry(path: string): { dir: string; base: string } {
  let cleaned = clean(path);
  if (cleaned === '/') return { dir: '/', base: '.' };
  if (specifiesCurrentDir(path)) cleaned += '/.';
  return { dir: posix.dirname(cleaned), base: posix.basename(cleaned) };
}

/**
 * After a symlink at `path` was followed to `resolved`: the resolved path keeps the `/` or
 * `/.` the user wrote, and the archive keeps the name the user asked for.
 */
export function rebaseName(path: string, resolved: string): { path: string; rebaseName?: string } {
  let p = resolved;
  if (specifiesCurrentDir(path) && !specifiesCurrentDir(p)) p += '/.';
  if (hasTrailingSeparator(path) && !hasTrailingSeparator(p)) p += '/';
  return base(path) !== base(p) ? { path: p, rebaseName: base(path) } : { path: p };
}

/** A symlink's target as a path of the directory holding the link. */
export function linkTargetPath(linkPath: string, target: string): string {
  return target.startsWith('/') ? target : posix.join(splitPathDirEntry(linkPath).dir, target);
}

/**
 * Docker's PrepareArchiveCopy: where the source's archive goes and what its top entry is
 * called there. `dstLabel` names the destination in errors (`c1:/x` or a host path).
 */
export function planCopy(src: CopyInfo, dst: CopyInfo, dstLabel: string): CopyPlan {
  const srcBase = src.rebaseName ?? splitPathDirEntry(src.path).base;
  const { dir: dstDir, base: dstBase } = splitPathDirEntry(dst.path);
  if (dst.exists && dst.isDir) return { dir: dst.path, top: srcBase };
  if (dst.exists && src.isDir) throw new TsrunError(`cannot copy directory: ${dstLabel} is a file (name a directory, or a path that does not exist yet)`);
  if (!dst.exists && !src.isDir && assertsDirectory(dst.path)) {
    throw new TsrunError(`no such directory: ${dstLabel} (a destination ending in / must be an existing directory)`);
  }
  return { dir: dstDir, top: dstBase };
}

/** `c1:/etc` gives c1 and /etc; a path that starts with `/` or `.` is local even with a colon in it (Docker's splitCpArg). */
export function splitCpArg(arg: string): { container: string; path: string } {
  if (arg.startsWith('/') || arg.startsWith('.')) return { container: '', path: arg };
  const i = arg.indexOf(':');
  if (i <= 0) return { container: '', path: arg };
  return { container: arg.slice(0, i), path: arg.slice(i + 1) };
}
