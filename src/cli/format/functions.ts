/** The functions a template may call: Go's builtins and Docker's (templates/templates.go). */
import { goJson, goTypeName, isMap, NO_VALUE, truth, GoStruct } from './values';
import { sprintf, sprint, sprintln } from './printf';

export class CallError extends Error {}

export type TemplateFunction = (...args: unknown[]) => unknown;

function str(v: unknown): string {
  if (typeof v !== 'string') throw new CallError(`wrong type for value; expected string; got ${goTypeName(v)}`);
  return v;
}

function int(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new CallError(`wrong type for value; expected int; got ${goTypeName(v)}`);
  return v;
}

function arity(name: string, want: number, got: number): void {
  if (want !== got) throw new CallError(`wrong number of args for ${name}: want ${want} got ${got}`);
}

/** strings.Title: the first letter of each word upper-cased; a word starts after a non-letter, non-digit, non-underscore. */
function title(s: string): string {
  return s.replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, sep: string, ch: string) => sep + ch.toUpperCase());
}

function basicKind(v: unknown): 'number' | 'string' | 'bool' | null {
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  return null;
}

function compare(a: unknown, b: unknown, ordered: boolean): number {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka === null || kb === null || (ordered && ka === 'bool')) {
    if (!ordered && (a === null || a === NO_VALUE) && (b === null || b === NO_VALUE)) return 0;
    throw new CallError(ordered ? 'invalid type for comparison' : 'non-comparable types');
  }
  if (ka !== kb) throw new CallError('incompatible types for comparison');
  return a === b ? 0 : (a as number | string) < (b as number | string) ? -1 : 1;
}

function index(item: unknown, ...keys: unknown[]): unknown {
  let v = item;
  for (const k of keys) {
    if (Array.isArray(v) || typeof v === 'string') {
      if (typeof k !== 'number' || !Number.isInteger(k)) throw new CallError(`cannot index slice/array with type ${goTypeName(k)}`);
      if (k < 0 || k >= v.length) throw new CallError(`index out of range: ${k}`);
      v = typeof v === 'string' ? v.charCodeAt(k) : v[k];
    } else if (isMap(v)) {
      if (typeof k !== 'string') throw new CallError(`value has type ${goTypeName(k)}; should be string`);
      v = Object.prototype.hasOwnProperty.call(v, k) ? v[k] : null;
    } else if (v === null || v === undefined || v === NO_VALUE) {
      throw new CallError('index of untyped nil');
    } else {
      throw new CallError(`can't index item of type ${goTypeName(v)}`);
    }
  }
  return v;
}

function length(v: unknown): number {
  if (typeof v === 'string') return Buffer.byteLength(v);
  if (Array.isArray(v)) return v.length;
  if (isMap(v)) return Object.keys(v).length;
  throw new CallError(`len of type ${goTypeName(v)}`);
}

/** Go's and/or return an argument, not a bool: the first false (and) or true (or) one, else the last. */
const and = (...a: unknown[]): unknown => a.find((x) => !truth(x)) ?? a[a.length - 1];
const or = (...a: unknown[]): unknown => a.find((x) => truth(x)) ?? a[a.length - 1];

export const FUNCTIONS: Record<string, TemplateFunction> = {
  // Docker's
  json: (...a) => (arity('json', 1, a.length), goJson(a[0] instanceof GoStruct ? a[0].toJSON() : a[0])),
  split: (...a) => {
    arity('split', 2, a.length);
    const [s, sep] = [str(a[0]), str(a[1])];
    return sep === '' ? [...s] : s.split(sep);
  },
  join: (...a) => {
    arity('join', 2, a.length);
    if (!Array.isArray(a[0]) || a[0].some((x) => typeof x !== 'string')) throw new CallError(`wrong type for value; expected []string; got ${goTypeName(a[0])}`);
    return (a[0] as string[]).join(str(a[1]));
  },
  title: (...a) => (arity('title', 1, a.length), title(str(a[0]))),
  lower: (...a) => (arity('lower', 1, a.length), str(a[0]).toLowerCase()),
  upper: (...a) => (arity('upper', 1, a.length), str(a[0]).toUpperCase()),
  pad: (...a) => {
    arity('pad', 3, a.length);
    const s = str(a[0]);
    return s === '' ? s : ' '.repeat(Math.max(0, int(a[1]))) + s + ' '.repeat(Math.max(0, int(a[2])));
  },
  truncate: (...a) => {
    arity('truncate', 2, a.length);
    const s = str(a[0]);
    const n = int(a[1]);
    return s.length < n ? s : s.slice(0, n);
  },
  // Go's builtins
  and,
  or,
  not: (...a) => (arity('not', 1, a.length), !truth(a[0])),
  len: (...a) => (arity('len', 1, a.length), length(a[0])),
  index: (...a) => {
    if (a.length === 0) throw new CallError('wrong number of args for index: want at least 1 got 0');
    return index(a[0], ...a.slice(1));
  },
  print: (...a) => sprint(a),
  printf: (...a) => {
    if (a.length === 0) throw new CallError('wrong number of args for printf: want at least 1 got 0');
    return sprintf(str(a[0]), a.slice(1));
  },
  println: (...a) => sprintln(a),
  eq: (...a) => {
    if (a.length < 2) throw new CallError('missing argument for comparison');
    return a.slice(1).some((b) => compare(a[0], b, false) === 0);
  },
  ne: (...a) => (arity('ne', 2, a.length), compare(a[0], a[1], false) !== 0),
  lt: (...a) => (arity('lt', 2, a.length), compare(a[0], a[1], true) < 0),
  le: (...a) => (arity('le', 2, a.length), compare(a[0], a[1], true) <= 0),
  gt: (...a) => (arity('gt', 2, a.length), compare(a[0], a[1], true) > 0),
  ge: (...a) => (arity('ge', 2, a.length), compare(a[0], a[1], true) >= 0),
};

/**
 * Docker's table headers are the same template run over the header names, with the string
 * functions made identity so that `{{upper .Names}}` still heads its column NAMES.
 */
export const HEADER_FUNCTIONS: Record<string, TemplateFunction> = {
  ...FUNCTIONS,
  json: (v) => v,
  split: (v) => v,
  join: (v) => v,
  title: (v) => v,
  lower: (v) => v,
  upper: (v) => v,
  truncate: (v) => v,
};
