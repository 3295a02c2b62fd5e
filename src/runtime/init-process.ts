/**
 * The body of init (init.ts is its entry): the container's PID 1 until it execs the user's command. Spawned by the parent
 * right after it unshared the pid, net, uts, ipc and cgroup namespaces, it waits for its
 * spec on the sync socket (fd 3), builds the root filesystem in its own mount namespace,
 * sets the hostname, leaves tsrun's session (taking the container's own pty with -t), says
 * "ready" and waits for "go" (the network is plugged and this process is in the container's
 * cgroup, which the parent did once init.ts said "booted"), then makes its cgroup namespace
 * and mounts /sys/fs/cgroup, takes a new session keyring, installs the seccomp filter, drops
 * to the container's privileges and execs. Every module is loaded before pivot_root; there is no node_modules
 * inside the container. No process of the container exists before the exec, so nothing
 * can look at this Node process while it works; it is made non-dumpable all the same.
 */
import { openSync } from 'node:fs';
import { limitBoundingSet, setCapabilities } from '../sys/capabilities';
import { switchUser } from '../sys/credentials';
import { RootDir } from '../sys/root-dir';
import { TsrunError } from '../sys/error';
import { dup2, execve, prepareForExec, sethostname, setsid } from '../sys/exec';
import { joinNewSessionKeyring } from '../sys/keyring';
import { CLONE, unshare } from '../sys/namespace';
import { installFilter } from '../sys/seccomp/filter';
import { setNoNewPrivs, setNotDumpable } from '../sys/prctl';
import { setControllingTerminal } from '../sys/tty';
import { execFailure, failureCode, resolveCommand } from './command';
import { mountCgroups, setupRootfs } from './filesystem';
import type { InitSpec } from './spec';
import { readParentMessage, sendToParent } from './sync-init';
import { containerUser, giveStdio, withHome, type ExecUser } from './user';

/** A new session whose controlling terminal is the container's pty N (opened by the parent from the container's devpts). */
function takePty(): void {
  sendToParent({ type: 'need-pty' });
  const msg = readParentMessage();
  if (msg.type !== 'pty') throw new TsrunError(`expected a pty from the parent, got ${msg.type}`);
  setsid();
  const fd = openSync(`/dev/pts/${msg.number}`, 'r+');
  setControllingTerminal(fd);
  for (const target of [0, 1, 2]) dup2(fd, target);
}

/** -u (or root) in the container's own /etc/passwd and /etc/group; / is the container's root by now. */
function resolveUser(spec: string): ExecUser {
  const root = RootDir.open('/', 'the container');
  try {
    return containerUser(root, spec);
  } finally {
    root.close();
  }
}

function run(): never {
  setNotDumpable();
  // Device nodes and directories get exactly the modes asked for; the command gets Docker's 022.
  process.umask(0);
  const first = readParentMessage();
  if (first.type !== 'spec') throw new TsrunError(`init: expected the container spec, got ${first.type}`);
  const spec: InitSpec = first.spec;
  setupRootfs(spec);
  const user = resolveUser(spec.user);
  const env = withHome(spec.env, user);
  sethostname(spec.hostname);
  if (spec.tty) {
    takePty();
  } else {
    // No controlling terminal: the invoker's stays out of reach (TIOCSTI, /dev/tty).
    setsid();
    if (!spec.interactive) dup2(openSync('/dev/null', 'r'), 0);
  }
  const path = resolveCommand(spec.argv[0]!, env);
  const filter = spec.privileges.seccomp === null ? null : Buffer.from(spec.privileges.seccomp, 'base64');
  sendToParent({ type: 'ready' });
  const go = readParentMessage();
  if (go.type !== 'go') throw new TsrunError(`expected go, got ${go.type}`);
  // A cgroup namespace made now has the container's cgroup as its root.
  unshare(CLONE.NEWCGROUP, 'cgroup namespace');
  // Docker's --privileged leaves the cgroup mounts writable.
  mountCgroups(spec.cgroups, !spec.privileged);
  joinNewSessionKeyring();
  // Installed while CAP_SYS_ADMIN is still held (no_new_privs may be off); what follows is allowed by any profile Docker's resembles.
  if (filter) installFilter(filter);
  // As runc: the bounding set while CAP_SETPCAP is effective, then the user, then the capabilities.
  limitBoundingSet(spec.privileges.capabilities);
  giveStdio([0, 1, 2], user.uid);
  switchUser(user.uid, user.gid, user.groups);
  setCapabilities(spec.privileges.capabilities);
  if (spec.privileges.noNewPrivileges) setNoNewPrivs();
  process.umask(0o022);
  prepareForExec();
  try {
    return execve(path, spec.argv, env);
  } catch (err) {
    throw execFailure(spec.argv[0]!, err);
  }
}

try {
  run();
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  try {
    sendToParent({ type: 'error', message, exitCode: failureCode(err) });
  } catch {
    // the parent is gone; nobody is left to tell
  }
  process.exit(failureCode(err));
}
