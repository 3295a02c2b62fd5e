/**
 * init: the container's PID 1 until it execs the user's command. Spawned by the parent
 * right after it unshared the pid, net, uts, ipc and cgroup namespaces, it waits for its
 * spec on the sync socket (fd 3), builds the root filesystem in its own mount namespace,
 * sets the hostname, takes a pty if asked, waits for "go" (the network is ready), drops
 * privileges and execs. Every module is loaded before pivot_root; there is no node_modules
 * inside the container.
 */
import { accessSync, constants, mkdirSync, openSync, statSync } from 'node:fs';
import { TsrunError } from '../sys/error';
import { DOCKER_DEFAULT_CAPS, limitCapabilities, setNoNewPrivs } from '../sys/capabilities';
import { dup2, execve, prepareForExec, sethostname, setsid } from '../sys/exec';
import { setControllingTerminal } from '../sys/tty';
import { setupRootfs } from './filesystem';
import type { InitSpec } from './spec';
import { readParentMessage, sendToParent } from './sync-init';

/** Docker's exit codes for a command that cannot be started. */
const NOT_FOUND = 127;
const NOT_EXECUTABLE = 126;

class ExecFailure extends TsrunError {
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

function envValue(env: string[], key: string): string | undefined {
  const hit = env.find((e) => e.startsWith(`${key}=`));
  return hit?.slice(key.length + 1);
}

/** The path execve should run, resolved as a shell would (inside the container's root). */
function resolveCommand(cmd: string, env: string[]): string {
  if (cmd.includes('/')) return cmd;
  for (const dir of (envValue(env, 'PATH') ?? '').split(':')) {
    const candidate = `${dir || '.'}/${cmd}`;
    try {
      if (statSync(candidate).isFile()) {
        accessSync(candidate, constants.X_OK);
        return candidate;
      }
    } catch {
      // not here: keep looking, as execvp does
    }
  }
  throw new ExecFailure(`exec: "${cmd}": executable file not found in $PATH`, NOT_FOUND);
}

function takePty(): void {
  sendToParent({ type: 'need-pty' });
  const msg = readParentMessage();
  if (msg.type !== 'pty') throw new TsrunError(`init: expected a pty from the parent, got ${msg.type}`);
  setsid();
  const fd = openSync(`/dev/pts/${msg.number}`, 'r+');
  setControllingTerminal(fd);
  for (const target of [0, 1, 2]) dup2(fd, target);
}

function enterWorkdir(workdir: string): void {
  mkdirSync(workdir, { recursive: true, mode: 0o755 });
  process.chdir(workdir);
}

function run(): never {
  const first = readParentMessage();
  if (first.type !== 'spec') throw new TsrunError(`init: expected the container spec, got ${first.type}`);
  const spec: InitSpec = first.spec;
  setupRootfs(spec);
  sethostname(spec.hostname);
  enterWorkdir(spec.workdir);
  if (spec.tty) takePty();
  const path = resolveCommand(spec.argv[0]!, spec.env);
  const go = readParentMessage();
  if (go.type !== 'go') throw new TsrunError(`init: expected go, got ${go.type}`);
  limitCapabilities(DOCKER_DEFAULT_CAPS);
  setNoNewPrivs();
  prepareForExec();
  try {
    return execve(path, spec.argv, spec.env);
  } catch (err) {
    const e = err as TsrunError;
    if (e.errno === 'ENOENT') throw new ExecFailure(`exec: "${spec.argv[0]}": no such file or directory`, NOT_FOUND);
    if (e.errno === 'EACCES') throw new ExecFailure(`exec: "${spec.argv[0]}": permission denied`, NOT_EXECUTABLE);
    throw new ExecFailure(`exec: "${spec.argv[0]}": ${e.message}`, NOT_EXECUTABLE);
  }
}

try {
  run();
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  const exitCode = err instanceof ExecFailure ? err.exitCode : 125;
  try {
    sendToParent({ type: 'error', message, exitCode });
  } catch {
    // the parent is gone; nobody is left to tell
  }
  process.exit(exitCode);
}
