/**
 * The tenant: a worker thread of `tsrun exec` (youki's name for the role) that starts the
 * command inside a running container. Namespaces, the root directory (after unshare
 * CLONE_FS), capabilities, no_new_privs and the session keyring are all per thread, and
 * posix_spawn copies the calling thread: so this thread joins every namespace of the
 * container, resolves the working directory, the command and the pty from inside the
 * container's root, takes the container's privileges and spawns the command straight into
 * it. No Node process of tsrun ever enters the container; the process is non-dumpable while
 * the spawned child is still a copy of it, so the container cannot open its /proc/PID/exe,
 * fd or mem in that instant. The thread then waits for the command and reports its end.
 */
import { closeSync, fstatSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { limitBoundingSet, setCapabilities } from '../sys/capabilities';
import { switchUser } from '../sys/credentials';
import { fromNodeError, TsrunError } from '../sys/error';
import { makedev } from '../sys/file';
import { joinNewSessionKeyring } from '../sys/keyring';
import { CLONE, NamespaceSet, unshare } from '../sys/namespace';
import { setNoNewPrivs, setNotDumpable } from '../sys/prctl';
import { isAlive, type ProcessIdentity } from '../sys/process';
import { chownAt, fchdir, O, RootDir } from '../sys/root-dir';
import { installFilter } from '../sys/seccomp/filter';
import { posixSpawn, type ChildFd } from '../sys/spawn';
import { openPtyMaster } from '../sys/tty';
import { waitExit } from '../sys/wait';
import { ExecFailure, execFailure, failureCode, resolveCommand } from './command';
import { faultPoint } from './fault';
import type { ChildStdio } from './stdio';
import type { Privileges } from './spec';
import { containerUser, giveStdio, withHome } from './user';

export interface TenantRequest {
  /** The container's PID 1: its namespaces are joined. */
  container: ProcessIdentity;
  argv: string[];
  env: string[];
  workdir: string;
  tty: boolean;
  /** Pipes of `tsrun exec` for fds 0-2; null: the container's own /dev/null. */
  stdio: ChildStdio;
  /** The container's cgroup directories: the command is spawned inside them. */
  cgroup: string[];
  privileges: Privileges;
  /** exec -u, else the container's -u ('' for root): resolved in the container's /etc/passwd and /etc/group. */
  user: string;
  /** Wait for the command and report its exit (not with -d). */
  wait: boolean;
}

export type TenantReport =
  | { type: 'started'; pid: number; pty: { master: number; number: number } | null }
  | { type: 'error'; message: string; exitCode: number }
  | { type: 'exited'; code: number };

const NULL_DEVICE = makedev(1, 3);

/** The container's /dev/null, checked to be the null device (a FIFO there must not block us). */
function openDevNull(root: RootDir): number {
  const fd = root.open('dev/null', O.RDWR | O.NONBLOCK | O.NOFOLLOW);
  const st = fstatSync(fd);
  if (!st.isCharacterDevice() || st.rdev !== NULL_DEVICE) {
    closeSync(fd);
    throw new TsrunError(`${root.describe('dev/null')} is not the null device (1:3): the container replaced it`);
  }
  return fd;
}

/** /dev/pts/N of the container's devpts, owned by `uid` (its group left as it is). */
function chownPts(root: RootDir, n: number, uid: number): void {
  const pts = root.open('dev/pts', O.PATH | O.DIRECTORY);
  try {
    chownAt(pts, String(n), uid, 0xffffffff, root.describe(`dev/pts/${n}`));
  } finally {
    closeSync(pts);
  }
}

function joinContainer(container: ProcessIdentity): void {
  const ns = NamespaceSet.open(`/proc/${container.pid}/ns`, ['net', 'uts', 'ipc', 'cgroup', 'pid', 'mnt'], `container process ${container.pid}`);
  try {
    // The fds name the namespaces of whatever has the pid now: make sure it is still the container.
    if (!isAlive(container)) throw new TsrunError(`the container's process ${container.pid} is gone: the container is not running`);
    // setns into a mount namespace needs a root and working directory of this thread's own.
    unshare(CLONE.FS, 'fs attributes');
    ns.enter();
  } finally {
    ns.close();
  }
}

function start(req: TenantRequest): { pid: number; pty: { master: number; number: number } | null } {
  // First, with every capability and the host's cgroup namespace: the whole process moves into
  // the container's cgroup (a process moves whole), so the command starts inside it with no
  // moment outside. `tsrun exec`'s main thread moves back once the command runs.
  for (const dir of req.cgroup) {
    try {
      writeFileSync(join(dir, 'cgroup.procs'), String(process.pid));
    } catch (err) {
      throw fromNodeError(err, `exec: join the container's cgroup ${dir}`);
    }
  }
  return startInside(req);
}

function startInside(req: TenantRequest): { pid: number; pty: { master: number; number: number } | null } {
  joinContainer(req.container);
  const root = RootDir.open('/', 'the container');
  const opened: number[] = [];
  let pty: { master: number; number: number } | null = null;
  try {
    let workdir: number;
    try {
      workdir = root.open(req.workdir, O.PATH | O.DIRECTORY);
    } catch (err) {
      // Docker's runtime fails the exec itself here, so the command "cannot run": 126.
      throw new ExecFailure(`exec: working directory ${req.workdir} does not exist in the container (${(err as Error).message})`, 126);
    }
    opened.push(workdir);
    fchdir(workdir, `${req.workdir} in the container`);
    let user;
    try {
      user = containerUser(root, req.user);
    } catch (err) {
      // Docker's daemon gives an exec that fails in the runtime 126.
      throw new ExecFailure((err as Error).message, 126);
    }
    const env = withHome(req.env, user);
    const path = resolveCommand(req.argv[0]!, env);
    let stdio: [ChildFd, ChildFd, ChildFd];
    if (req.tty) {
      pty = openPtyMaster(root);
      // The user's to open, as runc gives it (a pts node is root's, mode 620, until then).
      if (user.uid !== 0) chownPts(root, pty.number, user.uid);
      // Opened by the child after setsid: the pty becomes its controlling terminal.
      stdio = [{ open: `/dev/pts/${pty.number}`, flags: O.RDWR }, { fd: 0 }, { fd: 0 }];
    } else {
      const own = (fd: number | null): ChildFd => {
        if (fd !== null) return { fd };
        const devNull = openDevNull(root);
        opened.push(devNull);
        return { fd: devNull };
      };
      stdio = [own(req.stdio.stdin), own(req.stdio.stdout), own(req.stdio.stderr)];
      giveStdio(stdio.map((c) => (c as { fd: number }).fd), user.uid);
    }
    joinNewSessionKeyring();
    // Installed while CAP_SYS_ADMIN is still held; this thread dies soon after the spawn.
    if (req.privileges.seccomp !== null) installFilter(Buffer.from(req.privileges.seccomp, 'base64'));
    // As runc: the bounding set while CAP_SETPCAP is effective, then this thread's user, then the capabilities.
    limitBoundingSet(req.privileges.capabilities);
    switchUser(user.uid, user.gid, user.groups);
    setCapabilities(req.privileges.capabilities);
    if (req.privileges.noNewPrivileges) setNoNewPrivs();
    setNotDumpable();
    faultPoint('exec:before-spawn');
    try {
      return { pid: posixSpawn({ path, argv: req.argv, env, stdio }), pty };
    } catch (err) {
      throw execFailure(req.argv[0]!, err);
    }
  } catch (err) {
    if (pty) closeSync(pty.master);
    throw err;
  } finally {
    for (const fd of opened) closeSync(fd);
    root.close();
  }
}

// The request comes as the first message: `tsrun exec` starts this thread first and works out
// the request (the container's privileges, its seccomp filter compiled) while the thread boots.
const port = parentPort!;
port.once('message', (req: TenantRequest) => {
  let started: ReturnType<typeof start> | undefined;
  try {
    started = start(req);
    port.postMessage({ type: 'started', ...started } satisfies TenantReport);
  } catch (err) {
    port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err), exitCode: failureCode(err) } satisfies TenantReport);
  }
  if (started && req.wait) port.postMessage({ type: 'exited', code: waitExit(started.pid) } satisfies TenantReport);
  port.close();
});
