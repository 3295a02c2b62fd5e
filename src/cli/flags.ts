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
  // `tsrun rm $(tsrun ps -qa)` with no container: Docker's words.
  if (/^Not enough non-option arguments: got 0/.test(message)) {
    const verb = args.filter((a) => !a.startsWith('-')).slice(0, args[0] === 'container' || args[0] === 'network' || args[0] === 'image' || args[0] === 'volume' ? 2 : 1).join(' ');
    return `"tsrun ${verb}" requires at least 1 argument (see 'tsrun ${verb} --help')`;
  }
  const m = /^Unknown arguments?: (.+)$/.exec(message);
  if (!m) return message;
  const typed = m[1]!.split(', ').map((name) => args.find((a) => a === `-${name}` || a === `--${name}` || a.startsWith(`--${name}=`) || a.startsWith(`-${name}=`)));
  if (typed.some((a) => a === undefined)) return message;
  return `unknown flag${typed.length > 1 ? 's' : ''}: ${typed.map((a) => a!.replace(/=.*/, '')).join(', ')}`;
}

/** The words Go's ParseBool, and so Docker's CLI, takes for a boolean flag's `=value`. */
const TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const FALSE = ['0', 'f', 'F', 'FALSE', 'false', 'False'];

/** yargs 17 holds the options of the command being parsed on its instance; @types/yargs leaves getOptions out. */
interface ParsingInstance {
  getOptions(): { boolean: string[]; array: string[]; alias: Record<string, string[]> };
}

/**
 * Flag values as Docker's CLI (Go's pflag) takes them, where yargs differs; a yargs
 * middleware, `args` the raw arguments that hold flags, `y` the yargs instance:
 * - a flag that takes one value, given twice, is its last value (yargs made an array of
 *   them, which `-m 1g -m 2g` or `kill -s 1 -s 2` then failed on);
 * - `--flag=VALUE` of a boolean flag takes Go's words for true and false and refuses others
 *   (yargs read all but `=true` as false: `stats --no-stream=1` streamed for ever).
 */
export function dockerFlagValues(command: string, args: string[], argv: Record<string, unknown>, y: unknown): void {
  const { boolean: booleans, array, alias } = (y as ParsingInstance).getOptions();
  for (const [key, value] of Object.entries(argv)) {
    if (key !== '_' && Array.isArray(value) && !array.includes(key)) argv[key] = value.at(-1);
  }
  const end = args.indexOf('--');
  for (const a of end === -1 ? args : args.slice(0, end)) {
    const m = /^(--?)([^=]+)=(.*)$/.exec(a);
    if (!m || !booleans.includes(m[2]!)) continue;
    const [, dashes, name, value] = m as unknown as [string, string, string, string];
    if (!TRUE.includes(value) && !FALSE.includes(value)) throw new FlagError(command, value, `${dashes}${name}`, 'use true or false');
    const names = [name, ...Object.entries(alias).flatMap(([k, v]) => (k === name ? v : v.includes(name) ? [k, ...v] : []))];
    for (const n of names) argv[n] = TRUE.includes(value);
  }
}
