/**
 * --privileged gives the container every device node of the host, as Docker 20.10 does (runc's
 * devices.HostDevices): each character and block device under the host's /dev, found when the
 * container starts, except those /dev already has (the standard six, ptmx, the pts, shm and
 * mqueue mounts) and the console.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { InitSpec } from './spec';

/** Directories runc leaves out of the walk. */
const SKIP_DIRS = new Set(['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev']);
/** What the container's /dev has of its own. */
const OWN = new Set(['console', 'ptmx', 'null', 'zero', 'full', 'random', 'urandom', 'tty']);

export function hostDevices(dir = '/dev'): InitSpec['devices'] {
  const out: InitSpec['devices'] = [];
  const walk = (path: string, top: boolean): void => {
    for (const name of readdirSync(path)) {
      const full = join(path, name);
      const st = lstatSync(full, { throwIfNoEntry: false });
      if (!st) continue; // gone meanwhile
      if (st.isDirectory()) {
        if (!SKIP_DIRS.has(name)) walk(full, false);
      } else if ((st.isCharacterDevice() || st.isBlockDevice()) && !(top && OWN.has(name))) {
        // The kernel's old_encode_dev packing, as sys/file.ts makedev() builds it back.
        const major = Number((BigInt(st.rdev) >> 8n) & 0xfffn);
        const minor = Number((BigInt(st.rdev) & 0xffn) | ((BigInt(st.rdev) >> 12n) & 0xfff00n));
        out.push({ path: full, type: st.isCharacterDevice() ? 'c' : 'b', major, minor, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid });
      }
    }
  };
  walk(dir, true);
  return out;
}
