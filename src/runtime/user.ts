/**
 * -u/--user name|uid[:group|gid] resolved as runc resolves it (libcontainer/user
 * GetExecUser), in the container's own /etc/passwd and /etc/group: a name must be in
 * passwd, a uid need not be (its group is then 0 and its home /); a group given replaces
 * the user's and brings no supplementary groups, otherwise the user's supplementary groups
 * are the /etc/group entries that list its name. No user means uid 0, resolved the same way
 * (so root gets its groups from the image, as under Docker). The files are the image's, so
 * they are untrusted: opened inside the container's root, regular files only, bounded in size.
 */
import { closeSync, fchownSync, fstatSync, readSync } from 'node:fs';
import { fromNodeError, TsrunError } from '../sys/error';
import { makedev } from '../sys/file';
import { O, type RootDir } from '../sys/root-dir';

export interface ExecUser {
  uid: number;
  gid: number;
  /** Supplementary groups (setgroups). */
  groups: number[];
  home: string;
}

const MAX_ID = 2 ** 31 - 1;
/** Far beyond any real passwd or group file; a larger one is refused rather than read. */
const MAX_FILE = 4 << 20;

interface PasswdEntry { name: string; uid: number; gid: number; home: string }
interface GroupEntry { name: string; gid: number; members: string[] }

/** Go's strconv.Atoi as runc applies it: a whole decimal number, else not a number. */
function atoi(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) && Number.isSafeInteger(Number(s)) ? Number(s) : undefined;
}

function lines(text: string): string[][] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '').map((l) => l.split(':'));
}

export function parsePasswd(text: string): PasswdEntry[] {
  return lines(text).map((f) => ({ name: f[0] ?? '', uid: atoi(f[2] ?? '') ?? 0, gid: atoi(f[3] ?? '') ?? 0, home: f[5] ?? '' }));
}

export function parseGroup(text: string): GroupEntry[] {
  return lines(text).map((f) => ({ name: f[0] ?? '', gid: atoi(f[2] ?? '') ?? 0, members: (f[3] ?? '').split(',').filter((m) => m !== '') }));
}

function inRange(id: number): number {
  if (id < 0 || id > MAX_ID) throw new TsrunError(`uids and gids must be in range 0-${MAX_ID}`);
  return id;
}

/** `spec` as given to -u ('' for none); passwd and group are the files' text, null when absent. */
export function resolveUser(spec: string, passwd: string | null, group: string | null): ExecUser {
  const [userArg = '', groupArg = ''] = spec.split(':');
  const user: ExecUser = { uid: 0, gid: 0, groups: [], home: '/' };
  const uidArg = atoi(userArg);
  const gidArg = atoi(groupArg);
  const match = parsePasswd(passwd ?? '').find((u) => (userArg === '' ? u.uid === 0 : uidArg !== undefined ? u.uid === uidArg : u.name === userArg));
  if (match) Object.assign(user, { uid: match.uid, gid: match.gid, home: match.home });
  else if (userArg !== '') {
    if (uidArg === undefined) throw new TsrunError(`unable to find user ${userArg}: no matching entries in passwd file`);
    user.uid = inRange(uidArg);
  }
  if (groupArg === '' && !match) return user;
  const groups = parseGroup(group ?? '');
  if (groupArg === '') {
    user.groups = groups.filter((g) => g.members.includes(match!.name)).map((g) => g.gid);
    return user;
  }
  const g = groups.find((e) => (gidArg !== undefined ? e.gid === gidArg : e.name === groupArg));
  if (g) user.gid = g.gid;
  else if (gidArg === undefined) throw new TsrunError(`unable to find group ${groupArg}: no matching entries in group file`);
  else user.gid = inRange(gidArg);
  return user;
}

/** The text of a regular file inside the root, or null when it is absent. */
function readBounded(root: RootDir, path: string): string | null {
  let fd: number;
  try {
    fd = root.open(path, O.RDONLY | O.NONBLOCK | O.NOCTTY);
  } catch (err) {
    if ((err as TsrunError).errno === 'ENOENT') return null;
    throw err;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new TsrunError(`${root.describe(path)} is not a regular file: the image's user database cannot be read`);
    const buf = Buffer.alloc(Math.min(st.size, MAX_FILE) + 1);
    let got = 0;
    for (let n; got < buf.length && (n = readSync(fd, buf, got, buf.length - got, null)) > 0; ) got += n;
    if (got > MAX_FILE) throw new TsrunError(`${root.describe(path)} is larger than ${MAX_FILE >> 20} MiB: tsrun does not read a user database that size`);
    return buf.toString('utf8', 0, got);
  } finally {
    closeSync(fd);
  }
}

/** Resolves `spec` in the container's /etc/passwd and /etc/group. */
export function containerUser(root: RootDir, spec: string): ExecUser {
  return resolveUser(spec, readBounded(root, 'etc/passwd'), readBounded(root, 'etc/group'));
}

/** HOME from the user's passwd entry when the environment has none (runc's rule). */
export function withHome(env: string[], user: ExecUser): string[] {
  return env.some((e) => e.startsWith('HOME=')) ? env : [...env, `HOME=${user.home}`];
}

const NULL_DEVICE = makedev(1, 3);

/**
 * runc's fixStdioPermissions: the command's stdio (tsrun's pipes, or the container's pty) is
 * given to its user, so that it can reopen them (`echo > /dev/stdout`, a password prompt on
 * /dev/tty) as it can under Docker; /dev/null and what the user already owns are left alone.
 */
export function giveStdio(fds: number[], uid: number): void {
  for (const fd of fds) {
    const st = fstatSync(fd);
    if (st.uid === uid || (st.isCharacterDevice() && st.rdev === NULL_DEVICE)) continue;
    try {
      fchownSync(fd, uid, -1);
    } catch (err) {
      throw fromNodeError(err, `give the command's stdio (fd ${fd}) to uid ${uid}`);
    }
  }
}
