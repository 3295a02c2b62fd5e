import { TsrunError } from '../sys/error';

/**
 * Prints one line on stderr and sets the exit code. tsrun's own errors keep their text;
 * anything else is a bug, and its stack is shown when TSRUN_DEBUG is set.
 */
export function fail(err: unknown, defaultCode: number): void {
  const code = typeof (err as { exitCode?: unknown }).exitCode === 'number' ? (err as { exitCode: number }).exitCode : defaultCode;
  if (err instanceof TsrunError) {
    process.stderr.write(`tsrun: ${err.message}\n`);
  } else {
    const e = err as Error;
    process.stderr.write(`tsrun: internal error: ${e?.message ?? String(err)}\n`);
    if (process.env.TSRUN_DEBUG) process.stderr.write(`${e?.stack}\n`);
  }
  process.exitCode = code;
}
