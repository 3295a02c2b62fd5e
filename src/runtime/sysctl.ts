/**
 * --sysctl KEY=VALUE: the namespaced kernel settings Docker 20.10 lets a container set (its
 * CLI's whitelist: net.*, the IPC namespace's kernel.msg*, kernel.shm*, kernel.sem and
 * fs.mqueue.*), checked at run, and written by init through the container's own /proc
 * before its /proc/sys is made read-only: init runs in the container's network and IPC
 * namespaces, which is where those files lead, never to the host's settings.
 */
import { closeSync, writeSync } from 'node:fs';
import { TsrunError } from '../sys/error';
import { O, type RootDir } from '../sys/root-dir';

const IPC_KEYS = ['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced'];
const PREFIXES = ['net.', 'fs.mqueue.'];

/** Docker's CLI check (opts.ValidateSysctl), in its words. */
function whitelisted(entry: string): boolean {
  const key = entry.split('=')[0]!;
  if (!entry.includes('=')) return false;
  return IPC_KEYS.includes(key) || PREFIXES.some((p) => key.startsWith(p));
}

/**
 * The --sysctl entries as Docker's HostConfig.Sysctls keeps them (the last value of a key
 * wins). `hostNetwork`: the container shares the host's network namespace, where runc refuses
 * net.* keys (they would change the host).
 */
export function parseSysctls(entries: string[], hostNetwork: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of entries) {
    if (!whitelisted(entry)) {
      throw new TsrunError(`invalid argument "${entry}" for "--sysctl" flag: sysctl '${entry}' is not whitelisted (namespaced ones only: net.*, fs.mqueue.*, kernel.msgmax, kernel.msgmnb, kernel.msgmni, kernel.sem, kernel.shmall, kernel.shmmax, kernel.shmmni, kernel.shm_rmid_forced)`);
    }
    const eq = entry.indexOf('=');
    const key = entry.slice(0, eq);
    // Each dot-separated part becomes a directory of /proc/sys: no empty part, no slash, no `..`.
    if (!key.split('.').every((part) => /^[A-Za-z0-9_@:+-]+$/.test(part))) {
      throw new TsrunError(`invalid argument "${entry}" for "--sysctl" flag: "${key}" is not a sysctl name (dot-separated words, e.g. net.ipv4.ip_forward)`);
    }
    if (hostNetwork && key.startsWith('net.')) {
      throw new TsrunError(`sysctl "${key}" not allowed in host network namespace (--net=host shares the host's network settings; give the container a network of its own)`);
    }
    out[key] = entry.slice(eq + 1);
  }
  return out;
}

/** Writes each setting through the container's /proc (mounted by init in its namespaces), as runc does before /proc/sys turns read-only. */
export function writeSysctls(root: RootDir, sysctls: Record<string, string>): void {
  for (const [key, value] of Object.entries(sysctls)) {
    const path = `proc/sys/${key.replaceAll('.', '/')}`;
    const fd = root.open(path, O.WRONLY | O.NOFOLLOW);
    try {
      writeSync(fd, value);
    } catch (err) {
      throw new TsrunError(`sysctl ${key}=${value}: write ${root.describe(path)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message} (the kernel refused the value)`);
    } finally {
      closeSync(fd);
    }
  }
}
