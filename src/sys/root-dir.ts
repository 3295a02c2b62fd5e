/**
 * Paths inside a container's root, resolved by the kernel as if that root were `/`:
 * openat2(2) with RESOLVE_IN_ROOT keeps `..` and absolute symlinks inside it, and
 * RESOLVE_NO_MAGICLINKS refuses /proc/self/fd-style links that could lead back to the host.
 * An image may make any component (`etc`, `dev`, `dev/pts`) a symlink to an absolute or
 * `../` path; whatever it does, nothing here ever reaches a file outside the root.
 *
 * Mounts take their target as `/proc/self/fd/N` of an O_PATH fd resolved here, so mount(2)
 * never walks an untrusted path itself.
 */
import { closeSync, fstatSync } from 'node:fs';
import { ARCH } from './arch';
import { sysError, TsrunError } from './error';
import { check, libc } from './libc';
import { SYS } from './syscall';

export const O = {
  RDONLY: 0,
  WRONLY: 0o1,
  RDWR: 0o2,
  CREAT: 0o100,
  EXCL: 0o200,
  NOCTTY: 0o400,
  NONBLOCK: 0o4000,
  DIRECTORY: ARCH.o.DIRECTORY,
  NOFOLLOW: ARCH.o.NOFOLLOW,
  CLOEXEC: 0o2000000,
  PATH: 0o10000000,
} as const;

export const RESOLVE = {
  NO_MAGICLINKS: 0x02,
  NO_SYMLINKS: 0x04,
  IN_ROOT: 0x10,
} as const;

const AT_FDCWD = -100;
const EAGAIN = 11;

/** openat2(2); returns the fd or throws a TsrunError naming `what`. */
export function openat2(dirFd: number, path: string, flags: number, resolve: number, what: string, mode = 0): number {
  const how = Buffer.alloc(24);
  how.writeBigUInt64LE(BigInt(flags | O.CLOEXEC), 0);
  how.writeBigUInt64LE(BigInt(flags & O.CREAT ? mode : 0), 8);
  how.writeBigUInt64LE(BigInt(resolve), 16);
  let r = libc.syscallOpenat2([SYS.openat2, dirFd, path, how, how.length]);
  // With RESOLVE_IN_ROOT a `..` walked while any mount or rename happens on the host
  // fails EAGAIN, and the kernel asks the caller to retry: parallel containers mount
  // all the time, so a symlink like etc -> ../../etc hit it in CI.
  for (let tries = 0; r.value === -1 && r.errnoCode === EAGAIN && tries < 1000; tries++) {
    r = libc.syscallOpenat2([SYS.openat2, dirFd, path, how, how.length]);
  }
  if (r.value === -1 && r.errnoCode === 38) {
    throw new TsrunError(`open ${what}: this kernel has no openat2 (Linux 5.6 or later is needed)`, 'ENOSYS');
  }
  return check(r, 'open', what);
}

/** The path that names an open fd, for mount(2) and friends. */
export function fdPath(fd: number): string {
  return `/proc/self/fd/${fd}`;
}

/** The pieces of a path inside a root: `/etc//hosts/` gives etc, hosts; `.` and `..` stay (the kernel confines them). */
function components(path: string): string[] {
  return path.split('/').filter((c) => c !== '' && c !== '.');
}

export class RootDir {
  private constructor(
    readonly fd: number,
    /** How errors name the root: the container's, or a host path. */
    private readonly label: string,
  ) {}

  /** The root at a trusted host path (tsrun's own mount point, /proc/PID/root, or `/`). */
  static open(path: string, label: string): RootDir {
    return new RootDir(openat2(AT_FDCWD, path, O.PATH | O.DIRECTORY, 0, label), label);
  }

  /** How a path inside the root is named in errors: `/etc/hosts in the container`. */
  describe(path: string): string {
    return `/${components(path).join('/')} in ${this.label}`;
  }

  /** Opens `path` with every symlink resolved inside the root and magic links refused. */
  open(path: string, flags: number, extraResolve = 0): number {
    const rel = components(path).join('/') || '.';
    return openat2(this.fd, rel, flags, RESOLVE.IN_ROOT | RESOLVE.NO_MAGICLINKS | extraResolve, this.describe(path));
  }

