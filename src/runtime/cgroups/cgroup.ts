/**
 * A container's cgroup: `<parent>/<id>` (parent `tsrun` unless --cgroup-parent says
 * otherwise) in the unified hierarchy on cgroup v2, in every hierarchy on v1. It is made,
 * limited and given its device rules before the container's init joins it, and removed
 * (whatever is left in it killed first) when the container is removed, or by reconciliation
 * after a crash. No systemd involved: tsrun writes the cgroup files itself.
 */
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmdirSync, writeFileSync, constants } from 'node:fs';
import { join } from 'node:path';
import { attachDeviceProgram, loadDeviceProgram } from '../../sys/bpf';
import { fromNodeError, TsrunError } from '../../sys/error';
import { cgroupLayout, type CgroupLayout } from './layout';
import type { ContainerRecord, DeviceRule, Resources } from '../../state/containers';
import { ALL_DEVICES, DEFAULT_DEVICE_RULES, deviceProgram, v1Line } from './devices';

/** Controllers a container's cgroup uses on v2 (enabled down the parent path when the host has them). */
const V2_CONTROLLERS = ['cpu', 'cpuset', 'io', 'memory', 'pids'];
const CFS_PERIOD_US = 100_000;

function write(path: string, value: string | number): void {
  try {
    writeFileSync(path, String(value));
  } catch (err) {
    throw fromNodeError(err, `write ${value} to ${path}`);
  }
}

function read(path: string): string {
  return readFileSync(path, 'utf8');
}

/** A `key value` line of a flat keyed file (memory.events, memory.stat, cpu.stat). */
export function keyed(text: string, key: string): number {
  const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** The hierarchy directories a cgroup path names in this layout. */
function dirsOf(layout: CgroupLayout, path: string): string[] {
  return layout.version === 2 ? [join(layout.mount, path)] : layout.hierarchies.map((h) => join(h.mount, path));
}

/** v2: what a cgroup's children may use, enabled in its cgroup.subtree_control. */
function enableControllers(dir: string): void {
  const available = read(join(dir, 'cgroup.controllers')).split(/\s+/);
  const enabled = new Set(read(join(dir, 'cgroup.subtree_control')).split(/\s+/));
  const wanted = V2_CONTROLLERS.filter((c) => available.includes(c) && !enabled.has(c));
  if (wanted.length > 0) write(join(dir, 'cgroup.subtree_control'), wanted.map((c) => `+${c}`).join(' '));
}

/** v1 cpuset: a new cgroup has no CPUs or memory nodes until given its parent's. */
function inheritCpuset(dir: string): void {
  for (const f of ['cpuset.cpus', 'cpuset.mems']) {
    if (existsSync(join(dir, f)) && read(join(dir, f)).trim() === '') write(join(dir, f), read(join(dir, '..', f)).trim());
  }
}

/** Makes `path` below each hierarchy root, level by level, each ready for children. */
function makeDirs(layout: CgroupLayout, path: string): void {
  const parts = path.split('/');
  const roots = layout.version === 2 ? [layout.mount] : layout.hierarchies.map((h) => h.mount);
  for (const root of roots) {
    let dir = root;
    if (layout.version === 2) enableControllers(dir);
    parts.forEach((part, i) => {
      dir = join(dir, part);
      try {
        mkdirSync(dir);
      } catch (err) {
        // An existing parent is shared with other containers; an existing leaf is a leftover.
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || i === parts.length - 1) throw fromNodeError(err, `create cgroup ${dir}`);
      }
      if (layout.version === 1) inheritCpuset(dir);
      else if (i < parts.length - 1) enableControllers(dir);
    });
  }
}

export class ContainerCgroup {
  private constructor(
    private readonly layout: CgroupLayout,
    /** One directory per hierarchy (one on v2). */
    readonly dirs: string[],
  ) {}

  /** The cgroup of container `id` as it exists (or not) now. */
  static of(id: string, parent: string): ContainerCgroup {
    const layout = cgroupLayout();
    return new ContainerCgroup(layout, dirsOf(layout, `${parent}/${id}`));
  }

  /** The cgroup of a recorded container; null when it has none (--cgroups=disabled). */
  static ofContainer(rec: ContainerRecord): ContainerCgroup | null {
    // Records written before tsrun made cgroups have no resources: their cgroup would be tsrun's default.
    const res = rec.config.resources as Resources | undefined;
    if (res?.cgroup === false) return null;
    return ContainerCgroup.of(rec.id, res?.cgroupParent ?? 'tsrun');
  }

  /** Makes the cgroup with its limits and device rules; on any failure nothing is left. */
  static create(id: string, res: Resources): ContainerCgroup {
    const cg = ContainerCgroup.of(id, res.cgroupParent);
    // A leftover of a killed run with this id (there is none in practice) goes first.
    if (cg.exists()) cg.remove();
    try {
      // A failure in any hierarchy removes what the others got.
      makeDirs(cg.layout, `${res.cgroupParent}/${id}`);
      cg.limit(res);
      cg.allowDevices(res.allDevices ? ALL_DEVICES : [...DEFAULT_DEVICE_RULES, ...res.devices.map((d) => d.rule)]);
    } catch (err) {
      cg.remove();
      throw err;
    }
    return cg;
  }

