/**
 * Entries under TSRUN_ROOT that are not tsrun's own records (a symlink, a name that is not an
 * id, a record naming another id): reported once by name, then left alone, never followed
 * and never deleted through. Records tsrun cannot read are reported once the same way.
 */
const reported = new Set<string>();

/** One line on stderr about `path`, once per command. */
export function reportOnce(path: string, line: string): void {
  if (reported.has(path)) return;
  reported.add(path);
  process.stderr.write(`tsrun: ${line}\n`);
}

export function reportForeign(path: string, why: string): void {
  reportOnce(path, `ignoring ${path}: ${why}`);
}
