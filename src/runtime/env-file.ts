/**
 * --env-file and --label-file as Docker's CLI reads them (opts/file.go): a KEY=VALUE per line,
 * the value passed through untrimmed; leading whitespace, blank lines and `#` comments
 * skipped; a bare KEY takes its value from tsrun's environment in an env file (and is dropped
 * when unset, or always in a label file). The files' entries come first, the flags' after,
 * so -e and -l override them.
 */
import { readFileSync } from 'node:fs';
import { TsrunError } from '../sys/error';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function poorly(what: string): TsrunError {
  return new TsrunError(`poorly formatted environment: ${what}`);
}

/** One file's entries; `lookup` gives a bare KEY its value (absent: the KEY is dropped). */
export function parseKeyValueFile(file: string, lookup?: (key: string) => string | undefined): string[] {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (err) {
    throw new TsrunError(`open ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
  const out: string[] = [];
  // As Go's bufio.ScanLines: lines end at \n, a \r before it is dropped.
  const lines = data.length === 0 ? [] : data.toString('latin1').split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((raw, i) => {
    const bytes = Buffer.from(raw.endsWith('\r') ? raw.slice(0, -1) : raw, 'latin1');
    let text: string;
    try {
      text = UTF8.decode(bytes);
    } catch {
      throw new TsrunError(`env file ${file} contains invalid utf8 bytes at line ${i + 1}: [${[...bytes].join(' ')}]`);
    }
    if (i === 0 && text.startsWith('\uFEFF')) text = text.slice(1);
    const line = text.replace(/^\s+/u, '');
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const key = (eq === -1 ? line : line.slice(0, eq)).replace(/^[ \t]+/, '');
    if (/[ \t]/.test(key)) throw poorly(`variable '${key}' contains whitespaces`);
    if (key === '') throw poorly(`no variable name on line '${line}'`);
    if (eq !== -1) out.push(`${key}=${line.slice(eq + 1)}`);
    else {
      const value = lookup?.(line.trim());
      if (value !== undefined) out.push(`${line.trim()}=${value}`);
    }
  });
  return out;
}

/** --env-file FILE... then -e: the environment entries in Docker's order (later ones win). */
export function envWithFiles(files: string[], env: string[], hostEnv: NodeJS.ProcessEnv = process.env): string[] {
  return [...files.flatMap((f) => parseKeyValueFile(f, (k) => hostEnv[k])), ...env];
}

/** -l/--label as Docker's CLI checks it (opts.ValidateLabel). */
function validateLabel(entry: string): void {
  const key = entry.split('=')[0]!.replace(/^[ \t]+/, '');
  const bad = (why: string): TsrunError => new TsrunError(`invalid argument "${entry}" for "-l, --label" flag: ${why}`);
  if (key === '') throw bad(`invalid label '${entry}': empty name`);
  if (/[ \t]/.test(key)) throw bad(`label '${key}' contains whitespaces`);
}

/** --label-file FILE... then -l: Docker's Config.Labels (a bare -l KEY is KEY with an empty value; later ones win). */
export function labelsWithFiles(files: string[], labels: string[]): Record<string, string> {
  labels.forEach(validateLabel);
  const out: Record<string, string> = {};
  for (const entry of [...files.flatMap((f) => parseKeyValueFile(f)), ...labels]) {
    const eq = entry.indexOf('=');
    if (eq === -1) out[entry] = '';
    else out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}
