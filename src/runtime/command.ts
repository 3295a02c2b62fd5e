/**
 * What init and the exec tenant share about the command: finding it in the container's PATH
 * (from inside the container's root) and Docker's exit codes when it cannot run: 127 not
 * found, 126 not executable, 125 otherwise.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { TsrunError } from '../sys/error';

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

/** The path execve should run, resolved as a shell would (the calling thread's root is the container's). */
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

/** A failed execve (or posix_spawn) as Docker reports it. */
export function execFailure(cmd: string, err: unknown): ExecFailure {
  const e = err as TsrunError;
  if (e.errno === 'ENOENT') return new ExecFailure(`exec: "${cmd}": no such file or directory`, NOT_FOUND);
  if (e.errno === 'EACCES') return new ExecFailure(`exec: "${cmd}": permission denied`, NOT_EXECUTABLE);
  return new ExecFailure(`exec: "${cmd}": ${e instanceof Error ? e.message : String(e)}`, NOT_EXECUTABLE);
}

/** The exit code a start failure gives: the ExecFailure's own, else 125. */
export function failureCode(err: unknown): number {
  return err instanceof ExecFailure ? err.exitCode : 125;
}
