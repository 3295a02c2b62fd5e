/**
 * Container records: containers/<id>/config.json, written atomically under the lock.
 * The directory also holds the container's overlay upper and work dirs, its rootfs mount
 * point and the /etc files bind-mounted into it.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TsrunError } from '../sys/error';
import type { ProcessIdentity } from '../sys/process';
import type { Endpoint } from './networks';
import { readJson, writeJsonAtomic } from './atomic';
import { paths } from './root';

export type ContainerStatus = 'created' | 'running' | 'exited';

export interface ContainerRecord {
  id: string;
  name: string;
  created: string;
  image: { ref: string; id: string };
  /** Command and arguments as given (or the default). */
  command: string[];
  config: {
    hostname: string;
    env: string[];
    workdir: string;
    tty: boolean;
    interactive: boolean;
    network: string;
    autoRemove: boolean;
  };
  /** The endpoint on a macvlan/ipvlan network while the container runs. */
  endpoint?: Endpoint & { networkId: string; networkName: string; gateway: string; ipv6Gateway: string };
  state: {
    status: ContainerStatus;
    /** The container's PID 1 as the host sees it; 0 when not running. */
    pid: number;
    exitCode: number;
    startedAt: string;
    finishedAt: string;
    /** Why the container ended without an exit code of its own (its monitor died). */
    error: string;
    /** The process that waits for the container: the foreground `tsrun run`, or the monitor of `run -d`. */
    monitor: ProcessIdentity | null;
    /** The container's PID 1, identified beyond its pid. */
    process: ProcessIdentity | null;
  };
  /** Detached containers: where their output is kept (Docker's json-file format). */
  logPath: string;
}

export const containerDir = {
  root: (id: string) => paths.container(id),
  record: (id: string) => join(paths.container(id), 'config.json'),
  upper: (id: string) => join(paths.container(id), 'upper'),
  work: (id: string) => join(paths.container(id), 'work'),
  rootfs: (id: string) => join(paths.container(id), 'rootfs'),
  file: (id: string, name: 'hosts' | 'hostname' | 'resolv.conf') => join(paths.container(id), name),
  log: (id: string) => join(paths.container(id), `${id}-json.log`),
};

export function listContainers(): ContainerRecord[] {
  if (!existsSync(paths.containers())) return [];
  const out: ContainerRecord[] = [];
  for (const id of readdirSync(paths.containers())) {
    const rec = containerDir.record(id);
    if (existsSync(rec)) out.push(readJson<ContainerRecord>(rec));
  }
  return out;
}

/** By full id, name, or unique id prefix. */
export function findContainer(ref: string): ContainerRecord | undefined {
  const all = listContainers();
  const exact = all.find((c) => c.id === ref || c.name === ref);
  if (exact) return exact;
  const byPrefix = all.filter((c) => c.id.startsWith(ref));
  if (byPrefix.length > 1) throw new TsrunError(`container id prefix "${ref}" is ambiguous: use more characters`);
  return byPrefix[0];
}

/** Creates the record and its directories. Call under the lock. */
export function createContainerRecord(rec: ContainerRecord): void {
  if (listContainers().some((c) => c.name === rec.name)) {
    throw new TsrunError(
      `the container name "${rec.name}" is already in use (remove that container or choose another --name)`,
    );
  }
  mkdirSync(containerDir.root(rec.id), { recursive: true, mode: 0o700 });
  for (const d of [containerDir.upper(rec.id), containerDir.work(rec.id), containerDir.rootfs(rec.id)]) {
    mkdirSync(d, { mode: 0o755 });
  }
  writeContainerRecord(rec);
}

export function writeContainerRecord(rec: ContainerRecord): void {
  writeJsonAtomic(containerDir.record(rec.id), rec);
}

/** Removes the record, the upper layer and every file of the container. Call under the lock. */
export function removeContainerRecord(id: string): void {
  rmSync(containerDir.root(id), { recursive: true, force: true });
}
