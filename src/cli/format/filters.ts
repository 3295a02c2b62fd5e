/**
 * Docker's `--filter key=value`: the same key given twice matches either value, different keys
 * must all match. Keys are checked before anything is listed.
 */
import { TsrunError } from '../../sys/error';
import { FlagError } from '../flags';

export type Filters = Map<string, string[]>;

/**
 * `known` are the keys tsrun applies; `docker` are keys Docker also takes that tsrun does not
 * (refused with the keys it does take, rather than ignored).
 */
export function parseFilters(command: string, args: string[], known: readonly string[], docker: readonly string[] = []): Filters {
  const filters: Filters = new Map();
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq === -1) throw new FlagError(command, a, '-f, --filter', 'bad format of filter (expected name=value)');
    const key = a.slice(0, eq).trim().toLowerCase();
    filters.set(key, [...(filters.get(key) ?? []), a.slice(eq + 1).trim()]);
  }
  for (const key of filters.keys()) {
    if (docker.includes(key)) throw new TsrunError(`filter '${key}' is not supported by tsrun ${command} (it filters by ${known.join(', ')})`);
    if (!known.includes(key)) throw new TsrunError(`invalid filter '${key}'`);
  }
  return filters;
}

/** Docker's filters.Match: the value itself, or a regular expression found in it. */
export function matches(terms: string[] | undefined, source: string): boolean {
  if (!terms) return true;
  return terms.some((term) => {
    if (term === source) return true;
    try {
      return new RegExp(term).test(source);
    } catch {
      return false;
    }
  });
}

/** Docker's MatchKVList for labels: every `key` or `key=value` given must be on the object. */
export function matchLabels(terms: string[] | undefined, labels: Record<string, string>): boolean {
  if (!terms) return true;
  return terms.every((term) => {
    const eq = term.indexOf('=');
    const key = eq === -1 ? term : term.slice(0, eq);
    if (!Object.prototype.hasOwnProperty.call(labels, key)) return false;
    return eq === -1 || labels[key] === term.slice(eq + 1);
  });
}

/** Go's path.Match, as Docker matches `reference=` patterns: `*` and `?` stop at `/`, `[...]` classes. */
export function globMatch(pattern: string, name: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end === -1) return false;
      re += `[${pattern.slice(i + 1, end).replace(/^\^/, '^').replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else re += c.replace(/[.+^${}()|\]\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`).test(name);
}
