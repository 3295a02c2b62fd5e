/**
 * Flag values yargs would take silently (`type: 'number'` makes "abc" NaN), checked before a
 * command does anything. As Docker's CLI refuses a flag's bad value with exit 125, so does tsrun.
 */
import { TsrunError } from '../sys/error';

export class FlagError extends TsrunError {
  readonly exitCode = 125;

  constructor(command: string, value: string, flag: string, why: string) {
    super(`invalid argument "${value}" for "${flag}" flag: ${why} (see 'tsrun ${command} --help')`);
  }
}

/** A whole number, as Go's ParseInt reads it in base 10: `-t 30`, `-t -1`. */
export function integerFlag(command: string, flag: string, value: unknown, example: string): number {
  const text = String(value);
  const n = Number(text);
  if (!/^[+-]?\d+$/.test(text) || !Number.isSafeInteger(n)) throw new FlagError(command, text, flag, `not a whole number (e.g. ${example})`);
  return n;
}

/** One of a fixed set of words. */
export function choiceFlag<T extends string>(command: string, flag: string, value: unknown, choices: readonly T[]): T {
  const text = String(value);
  if (!(choices as readonly string[]).includes(text)) throw new FlagError(command, text, flag, `use ${choices.join(' or ')}`);
  return text as T;
}

/**
 * yargs names unknown flags without their dashes ("Unknown argument: x"), which reads like a
 * misplaced name; Docker says "unknown flag". `args` tells `-x` from `--x` (and from an
 * extra positional "x", left as yargs words it).
 */
export function unknownFlags(message: string, args: string[]): string {
  const m = /^Unknown arguments?: (.+)$/.exec(message);
  if (!m) return message;
  const typed = m[1]!.split(', ').map((name) => args.find((a) => a === `-${name}` || a === `--${name}` || a.startsWith(`--${name}=`) || a.startsWith(`-${name}=`)));
  if (typed.some((a) => a === undefined)) return message;
  return `unknown flag${typed.length > 1 ? 's' : ''}: ${typed.map((a) => a!.replace(/=.*/, '')).join(', ')}`;
}
