/**
 * The last steps init and the exec tenant share: find the command in the container's PATH,
 * take the pty the parent opened, wait for "go", drop to Docker's privileges and execve.
 * Failures carry Docker's exit codes: 127 not found, 126 not executable, 125 otherwise.
 */
import { accessSync, constants, openSync, statSync } from 'node:fs';
import { DOCKER_DEFAULT_CAPS, limitCapabilities, setNoNewPrivs } from '../sys/capabilities';
import { TsrunError } from '../sys/error';
import { dup2, execve, prepareForExec, setsid } from '../sys/exec';
import { setControllingTerminal } from '../sys/tty';
import { readParentMessage, sendToParent } from './sync-init';

const NOT_FOUND = 127;
const NOT_EXECUTABLE = 126;

export class ExecFailure extends TsrunError {
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

function envValue(env: string[], key: string): string | undefined {
  return env.find((e) => e.startsWith(`${key}=`))?.slice(key.length + 1);
}

/** The path execve should run, resolved as a shell would (inside the container's root). */
export function resolveCommand(cmd: string, env: string[]): string {
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

/** Asks the parent for a pty of the container's devpts and makes it this session's terminal. */
export function takePty(): void {
  sendToParent({ type: 'need-pty' });
  const msg = readParentMessage();
  if (msg.type !== 'pty') throw new TsrunError(`expected a pty from the parent, got ${msg.type}`);
  setsid();
  const fd = openSync(`/dev/pts/${msg.number}`, 'r+');
  setControllingTerminal(fd);
  for (const target of [0, 1, 2]) dup2(fd, target);
}

/** Without -i the command reads nothing: stdin becomes /dev/null. */
export function closeStdin(): void {
  dup2(openSync('/dev/null', 'r'), 0);
}

/** Waits for "go", drops privileges and execs; never returns. */
export function execCommand(argv: string[], env: string[]): never {
  const path = resolveCommand(argv[0]!, env);
  const go = readParentMessage();
  if (go.type !== 'go') throw new TsrunError(`expected go, got ${go.type}`);
  limitCapabilities(DOCKER_DEFAULT_CAPS);
  setNoNewPrivs();
  prepareForExec();
  try {
    return execve(path, argv, env);
  } catch (err) {
    const e = err as TsrunError;
    if (e.errno === 'ENOENT') throw new ExecFailure(`exec: "${argv[0]}": no such file or directory`, NOT_FOUND);
    if (e.errno === 'EACCES') throw new ExecFailure(`exec: "${argv[0]}": permission denied`, NOT_EXECUTABLE);
    throw new ExecFailure(`exec: "${argv[0]}": ${e.message}`, NOT_EXECUTABLE);
  }
}

/** The entry of init and tenant: run `body`, and report whatever stops it to the parent. */
export function runRole(body: () => never): void {
  try {
    body();
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
}
