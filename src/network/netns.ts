/**
 * Named network namespaces, as `ip netns add/del` makes them: a namespace kept alive by a
 * bind mount of its nsfs file on /run/netns/NAME, so iproute2 (`ip -n NAME`, `ip netns
 * exec NAME`) sees tsrun's namespaces and tsrun sees iproute2's.
 */
import { closeSync, existsSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { TsrunError } from '../sys/error';
import { bindMount, MNT_DETACH, umount } from '../sys/mount';
import { CLONE, NamespaceSet, unshare } from '../sys/namespace';
import type { Explain } from './netlink/handle';

const DIR = '/run/netns';

export function netnsPath(name: string): string {
  return `${DIR}/${name}`;
}

export function netnsExists(name: string): boolean {
  return existsSync(netnsPath(name));
}

export function netnsAdd(name: string, explain?: Explain): void {
  const path = netnsPath(name);
  if (existsSync(path)) throw new TsrunError(`network namespace ${name} already exists`);
  explain?.(`ip netns add ${name}`);
  mkdirSync(DIR, { recursive: true, mode: 0o755 });
  closeSync(openSync(path, 'wx', 0o444));
  const home = NamespaceSet.ofThisThread(['net']);
  try {
    unshare(CLONE.NEWNET, `network namespace ${name}`);
    bindMount('/proc/thread-self/ns/net', path);
  } catch (err) {
    rmSync(path, { force: true });
    throw err;
  } finally {
    home.return();
    home.close();
  }
}

/** Unmounts and removes the name; the namespace itself goes once nothing else holds it. */
export function netnsDel(name: string, explain?: Explain): void {
  const path = netnsPath(name);
  if (!existsSync(path)) return;
  explain?.(`ip netns del ${name}`);
  try {
    umount(path, MNT_DETACH);
  } catch (err) {
    if ((err as TsrunError).errno !== 'EINVAL') throw err; // EINVAL: not mounted (a half-made name)
  }
  rmSync(path, { force: true });
}
