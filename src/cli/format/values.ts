/**
 * How Go's text/template sees tsrun's values: JSON-like data are Go's map[string]interface{}
 * (maps print sorted, `map[k:v]`), arrays are slices (`[a b]`), null is nil; a GoStruct is
 * one of Docker's formatter contexts, whose fields are methods (`.ID`, `.Label "k"`).
 */
import { TsrunError } from '../../sys/error';

export class TemplateError extends TsrunError {}

/** A Go value with methods, as Docker's list contexts are: `*formatter.ContainerContext`. */
export class GoStruct {
  constructor(
    readonly typeName: string,
    readonly methods: Record<string, (...args: unknown[]) => unknown>,
  ) {}

  /** Docker's MarshalJSON of a context: every method without arguments, keys sorted. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(this.methods).sort()) if (this.methods[k]!.length === 0) out[k] = this.methods[k]!();
    return out;
  }
}

/** A map key Go's template did not find: prints `<no value>`. */
export const NO_VALUE = Symbol('no value');

export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof GoStruct);
}

export function goTypeName(v: unknown): string {
  if (v === null || v === undefined || v === NO_VALUE) return 'interface {}';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (Array.isArray(v)) return '[]interface {}';
  if (v instanceof GoStruct) return v.typeName;
  return 'map[string]interface {}';
}

/** Go's truth: false, 0, nil, and empty strings, slices and maps are false. */
export function truth(v: unknown): boolean {
  if (v === null || v === undefined || v === NO_VALUE || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return true;
}

function formatNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  // Go's %v of a float64 is %g: exponents from 1e21 up, and below 1e-4.
  const s = String(n);
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

/** fmt's %v. */
export function goString(v: unknown, nested = false): string {
  if (v === NO_VALUE) return '<no value>';
  if (v === null || v === undefined) return nested ? '<nil>' : '<no value>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => goString(x, true)).join(' ')}]`;
  if (v instanceof GoStruct) return `{${Object.values(v.toJSON()).map((x) => goString(x, true)).join(' ')}}`;
  if (isMap(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goString(v[k], true)}`).join(' ')}]`;
  return String(v);
}

/** Docker's `json` function: encoding/json without HTML escaping, no trailing newline. */
export function goJson(v: unknown): string {
  return JSON.stringify(v === NO_VALUE || v === undefined ? null : v) ?? 'null';
}