  /** An O_PATH fd of `path` itself (a final symlink is not followed), or undefined if it does not exist. */
  lookup(path: string): number | undefined {
    try {
      return this.open(path, O.PATH | O.NOFOLLOW);
    } catch (err) {
      if ((err as TsrunError).errno === 'ENOENT') return undefined;
      throw err;
    }
  }

  /**
   * The directory `path`, made (0755) with its missing parents inside the root; an O_PATH fd.
   * A symlink on the way whose target is missing is followed (inside the root) and its target
   * made, as runc does for an image whose /etc or /dev points somewhere it does not ship.
   */
  mkdirAll(path: string, depth = 0): number {
    if (depth > 40) throw new TsrunError(`${this.describe(path)}: too many levels of symbolic links`, 'ELOOP');
    const parts = components(path);
    let done = 0;
    // Find the deepest existing ancestor, then create the rest one level at a time.
    for (let i = parts.length; i >= 0; i--) {
      try {
        const fd = this.open(parts.slice(0, i).join('/'), O.PATH | O.DIRECTORY);
        if (i === parts.length) return fd;
        closeSync(fd);
        done = i;
        break;
      } catch (err) {
        if ((err as TsrunError).errno !== 'ENOENT' || i === 0) throw err;
      }
    }
    const parent = this.open(parts.slice(0, done).join('/'), O.PATH | O.DIRECTORY);
    const name = parts[done]!;
    const here = parts.slice(0, done + 1).join('/');
    let followed = 0;
    try {
      const r = libc.mkdirat([parent, name, 0o755]);
      if (r.value === -1 && r.errnoCode !== 17) throw sysError('mkdir', this.describe(here), r.errnoCode);
      if (r.value === -1) {
        // EEXIST after ENOENT: a symlink to a missing target. Make its target instead.
        const target = readLinkAt(parent, name, this.describe(here));
        const base = target.startsWith('/') ? target : [...parts.slice(0, done), target].join('/');
        closeSync(this.mkdirAll(base, depth + 1));
        followed = 1;
      }
    } finally {
      closeSync(parent);
    }
    return this.mkdirAll(path, depth + followed);
  }

  /**
   * A regular file at `path` to mount onto; an O_PATH fd. A symlink there (an image's
   * resolv.conf -> /run/...) is replaced by an empty file, never followed.
   */
  ensureFile(path: string): number {
    const parts = components(path);
    const name = parts.pop();
    if (name === undefined || name === '..') throw new TsrunError(`${this.describe(path)} is not a file name`);
    const dir = this.mkdirAll(parts.join('/'));
    try {
      const existing = this.lookup(path);
      if (existing !== undefined) {
        if (!fstatSync(existing).isSymbolicLink()) return existing;
        closeSync(existing);
        check(libc.unlinkat([dir, name, 0]), 'unlink', this.describe(path));
      }
      // O_CREAT|O_EXCL never follows a symlink; a single name relative to the directory fd.
      closeSync(openat2(dir, name, O.CREAT | O.EXCL | O.WRONLY | O.NOFOLLOW, RESOLVE.NO_SYMLINKS, this.describe(path), 0o644));
      return openat2(dir, name, O.PATH | O.NOFOLLOW, RESOLVE.NO_SYMLINKS, this.describe(path));
    } finally {
      closeSync(dir);
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** mknodat(2) of `name` in the directory `dirFd` (the mode is cut by the umask, as mknod's is). */
export function mknodAt(dirFd: number, name: string, mode: number, dev: number, what: string): void {
  check(libc.mknodat([dirFd, name, mode, dev]), 'mknod', what);
}

const AT_SYMLINK_NOFOLLOW = 0x100;

export function chownAt(dirFd: number, name: string, uid: number, gid: number, what: string): void {
  check(libc.fchownat([dirFd, name, uid, gid, AT_SYMLINK_NOFOLLOW]), 'chown', what);
}

export function symlinkAt(target: string, dirFd: number, name: string, what: string): void {
  check(libc.symlinkat([target, dirFd, name]), 'symlink', what);
}

function readLinkAt(dirFd: number, name: string, what: string): string {
  const buf = Buffer.alloc(4096);
  const n = check(libc.readlinkat([dirFd, name, buf, buf.length]), 'readlink', what);
  return buf.toString('utf8', 0, n);
}

export function fchdir(fd: number, what: string): void {
  check(libc.fchdir([fd]), 'chdir', what);
}
