import { getSystemErrorMap } from 'node:util';

/**
 * The one error type of tsrun (as crun has one). Every failure a user can meet is a
 * TsrunError whose message is a single line that names what failed and, where it helps,
 * how to fix it. `errno` is set when the kernel refused a call.
 */
export class TsrunError extends Error {
  readonly errno: string | undefined;

  constructor(message: string, errno?: string) {
    super(message);
    this.name = 'TsrunError';
    this.errno = errno;
  }
}

const systemErrors = getSystemErrorMap();

/** Where libuv's name for a Linux errno differs from the one in the kernel's messages and man pages. */
const LINUX_NAMES: Record<number, [string, string]> = { 95: ['EOPNOTSUPP', 'operation not supported'] };

/** `EPERM` for 1; `E123` for a number libuv does not know. */
export function errnoName(code: number): string {
  return LINUX_NAMES[code]?.[0] ?? systemErrors.get(-code)?.[0] ?? `E${code}`;
}

/** `operation not permitted` for 1. */
export function errnoText(code: number): string {
  return LINUX_NAMES[code]?.[1] ?? systemErrors.get(-code)?.[1] ?? `error ${code}`;
}

/** The message of a failed libc call: `mount overlay on /x/rootfs: EPERM (operation not permitted)`. */
export function sysErrorMessage(call: string, object: string, code: number): string {
  const subject = object ? `${call} ${object}` : call;
  return `${subject}: ${errnoName(code)} (${errnoText(code)})`;
}

export function sysError(call: string, object: string, code: number): TsrunError {
  return new TsrunError(sysErrorMessage(call, object, code), errnoName(code));
}

/** Node's own fs errors (ENOENT etc.) in the same one-line form. */
export function fromNodeError(err: unknown, what: string): TsrunError {
  if (err instanceof TsrunError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === 'string' && typeof e.errno === 'number') {
    const desc = e.message.replace(/^[A-Z]+: /, '').replace(/,.*$/, '');
    const hint = isNoSpace(e) ? ': free some space on that filesystem (df -h shows which) and try again' : '';
    return new TsrunError(`${what}: ${e.code} (${desc})${hint}`, e.code);
  }
  return new TsrunError(`${what}: ${e instanceof Error ? e.message : String(e)}`);
}

/** The disk (or the user's quota) is full: the one failure that goes away by itself once space is freed. */
export function isNoSpace(err: unknown): boolean {
  const code = err instanceof TsrunError ? err.errno : (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}
