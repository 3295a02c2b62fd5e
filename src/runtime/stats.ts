/**
 * `tsrun stats`: a container's resource use, read from its cgroup (CPU time, memory, block
 * I/O, processes) and its network namespace (bytes through its interfaces), as Docker reports
 * them. CPU % needs two samples: the container's CPU time against the host's over the interval.
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { ContainerRecord } from '../state/containers';
import { ContainerCgroup, keyed } from './cgroups/cgroup';

export interface Sample {
  /** CPU time of the container and of the host, in nanoseconds. */
  cpuNs: number;
  systemNs: number;
  memUsage: number;
  memLimit: number;
  netRx: number;
  netTx: number;
  blkRead: number;
  blkWrite: number;
  pids: number;
}

/** USER_HZ: /proc/stat counts in hundredths of a second on every Linux architecture tsrun runs on. */
const TICK_NS = 1e7;

function hostCpuNs(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 8);
  return fields.reduce((sum, f) => sum + Number(f), 0) * TICK_NS;
}

function readIn(dirs: string[], file: string): string | undefined {
  const dir = dirs.find((d) => existsSync(join(d, file)));
  return dir === undefined ? undefined : readFileSync(join(dir, file), 'utf8');
}

/** Bytes through every interface of the container's network namespace but lo. */
function network(rec: ContainerRecord): { rx: number; tx: number } {
  if (rec.config.network === 'host') return { rx: 0, tx: 0 };
  let rx = 0;
  let tx = 0;
  try {
    for (const line of readFileSync(`/proc/${rec.state.pid}/net/dev`, 'utf8').split('\n').slice(2)) {
      const m = /^\s*([^:]+):\s*(.*)$/.exec(line);
      if (!m || m[1] === 'lo') continue;
      const f = m[2]!.trim().split(/\s+/).map(Number);
      rx += f[0]!;
      tx += f[8]!;
    }
  } catch {
    // it ended meanwhile
  }
  return { rx, tx };
}

function blockIo(dirs: string[]): { read: number; write: number } {
  const v2 = readIn(dirs, 'io.stat');
  if (v2 !== undefined) {
    const sum = (key: string): number => [...v2.matchAll(new RegExp(`\\b${key}=(\\d+)`, 'g'))].reduce((s, m) => s + Number(m[1]), 0);
    return { read: sum('rbytes'), write: sum('wbytes') };
  }
  const v1 = readIn(dirs, 'blkio.throttle.io_service_bytes_recursive') ?? '';
  const sum = (op: string): number => [...v1.matchAll(new RegExp(`^\\d+:\\d+ ${op} (\\d+)$`, 'gm'))].reduce((s, m) => s + Number(m[1]), 0);
  return { read: sum('Read'), write: sum('Write') };
}

export function sample(rec: ContainerRecord): Sample {
  const dirs = ContainerCgroup.ofContainer(rec)?.dirs ?? [];
  const cpuV2 = readIn(dirs, 'cpu.stat');
  const cpuNs = cpuV2 !== undefined && cpuV2.includes('usage_usec') ? keyed(cpuV2, 'usage_usec') * 1000 : Number(readIn(dirs, 'cpuacct.usage') ?? 0);
  const stat = readIn(dirs, 'memory.stat') ?? '';
  const current = readIn(dirs, 'memory.current') ?? readIn(dirs, 'memory.usage_in_bytes') ?? '0';
  // Docker leaves out the page cache the kernel can drop at once (inactive files).
  const inactive = stat.includes('total_inactive_file') ? keyed(stat, 'total_inactive_file') : keyed(stat, 'inactive_file');
  const max = (readIn(dirs, 'memory.max') ?? readIn(dirs, 'memory.limit_in_bytes') ?? 'max').trim();
  const host = totalmem();
  const net = network(rec);
  const blk = blockIo(dirs);
  return {
    cpuNs,
    systemNs: hostCpuNs(),
    memUsage: Math.max(0, Number(current) - inactive),
    memLimit: max === 'max' || Number(max) > host ? host : Number(max),
    netRx: net.rx,
    netTx: net.tx,
    blkRead: blk.read,
    blkWrite: blk.write,
    pids: Number((readIn(dirs, 'pids.current') ?? '0').trim()),
  };
}

/** Docker's CPU %: the container's share of all CPUs' time over the interval, times the CPU count. */
export function cpuPercent(before: Sample, after: Sample): number {
  const system = after.systemNs - before.systemNs;
  const used = after.cpuNs - before.cpuNs;
  return system > 0 && used > 0 ? (used / system) * cpus().length * 100 : 0;
}
