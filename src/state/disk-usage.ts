/** Bytes a directory tree holds, as Docker counts a container's writable layer: file sizes, links not followed. */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function diskUsage(path: string): number {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const name of readdirSync(path)) total += diskUsage(join(path, name));
  return total;
}