  exists(): boolean {
    return this.dirs.some((d) => existsSync(d));
  }

  /** The directory of this cgroup that has `file` (on v1, the hierarchy of its controller). */
  private fileOf(file: string): string | undefined {
    const dir = this.dirs.find((d) => existsSync(join(d, file)));
    return dir && join(dir, file);
  }

  private set(file: string, value: string | number, required = true): void {
    const path = this.fileOf(file);
    if (path) write(path, value);
    else if (required) throw new TsrunError(`this host's cgroups have no ${file}: its controller is not enabled (see /proc/cgroups)`);
  }

  private limit(r: Resources): void {
    const v2 = this.layout.version === 2;
    if (r.memory > 0) {
      this.set(v2 ? 'memory.max' : 'memory.limit_in_bytes', r.memory);
      // Docker's default allows as much swap as memory; -1 is unlimited.
      const total = r.memorySwap === -1 ? -1 : r.memorySwap || 2 * r.memory;
      if (v2) this.set('memory.swap.max', total === -1 ? 'max' : total - r.memory, false);
      else this.set('memory.memsw.limit_in_bytes', total, false);
    }
    if (r.pidsLimit > 0) this.set('pids.max', r.pidsLimit);
    if (r.nanoCpus > 0) {
      const quota = Math.round((r.nanoCpus * CFS_PERIOD_US) / 1e9);
      if (v2) this.set('cpu.max', `${quota} ${CFS_PERIOD_US}`);
      else {
        this.set('cpu.cfs_period_us', CFS_PERIOD_US);
        this.set('cpu.cfs_quota_us', quota);
      }
    }
    if (r.cpuShares > 0) {
      // cgroup v2's weight (1-10000) for Docker's shares (2-262144), as runc converts them.
      if (v2) this.set('cpu.weight', 1 + Math.floor(((r.cpuShares - 2) * 9999) / 262142));
      else this.set('cpu.shares', r.cpuShares);
    }
  }

  private allowDevices(rules: DeviceRule[]): void {
    if (this.layout.version === 1) {
      this.set('devices.deny', 'a');
      for (const rule of rules) this.set('devices.allow', v1Line(rule));
      return;
    }
    const prog = loadDeviceProgram(deviceProgram(rules));
    try {
      const dir = openSync(this.dirs[0]!, constants.O_RDONLY | constants.O_DIRECTORY);
      try {
        attachDeviceProgram(dir, prog, this.dirs[0]!);
      } finally {
        closeSync(dir);
      }
    } finally {
      closeSync(prog);
    }
  }

  /** Moves process `pid` (all its threads) into the cgroup. */
  join(pid: number): void {
    for (const dir of this.dirs) write(join(dir, 'cgroup.procs'), pid);
  }

  /** Did the kernel's OOM killer kill anything in it? */
  oomKilled(): boolean {
    const v2 = this.fileOf('memory.events');
    if (v2) return keyed(read(v2), 'oom_kill') > 0;
    const v1 = this.fileOf('memory.oom_control');
    return v1 ? keyed(read(v1), 'oom_kill') > 0 : false;
  }

  /** The pids in it, as the host sees them. */
  pids(): number[] {
    const procs = this.fileOf('cgroup.procs');
    if (!procs) return [];
    return read(procs).split('\n').filter(Boolean).map(Number);
  }

  /** Kills whatever is still in it and removes its directories. */
  remove(): void {
    for (let attempt = 0; ; attempt++) {
      const left = this.dirs.filter((d) => existsSync(d));
      if (left.length === 0) return;
      for (const dir of left) {
        try {
          rmdirSync(dir);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') continue;
          if (code !== 'EBUSY' || attempt >= 100) throw fromNodeError(err, `remove cgroup ${dir}`);
          for (const pid of read(join(dir, 'cgroup.procs')).split('\n').filter(Boolean)) {
            try {
              process.kill(Number(pid), 'SIGKILL');
            } catch {
              // gone already
            }
          }
        }
      }
      if (this.dirs.some((d) => existsSync(d))) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

/** The cgroup directories of this process, one per hierarchy, as /proc/self/cgroup names them. */
export function ownCgroupDirs(): string[] {
  const layout = cgroupLayout();
  const lines = read('/proc/self/cgroup').split('\n').filter(Boolean).map((l) => {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(l)!;
    return { controllers: controllers!, path: path! };
  });
  if (layout.version === 2) return [join(layout.mount, lines.find((l) => l.controllers === '')!.path)];
  return layout.hierarchies.map((h) => {
    const line = lines.find((l) => l.controllers === h.options);
    if (!line) throw new TsrunError(`this process is in no cgroup of the ${h.options} hierarchy (see /proc/self/cgroup)`);
    return join(h.mount, line.path);
  });
}
