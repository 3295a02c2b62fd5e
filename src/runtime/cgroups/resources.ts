/**
 * Docker's resource options: --memory, --memory-swap, --pids-limit, --cpus, --cpu-shares,
 * --cgroup-parent and --device, with Docker's units, checks and messages. What they allow is
 * recorded with the container (inspect's HostConfig) and written to its cgroup.
 */
import { cpus } from 'node:os';
import { TsrunError } from '../../sys/error';
import type { Resources } from '../../state/containers';
import { parseDevice } from './devices';

export interface ResourceOptions {
  /** Podman's --cgroups: enabled (the default) or disabled. */
  cgroups?: string;
  cgroupParent?: string;
  memory?: string;
  memorySwap?: string;
  pidsLimit?: string;
  cpus?: string;
  cpuShares?: string;
  devices: string[];
}

/** Docker's minimum for --memory. */
const MIN_MEMORY = 6 * 1024 * 1024;

/** `512m`, `1g`, `100000`: binary multiples, as Docker's RAMInBytes reads them. */
export function parseBytes(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(text.trim());
  if (!m) throw new TsrunError(`invalid argument "${text}" for "${flag}" flag: invalid size: '${text}' (e.g. 512m, 1g)`);
  const power = m[2] ? 'kmgtp'.indexOf(m[2].toLowerCase()) + 1 : 0;
  return Math.floor(Number(m[1]) * 1024 ** power);
}

function parseInteger(text: string, flag: string): number {
  if (!/^-?\d+$/.test(text.trim())) throw new TsrunError(`invalid argument "${text}" for "${flag}" flag: not an integer`);
  return Number(text);
}

function parseCgroupParent(text: string): string {
  const parts = text.split('/').filter(Boolean);
  if (parts.length === 0 || parts.some((p) => p === '.' || p === '..' || !/^[A-Za-z0-9_.:@-]+$/.test(p))) {
    throw new TsrunError(`invalid --cgroup-parent "${text}": use a path of names (letters, digits, _ . - : @) such as tsrun or labs/week1`);
  }
  return parts.join('/');
}

export function parseResources(o: ResourceOptions): Resources {
  const memory = o.memory === undefined ? 0 : parseBytes(o.memory, '-m, --memory');
  if (memory !== 0 && memory < MIN_MEMORY) throw new TsrunError('Minimum memory limit allowed is 6MB');
  let memorySwap = 0;
  if (o.memorySwap !== undefined) {
    memorySwap = o.memorySwap.trim() === '-1' ? -1 : parseBytes(o.memorySwap, '--memory-swap');
    if (memory === 0) throw new TsrunError('You should always set the Memory limit when using Memoryswap limit, see usage');
    if (memorySwap !== -1 && memorySwap < memory) throw new TsrunError('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  let pidsLimit = o.pidsLimit === undefined ? 0 : parseInteger(o.pidsLimit, '--pids-limit');
  if (pidsLimit < 0) pidsLimit = 0;
  let nanoCpus = 0;
  if (o.cpus !== undefined) {
    const n = Number(o.cpus);
    if (!/^\d*\.?\d+$/.test(o.cpus.trim()) || !Number.isFinite(n)) {
      throw new TsrunError(`invalid argument "${o.cpus}" for "--cpus" flag: failed to parse ${o.cpus} as a rational number`);
    }
    nanoCpus = Math.round(n * 1e9);
    const available = cpus().length;
    if (nanoCpus < 1e7 || nanoCpus > available * 1e9) {
      throw new TsrunError(`Range of CPUs is from 0.01 to ${available}.00, as there are only ${available} CPUs available`);
    }
  }
  let cpuShares = o.cpuShares === undefined ? 0 : parseInteger(o.cpuShares, '-c, --cpu-shares');
  // The kernel's range, as Docker clamps it.
  if (cpuShares !== 0) cpuShares = Math.min(262144, Math.max(2, cpuShares));
  const cgroup = o.cgroups === undefined || o.cgroups === 'enabled';
  if (!cgroup) {
    if (o.cgroups !== 'disabled') throw new TsrunError(`invalid --cgroups "${o.cgroups}": use enabled or disabled`);
    const limited = [o.memory, o.memorySwap, o.pidsLimit, o.cpus, o.cpuShares, o.cgroupParent].some((v) => v !== undefined) || o.devices.length > 0;
    if (limited) throw new TsrunError('--cgroups=disabled leaves the container without a cgroup: it cannot take --memory, --pids-limit, --cpus, --cpu-shares, --cgroup-parent or --device');
  }
  return {
    cgroup,
    cgroupParent: parseCgroupParent(o.cgroupParent ?? 'tsrun'),
    memory,
    memorySwap,
    pidsLimit,
    nanoCpus,
    cpuShares,
    devices: o.devices.map(parseDevice),
  };
}
