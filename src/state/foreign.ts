/**
 * Entries under TSRUN_ROOT that are not tsrun's own records (a symlink, a name that is not an
 * id, a record naming another id): reported once by name, then left alone, never followed
 * and never deleted through.
 */
const reported = new Set<string>();

export function reportForeign(path: string, why: string): void {
  if (reported.has(path)) return;
  reported.add(path);
  process.stderr.write(`tsrun: ignoring ${path}: ${why}\n`);
}
