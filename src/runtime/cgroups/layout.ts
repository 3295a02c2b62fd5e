/**
 * Which cgroup layout this host has, read from /proc/self/mountinfo: cgroup v2 unified (a
 * cgroup2 filesystem at /sys/fs/cgroup: the VM guests and most current distributions), or v1
 * (a hierarchy per controller, as on hybrid hosts such as the CI machine, where the cgroup2
 * mount under /sys/fs/cgroup/unified has no controllers and tsrun leaves it alone).
 */
import { readFileSync } from 'node:fs';
import { TsrunError } from '../../sys/error';

export interface Hierarchy {
  /** Where the host mounts it, e.g. /sys/fs/cgroup/memory. */
  mount: string;
  /** Its mount options less rw: `memory`, `cpu,cpuacct`, `name=systemd`. */
  options: string;
}

export type CgroupLayout = { version: 2; mount: string } | { version: 1; hierarchies: Hierarchy[] };

let cached: CgroupLayout | undefined;

export function cgroupLayout(): CgroupLayout {
  if (cached) return cached;
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).map((line) => {
    const [pre, post] = line.split(' - ');
    const fields = pre!.split(' ');
    const [fstype, , superOptions] = post!.split(' ');
    // Octal escapes (\040 for a space) as the kernel writes them.
    const mount = fields[4]!.replace(/\\(\d{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
    return { mount, fstype: fstype!, options: superOptions!.split(',').filter((o) => o !== 'rw' && o !== 'ro').join(',') };
  });
  const unified = mounts.find((m) => m.fstype === 'cgroup2' && m.mount === '/sys/fs/cgroup');
  const v1 = mounts.filter((m) => m.fstype === 'cgroup');
  if (unified) cached = { version: 2, mount: unified.mount };
  else if (v1.length > 0) cached = { version: 1, hierarchies: v1.map(({ mount, options }) => ({ mount, options })) };
  else throw new TsrunError('no cgroup filesystem is mounted at /sys/fs/cgroup: mount cgroup2 there (mount -t cgroup2 none /sys/fs/cgroup) or the v1 hierarchies');
  return cached;
}
