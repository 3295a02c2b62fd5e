/**
 * Container records: containers/<id>/config.json, written atomically under the lock.
 * The directory also holds the container's overlay upper and work dirs, its rootfs mount
 * point and the /etc files bind-mounted into it.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TsrunError } from '../sys/error';
import { reportForeign, reportOnce } from './foreign';
import { isAlive, type ProcessIdentity } from '../sys/process';
import type { LogConfig } from '../logs/config';
import type { Endpoint } from './networks';
import type { MountConfig } from './mount-config';
import { removeAnonymousVolumes } from './volumes';
import { readJson, writeJsonAtomic } from './atomic';
import { isId, paths } from './root';

/** The container's privileges as asked for (Docker's HostConfig fields). */
export interface SecurityConfig {
  capAdd: string[];
  capDrop: string[];
  securityOpt: string[];
  noNewPrivileges: boolean;
  /** --privileged: every capability, no seccomp (absent for false). */
  privileged?: boolean;
  /** Docker's default profile, none, or a profile of Docker's JSON format (its text, as read at run). */
  seccomp: 'default' | 'unconfined' | { source: string; json: string };
}

/** A device cgroup rule: type, numbers (`*` for any) and a subset of rwm. */
export interface DeviceRule {
  type: 'c' | 'b';
  major: number | '*';
  minor: number | '*';
  access: string;
}

/** A --device: the host's node, where it goes in the container, and its rule. */
export interface DeviceMapping {
  host: string;
  container: string;
  rule: DeviceRule;
  /** The host node's mode, owner and group, given to the container's node. */
  mode: number;
  uid: number;
  gid: number;
}

/** The container's cgroup settings as asked for (Docker's HostConfig fields). */
export interface Resources {
  /** Podman's --cgroups=disabled: no cgroup of its own (so no limits and no device rules). */
  cgroup: boolean;
  cgroupParent: string;
  /** Bytes; 0 when unlimited. */
  memory: number;
  /** Bytes of memory plus swap; -1 unlimited; 0 when not given (Docker then allows as much swap as memory). */
  memorySwap: number;
  /** 0 when unlimited. */
  pidsLimit: number;
  /** CPUs in billionths (Docker's NanoCpus); 0 when unlimited. */
  nanoCpus: number;
  /** Relative weight; 0 when not given (the kernel's 1024). */
  cpuShares: number;
  devices: DeviceMapping[];
  /** --privileged: every device allowed (absent for false). */
  allDevices?: boolean;
}

/** --restart as asked for (Docker's HostConfig.RestartPolicy). */
export interface RestartPolicy {
  name: 'no' | 'on-failure' | 'always' | 'unless-stopped';
  /** on-failure's N; 0: no limit. */
  maximumRetryCount: number;
}

/**
 * A container's connection to one network: what the user asked for, kept while it is
 * stopped so that the next start connects it the same way, and the endpoint while plugged.
 */
export interface NetworkAttachment {
  networkId: string;
  networkName: string;
  /** --network-alias / --alias as given. */
  aliases: string[];
  /** --ip and --ip6 as given (Docker's IPAMConfig): the same addresses again at the next start. */
  ipamConfig: { ip?: string; ip6?: string };
  /** --mac-address as given. */
  macAddress?: string;
  /** The endpoint while the container runs on the network (its addresses reserved in the network's record). */
  endpoint?: AttachedEndpoint;
}

