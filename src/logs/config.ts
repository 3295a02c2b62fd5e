/**
 * `--log-driver` and `--log-opt`, checked as Docker 20.10 checks them: json-file (the default)
 * or none; json-file knows max-size (rotate the file once it holds that many bytes; unlimited
 * when not given) and max-file (how many files to keep, the current one included; 1 when not
 * given, which truncates in place at max-size).
 */
import { TsrunError } from '../sys/error';

export type LogDriver = 'json-file' | 'none';

/** As recorded in the container and shown by inspect (Docker's HostConfig.LogConfig). */
export interface LogConfig {
  type: LogDriver;
  config: Record<string, string>;
}

/** Options Docker's json-file driver accepts; tsrun acts on max-size and max-file, and keeps the others as given. */
const JSON_FILE_OPTS = new Set(['max-file', 'max-size', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag']);

export const DEFAULT_LOG_CONFIG: LogConfig = { type: 'json-file', config: {} };

/** Docker's units.FromHumanSize: decimal units (k = 1000), an optional i and b, any case. */
export function parseHumanSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(text);
  if (!m) throw new TsrunError(`invalid size: '${text}' (use a number of bytes with an optional k, m or g, e.g. 10m)`);
  const unit = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 }[(m[2] ?? '').toLowerCase() as '' | 'k'];
  return Math.floor(Number(m[1]) * unit);
}

/** Rotation limits: maxSize -1 when unlimited. */
export interface Rotation {
  maxSize: number;
  maxFile: number;
}

export function rotationOf(config: Record<string, string>): Rotation {
  let maxSize = -1;
  if (config['max-size'] !== undefined) {
    maxSize = parseHumanSize(config['max-size']);
    if (maxSize <= 0) throw new TsrunError('max-size must be a positive number');
  }
  let maxFile = 1;
  if (config['max-file'] !== undefined) {
    if (!/^[+-]?\d+$/.test(config['max-file'])) throw new TsrunError(`invalid max-file "${config['max-file']}": use a whole number of files, at least 1`);
    maxFile = Number(config['max-file']);
    if (maxFile < 1) throw new TsrunError('max-file cannot be less than 1');
  }
  if (config.compress !== undefined && /^(1|t|true)$/i.test(config.compress)) {
    throw new TsrunError('invalid log opt compress: tsrun does not compress rotated logs (use compress=false or leave it out)');
  }
  return { maxSize, maxFile };
}

/** `--log-driver` and the `--log-opt KEY=VALUE` list, as run is given them. */
export function parseLogConfig(driver: string, opts: string[]): LogConfig {
  if (driver !== 'json-file' && driver !== 'none') {
    throw new TsrunError(`logger: no log driver named '${driver}' is registered (tsrun has json-file and none)`);
  }
  const config: Record<string, string> = {};
  for (const opt of opts) {
    const eq = opt.indexOf('=');
    config[eq === -1 ? opt : opt.slice(0, eq)] = eq === -1 ? '' : opt.slice(eq + 1);
  }
  if (driver === 'none') {
    if (opts.length > 0) throw new TsrunError('invalid logging opts for driver none');
    return { type: 'none', config };
  }
  for (const key of Object.keys(config)) {
    if (!JSON_FILE_OPTS.has(key)) throw new TsrunError(`unknown log opt '${key}' for json-file log driver`);
  }
  rotationOf(config);
  return { type: 'json-file', config };
}
