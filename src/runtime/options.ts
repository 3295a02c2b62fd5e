/** Checks of `run`'s options that need no kernel: each failure is a one-line TsrunError. */
import { TsrunError } from '../sys/error';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** RFC 1123 labels, at most 64 characters in all (HOST_NAME_MAX). */
export function validateHostname(name: string): string {
  const label = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
  if (name.length === 0 || name.length > 64 || !name.split('.').every((l) => label.test(l))) {
    throw new TsrunError(
      `invalid hostname "${name}": use letters, digits and hyphens in dot-separated labels, at most 64 characters`,
    );
  }
  return name;
}

/** Container names as Docker allows them: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
export function validateContainerName(name: string): string {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name)) {
    throw new TsrunError(`invalid container name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, at least 2 characters`);
  }
  return name;
}

/**
 * `-e KEY=VALUE` entries, and `-e KEY` which copies KEY from tsrun's own environment (and
 * is dropped when unset), as Docker does.
 */
export function parseEnv(entries: string[], hostEnv: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  for (const e of entries) {
    const eq = e.indexOf('=');
    const key = eq === -1 ? e : e.slice(0, eq);
    if (key === '' || /\s/.test(key)) {
      throw new TsrunError(`invalid environment variable "${e}": use -e KEY=VALUE with a non-empty KEY without spaces`);
    }
    if (eq !== -1) out.push(e);
    else if (hostEnv[key] !== undefined) out.push(`${key}=${hostEnv[key]}`);
  }
  return out;
}

/** The container's environment: Docker's defaults, then the user's (later entries win). */
export function containerEnv(user: string[], hostname: string, tty: boolean, home = true): string[] {
  const env = new Map<string, string>([
    ['PATH', DEFAULT_PATH],
    ['HOSTNAME', hostname],
  ]);
  if (home) env.set('HOME', '/root');
  if (tty) env.set('TERM', 'xterm');
  for (const e of user) {
    const eq = e.indexOf('=');
    env.set(e.slice(0, eq), e.slice(eq + 1));
  }
  return [...env].map(([k, v]) => `${k}=${v}`);
}

export function validateWorkdir(dir: string): string {
  if (!dir.startsWith('/')) throw new TsrunError(`invalid working directory "${dir}": it must be an absolute path`);
  return dir;
}

export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new TsrunError('tsrun needs root to create namespaces and mounts: run it with sudo');
  }
}