export interface AttachedEndpoint extends Endpoint {
  gateway: string;
  ipv6Gateway: string;
  /**
   * Reserved, its link perhaps not (yet) plugged: a `network connect` that died before the
   * end leaves it so, and the next command unplugs and releases it (runtime/reconcile.ts).
   * `tmpLink` is the name the link has in the container until it is renamed to `ifname`.
   */
  pending?: { tmpLink: string };
}

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
    /** --cap-add, --cap-drop, --security-opt. */
    security: SecurityConfig;
    /** --memory, --pids-limit, --cpus ... and --cgroup-parent, --device. */
    resources: Resources;
    /** --log-driver and --log-opt (absent in records of before them: json-file, unlimited). */
    log?: LogConfig;
    /** --add-host (NAME:IP as given; hostGateway is what host-gateway stood for), --dns, --dns-search, --dns-option; absent in records of before them. */
    extraHosts?: string[];
    hostGateway?: string;
    dns?: string[];
    dnsSearch?: string[];
    dnsOptions?: string[];
    /** --restart (absent in records of before it: no). */
    restartPolicy?: RestartPolicy;
    /** -v, --mount and --tmpfs (absent in records of before them). */
    mounts?: MountConfig[];
    /** --sysctl as Docker's HostConfig.Sysctls (absent in records of before it). */
    sysctls?: Record<string, string>;
    /** -l/--label and --label-file as Docker's Config.Labels (absent in records of before them). */
    labels?: Record<string, string>;
    /** --entrypoint (Docker's Config.Entrypoint); absent for none. `command` is then its arguments. */
    entrypoint?: string[];
    /** -u/--user as given (Docker's Config.User); absent for none. */
    user?: string;
    /** --read-only (Docker's HostConfig.ReadonlyRootfs); absent for false. */
    readOnly?: boolean;
  };
  /**
   * The networks it is connected to, by name (Docker's NetworkSettings.Networks), in the
   * order they were connected; absent with --net=none or host.
   */
  networks?: Record<string, NetworkAttachment>;
  /**
   * The N of the next ethN plugged while it runs: as libnetwork counts, never reused within
   * one run (connect, disconnect, connect gives eth0, eth1, eth2); absent (0) at each start.
   */
  nextEth?: number;
  state: {
    status: ContainerStatus;
    /** The container's PID 1 as the host sees it; 0 when not running. */
    pid: number;
    exitCode: number;
    /** The kernel's OOM killer killed a process of the container. */
    oomKilled: boolean;
    startedAt: string;
    finishedAt: string;
    /** Why the container ended without an exit code of its own (its monitor died). */
    error: string;
    /**
     * The process that starts and waits for the container (the foreground `tsrun run` or
     * `start -a`, or the supervisor of `run -d` and `start`); null when none does (created, or
     * exited). `claim` tells apart the runs and starts that one supervisor carries out at once.
     */
    monitor: (ProcessIdentity & { claim?: string }) | null;
    /**
     * Made by a `run` that has not yet started its command: if that run dies, nothing of the
     * container is left (a `start` that dies leaves the container as it was).
     */
    ephemeral?: true;
    /** Being restarted: its end is recorded even with --rm, for the start that follows (Docker's restart). */
    keepOnExit?: true;
    /** Its monitor waits out the back-off of its restart policy before starting it again (Docker's Restarting). */
    restarting?: true;
    /** Starts made by its restart policy since the last start by hand (Docker's RestartCount). */
    restartCount?: number;
    /** Ended by stop or kill: its restart policy does not start it again (Docker's HasBeenManuallyStopped). */
    manuallyStopped?: true;
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

/**
 * The entries of containers/ that are container directories of tsrun: named by a 64-hex id,
 * real directories (not symlinks). Anything else is reported once and left alone.
 */
export function containerDirs(): string[] {
  if (!existsSync(paths.containers())) return [];
  // The entries' types come with the listing (no lstat each): a listing reads every directory.
  const dirs: string[] = [];
  for (const entry of readdirSync(paths.containers(), { withFileTypes: true })) {
    const path = join(paths.containers(), entry.name);
    if (!isId(entry.name)) reportForeign(path, 'not a container of tsrun (its name is not a 64-hex id)');
    else if (!entry.isDirectory()) reportForeign(path, 'not a container of tsrun (a symlink or a file, not a directory)');
    else dirs.push(entry.name);
  }
  return dirs;
}

/**
 * A container directory whose record cannot be used (empty, torn, not JSON, not the shape
 * tsrun writes, or naming another id): Docker's `Dead` state. It is listed as such and
 * `rm` removes it; every other container keeps working.
 */
export interface DeadContainer {
  id: string;
  path: string;
  why: string;
}

/** What makes every other part of tsrun safe to read a record: the fields it relies on, of their types. */
function shapeProblem(rec: unknown, id: string): string | undefined {
  const r = rec as Partial<ContainerRecord> | null;
  if (typeof r !== 'object' || r === null) return 'it is not a JSON object';
  if (r.id !== id) return `it names the id "${String(r.id)}", not its directory's`;
  if (typeof r.name !== 'string' || !Array.isArray(r.command) || typeof r.config !== 'object' || r.config === null) return 'it lacks the name, command or config tsrun writes';
  if (typeof r.state !== 'object' || r.state === null || !['created', 'running', 'exited'].includes(r.state.status)) return 'it lacks a valid state';
  return undefined;
}

/** Records of before several networks per container kept their one endpoint in `endpoint`. */
interface LegacyFields {
  endpoint?: Endpoint & { networkId: string; networkName: string; gateway: string; ipv6Gateway: string };
}

/** A record as tsrun now writes it, whatever version wrote it. */
function upgrade(rec: ContainerRecord & LegacyFields): ContainerRecord {
  if (rec.networks !== undefined) return rec;
  const { endpoint, ...rest } = rec;
  if (endpoint) {
    const { networkId, networkName, ...ep } = endpoint;
    return { ...rest, networks: { [networkName]: { networkId, networkName, aliases: [], ipamConfig: {}, endpoint: ep } } };
  }
  const net = rec.config.network;
  if (net === 'none' || net === 'host') return rest;
  // Stopped before: only the network's name was kept (its id is found again by name).
  return { ...rest, networks: { [net]: { networkId: '', networkName: net, aliases: [], ipamConfig: {} } } };
}

function readRecord(id: string): ContainerRecord | DeadContainer | undefined {
  const path = containerDir.record(id);
  let why: string | undefined;
  try {
    const rec = readJson<ContainerRecord>(path);
    why = shapeProblem(rec, id);
    if (why === undefined) return upgrade(rec);
  } catch (err) {
    if (err instanceof TsrunError && err.errno === 'ENOENT') return undefined; // a run killed before its record: reconcile removes it
    why = (err as Error).message;
  }
  const dead = { id, path, why };
  reportOnce(path, `container ${id.slice(0, 12)} is Dead: its record ${path} cannot be read (${why}); remove it with 'tsrun rm -f ${id.slice(0, 12)}'`);
  return dead;
}

/** The record if it can be read as one; a Dead container has no volumes to remove. */
function tryRead(id: string): ContainerRecord | undefined {
  try {
    const rec = readJson<ContainerRecord>(containerDir.record(id));
    return shapeProblem(rec, id) === undefined ? rec : undefined;
  } catch {
    return undefined;
  }
}

const isDead = (r: ContainerRecord | DeadContainer): r is DeadContainer => 'why' in r && 'path' in r && !('state' in r);

/** One container by its full id, read alone (a command that knows the id need not read every record); undefined if gone or Dead. */
export function containerById(id: string): ContainerRecord | undefined {
  const r = isId(id) ? readRecord(id) : undefined;
  return r && !isDead(r) ? r : undefined;
}

function scan(): Array<ContainerRecord | DeadContainer> {
  return containerDirs()
    .map(readRecord)
    .filter((r): r is ContainerRecord | DeadContainer => r !== undefined);
}

/**
 * Every container directory read once: the records, the Dead ones, and whether some
 * directory is half made (no record: a run killed, or under way, between the two).
 */
export function scanContainers(): { records: ContainerRecord[]; dead: DeadContainer[]; halfMade: boolean } {
  const records: ContainerRecord[] = [];
  const dead: DeadContainer[] = [];
  let halfMade = false;
  for (const id of containerDirs()) {
    const r = readRecord(id);
    if (r === undefined) halfMade = true;
    else if (isDead(r)) dead.push(r);
    else records.push(r);
  }
  return { records, dead, halfMade };
}

export function listContainers(): ContainerRecord[] {
  return scan().filter((r): r is ContainerRecord => !isDead(r));
}

export function listDeadContainers(): DeadContainer[] {
  return scan().filter(isDead);
}

/** A Dead container by full id or unique id prefix (it has no name any more). */
export function findDeadContainer(ref: string, all = listDeadContainers()): DeadContainer | undefined {
  const matches = all.filter((d) => d.id.startsWith(ref));
  if (matches.length > 1) throw new TsrunError(`container id prefix "${ref}" is ambiguous: use more characters`);
  return ref.length > 0 ? matches[0] : undefined;
}

/** By full id, name, or unique id prefix. */
export function findContainer(ref: string, all = listContainers()): ContainerRecord | undefined {
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
  try {
    for (const d of [containerDir.upper(rec.id), containerDir.work(rec.id), containerDir.rootfs(rec.id)]) {
      mkdirSync(d, { mode: 0o755 });
    }
    writeContainerRecord(rec);
  } catch (err) {
    removeContainerRecord(rec.id);
    throw err;
  }
}

/** A run or start of the container is under way: its monitor lives and its command does not run yet. */
export function isStarting(rec: ContainerRecord): boolean {
  return rec.state.status !== 'running' && isAlive(rec.state.monitor);
}

export function writeContainerRecord(rec: ContainerRecord): void {
  writeJsonAtomic(containerDir.record(rec.id), rec);
}

/**
 * Removes the record, the upper layer and every file of the container. Call under the lock.
 * Its anonymous volumes go with it when asked (rm -v), with --rm, and for a run that never
 * started its command (nothing of it is left), as Docker does.
 */
export function removeContainerRecord(id: string, volumes = false): void {
  const rec = lstatSync(containerDir.record(id), { throwIfNoEntry: false }) ? tryRead(id) : undefined;
  if (rec && (volumes || rec.config.autoRemove || rec.state.ephemeral)) removeAnonymousVolumes(rec);
  rmSync(containerDir.root(id), { recursive: true, force: true });
}
