/** The files of a container's log: `<id>-json.log` and, once rotated, `<id>-json.log.1` (newest) ... `.N`, as Docker names them. */
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export const rotatedPath = (path: string, n: number): string => `${path}.${n}`;

/** The rotated files that exist, newest first (.1, .2 ...). */
export function rotatedFiles(path: string): string[] {
  const base = `${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(base) && /^[1-9]\d*$/.test(n.slice(base.length)))
    .map((n) => Number(n.slice(base.length)))
    .sort((a, b) => a - b)
    .map((n) => join(dirname(path), `${base}${n}`));
}

/** Every file of the log, oldest first: the rotated ones, then the current one. */
export function logFiles(path: string): string[] {
  return [...rotatedFiles(path).reverse(), path];
}
