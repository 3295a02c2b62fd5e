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
