/** Go's fmt.Sprint, Sprintln and the common verbs of Sprintf (%s %d %v %q %t %f %x %%), with flags, widths and precisions. */
import { goString, goTypeName } from './values';

/** Sprint puts a space between operands when neither side is a string. */
export function sprint(args: unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += goString(a, true);
  });
  return out;
}

export function sprintln(args: unknown[]): string {
  return `${args.map((a) => goString(a, true)).join(' ')}\n`;
}

function quote(s: string): string {
  return JSON.stringify(s).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function pad(s: string, width: number | undefined, flags: string, numeric: boolean): string {
  if (width === undefined || s.length >= width) return s;
  if (flags.includes('-')) return s.padEnd(width);
  if (flags.includes('0') && numeric) {
    const sign = /^[+-]/.test(s) ? s[0]! : '';
    return sign + s.slice(sign.length).padStart(width - sign.length, '0');
  }
  return s.padStart(width);
}

function bad(verb: string, v: unknown): string {
  return `%!${verb}(${goTypeName(v)}=${goString(v, true)})`;
}

function formatOne(verb: string, v: unknown, flags: string, precision: number | undefined): { text: string; numeric: boolean } {
  const signed = (n: string, x: number): string => (flags.includes('+') && x >= 0 ? `+${n}` : flags.includes(' ') && x >= 0 ? ` ${n}` : n);
  switch (verb) {
    case 'v':
      if (typeof v === 'number') return { text: signed(goString(v), v), numeric: true };
      return { text: goString(v, true), numeric: false };
    case 's':
      if (typeof v === 'string') return { text: precision === undefined ? v : [...v].slice(0, precision).join(''), numeric: false };
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return { text: `[${v.join(' ')}]`, numeric: false };
      return { text: bad(verb, v), numeric: false };
    case 'q':
      if (typeof v === 'string') return { text: quote(v), numeric: false };
      if (typeof v === 'number' && Number.isInteger(v)) return { text: `'${String.fromCodePoint(v)}'`, numeric: false };
      return { text: bad(verb, v), numeric: false };
    case 'd':
      if (typeof v === 'number' && Number.isInteger(v)) return { text: signed(String(v), v), numeric: true };
      return { text: bad(verb, v), numeric: false };
    case 't':
      if (typeof v === 'boolean') return { text: String(v), numeric: false };
      return { text: bad(verb, v), numeric: false };
    case 'f':
      if (typeof v === 'number') return { text: signed(v.toFixed(precision ?? 6), v), numeric: true };
      return { text: bad(verb, v), numeric: false };
    case 'x':
    case 'X': {
      let text: string;
      if (typeof v === 'number' && Number.isInteger(v)) text = v.toString(16);
      else if (typeof v === 'string') text = Buffer.from(v).toString('hex');
      else return { text: bad(verb, v), numeric: false };
      return { text: verb === 'X' ? text.toUpperCase() : text, numeric: true };
    }
    default:
      return { text: `%!${verb}(${goTypeName(v)}=${goString(v, true)})`, numeric: false };
  }
}

export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let n = 0;
  const re = /%([-+ #0]*)(\d+)?(?:\.(\d*))?([a-zA-Z%])?/g;
  let last = 0;
  for (let m = re.exec(format); m; m = re.exec(format)) {
    out += format.slice(last, m.index);
    last = re.lastIndex;
    const [, flags = '', width, prec, verb] = m;
    if (verb === undefined) {
      out += '%!(NOVERB)';
      continue;
    }
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (n >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const { text, numeric } = formatOne(verb, args[n++], flags, prec === undefined ? undefined : Number(prec || 0));
    out += pad(text, width === undefined ? undefined : Number(width), flags, numeric);
  }
  out += format.slice(last);
  if (n < args.length) out += `%!(EXTRA ${args.slice(n).map((a) => `${goTypeName(a)}=${goString(a, true)}`).join(', ')})`;
  return out;
}
