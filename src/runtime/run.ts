/**
 * Running a container: `run` (a new container) and `start` (a created or stopped one) share
 * this path. The process that waits for it (the foreground `tsrun run` or `start -a`, or the
 * monitor of `run -d` and `start`) claims the record, starts init in fresh namespaces, plugs
 * its networks while init boots, lets it exec, relays its terminal, waits, records its exit
 * and releases its addresses. A failure before the command runs kills init and undoes the
 * start: a run's container is removed, a start's left as it was.
 */
import { lstatSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { hostname as hostHostname } from 'node:os';
import { basename } from 'node:path';
import { Writable } from 'node:stream';
import { imageRootfs, requireImage } from '../image/store';
import { keepExit } from '../state/exits';
import { newId, shortId } from '../state/id';
import { reportOnce } from '../state/foreign';
import { withLock } from '../state/lock';
import { listNetworks } from '../state/networks';
import {
  containerDir,
  createContainerRecord,
  containerById,
  findContainer,
  isStarting,
  listContainers,
  removeContainerRecord,
  writeContainerRecord,
  type ContainerRecord,
} from '../state/containers';
import { isNoSpace, TsrunError } from '../sys/error';
import { identify } from '../sys/process';
import { RootDir } from '../sys/root-dir';
import { openPtyMaster } from '../sys/tty';
import { attach, onSignals } from './attach';
import { ContainerNetwork } from './container-network';
import { hostHostsFile, hostsFile, resolvConf } from './etc-files';
import { addedHosts, hostGatewayIp, nameConfig, type NameFlags } from './dns-options';
import { faultPoint } from './fault';
import { networkHostsFile } from './hosts';
import { parseLogConfig, rotationOf } from '../logs/config';
import { LogWriter, type Stream } from '../logs/writer';
import { generateName } from './names';
import { containerEnv, parseEnv, requireRoot, validateContainerName, validateHostname, validateWorkdir } from './options';
import { spawnInit, waitForExit, type InitProcess } from './parent';
import type { ContainerCgroup } from './cgroups/cgroup';
import { cgroupLayout } from './cgroups/layout';
import { parseResources, type ResourceOptions } from './cgroups/resources';
import { securityConfig } from './security';
import { parseSysctls } from './sysctl';
import { hostDevices } from './host-devices';
import { containerArgv, entrypointAndCmd } from './entrypoint';
import type { CgroupMounts, InitSpec } from './spec';
import { ContainerStdio, type StdioPlan } from './stdio';
import { reconcile } from './reconcile';
import { Backoff, parseRestartPolicy, shouldRestart } from './restart-policy';
import { relayPty, type PtyEnds, type PtyRelay } from './tty-relay';
import { parseMounts } from './mounts';
import { checkMountSources, initMounts } from './volume-mounts';

export interface RunOptions {
  image: string;
  command: string[];
  name?: string;
  hostname?: string;
  env: string[];
  workdir?: string;
  interactive: boolean;
  tty: boolean;
  rm: boolean;
  detach: boolean;
  /** Print each kernel operation as an iproute2 command (the monitor sends them to the launcher). */
  explain?: boolean;
  /** none, host, or a network's name or id. */
  net: string;
  ip?: string;
  ip6?: string;
  macAddress?: string;
  /** --network-alias (repeatable): names on the network besides the container's name. */
  networkAliases?: string[];
  capAdd: string[];
  capDrop: string[];
  securityOpt: string[];
  resources: ResourceOptions;
  /** --log-driver and --log-opt (json-file when not given). */
  logDriver?: string;
  logOpts?: string[];
  /** --add-host, --dns, --dns-search, --dns-option. */
  names?: NameFlags;
  /** --restart (no when not given). */
  restart?: string;
  /** -v/--volume, --mount, --tmpfs as given. */
  volumes?: string[];
  mounts?: string[];
  tmpfs?: string[];
  /** --sysctl KEY=VALUE (repeatable). */
  sysctls?: string[];
  /** -l/--label and --label-file, merged (the CLI reads the files). */
  labels?: Record<string, string>;
  /** --entrypoint: undefined when not given, '' to clear it. */
  entrypoint?: string;
  /** -u/--user name|uid[:group|gid]. */
  user?: string;
  /** --read-only. */
  readOnly?: boolean;
  /** --privileged. */
  privileged?: boolean;
}

/** A failure to start, with the exit code Docker gives it (125, or 126/127 from exec). */
export class StartError extends TsrunError {
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

/** -it relays this process's stdin as the container's terminal: it must be a terminal itself (Docker's check and words). */
export function requireTerminalInput(interactive: boolean, tty: boolean): void {
  if (interactive && tty && !process.stdin.isTTY) throw new StartError('the input device is not a TTY', 1);
}

/**
 * Everything checkable before anything is created; throws on bad input. `keepLog`: its
 * output goes to its json-file log (run -d, and create, whose start may be detached).
 */
export function prepare(opts: RunOptions, keepLog = opts.detach): { rec: ContainerRecord; network: ContainerNetwork } {
  requireRoot();
  const network = ContainerNetwork.plan({ net: opts.net, ip: opts.ip, ip6: opts.ip6, mac: opts.macAddress, aliases: opts.networkAliases ?? [] });
  if (opts.name !== undefined) validateContainerName(opts.name);
  if (opts.hostname !== undefined) validateHostname(opts.hostname);
  const workdir = validateWorkdir(opts.workdir ?? '/');
  const userEnv = parseEnv(opts.env);
  const security = securityConfig(opts.capAdd, opts.capDrop, opts.securityOpt, opts.privileged);
  const resources = { ...parseResources(opts.resources), ...(opts.privileged && { allDevices: true }) };
  const log = parseLogConfig(opts.logDriver ?? 'json-file', opts.logOpts ?? []);
  const restartPolicy = parseRestartPolicy(opts.restart ?? 'no', opts.rm);
  const names = nameConfig(opts.names ?? {}, () => hostGatewayIp(network.mode, network.network));
  const mounts = parseMounts({ volumes: opts.volumes, mounts: opts.mounts, tmpfs: opts.tmpfs });
  checkMountSources(mounts);
  const { entrypoint, command } = entrypointAndCmd(opts.entrypoint, opts.command);
  const sysctls = parseSysctls(opts.sysctls ?? [], network.mode === 'host');
  const image = requireImage(opts.image);
  const id = newId();
  const hostname = opts.hostname ?? (network.mode === 'host' ? hostHostname() : shortId(id));
  const rec: ContainerRecord = {
    id,
    name: opts.name ?? '',
    created: new Date().toISOString(),
    image: { ref: opts.image, id: image.id },
    command,
    config: {
      hostname,
      // With -u, HOME comes from the user's passwd entry unless given (init fills it in).
      env: containerEnv(userEnv, hostname, opts.tty, opts.user === undefined),
      workdir,
      tty: opts.tty,
      interactive: opts.interactive,
      network: network.network?.name ?? network.mode,
      autoRemove: opts.rm,
      security,
      resources,
      log,
      ...names,
      restartPolicy,
      ...(mounts.length > 0 && { mounts }),
      sysctls,
      labels: opts.labels ?? {},
      ...(entrypoint && { entrypoint }),
      ...(opts.user !== undefined && { user: opts.user }),
      ...(opts.readOnly && { readOnly: true }),
    },
    state: { status: 'created', pid: 0, exitCode: 0, oomKilled: false, startedAt: '', finishedAt: '', error: '', monitor: null, process: null },
    logPath: keepLog && log.type === 'json-file' ? containerDir.log(id) : '',
  };
  return { rec, network };
}

/** The /etc files; on a network, hosts names the container and its peers. Call under the lock. */
function writeEtcFiles(rec: ContainerRecord, network: ContainerNetwork): void {
  const host = network.mode === 'host';
  const extra = addedHosts(rec.config);
  const hosts = network.network ? networkHostsFile(listNetworks(), rec) : host ? hostHostsFile(extra) : hostsFile([], extra);
  writeFileSync(containerDir.file(rec.id, 'hosts'), hosts);
  writeFileSync(containerDir.file(rec.id, 'hostname'), `${rec.config.hostname}\n`);
  writeFileSync(containerDir.file(rec.id, 'resolv.conf'), resolvConf(host, rec.config));
}

/** What init mounts at /sys/fs/cgroup: this host's layout. */
function cgroupMounts(): CgroupMounts {
  const layout = cgroupLayout();
  if (layout.version === 2) return { version: 2 };
  return { version: 1, hierarchies: layout.hierarchies.map((h) => ({ name: basename(h.mount), options: h.options })) };
}

/** --device nodes and, with --privileged, every host device (a --device at the same path once, as Docker skips it). */
function containerDevices(rec: ContainerRecord): InitSpec['devices'] {
  const own = rec.config.resources.devices.map((d) => ({ path: d.container, type: d.rule.type, major: d.rule.major as number, minor: d.rule.minor as number, mode: d.mode, uid: d.uid, gid: d.gid }));
  if (!rec.config.security?.privileged) return own;
  const host = hostDevices();
  return [...host, ...own.filter((d) => !host.some((h) => h.path === d.path))];
}

/** Compiles the seccomp filter too: called after init's spawn, so that work overlaps its start-up. */
function initSpec(rec: ContainerRecord): InitSpec {
  return {
    id: rec.id,
    lower: imageRootfs(rec.image.id),
    upper: containerDir.upper(rec.id),
    work: containerDir.work(rec.id),
    rootfs: containerDir.rootfs(rec.id),
    hostname: rec.config.hostname,
    argv: containerArgv(rec),
    env: rec.config.env,
    workdir: rec.config.workdir,
    tty: rec.config.tty,
    interactive: rec.config.interactive,
    privileges: (require('./privileges') as typeof import('./privileges')).privilegesOf(rec.config.security),
    cgroups: cgroupMounts(),
    devices: containerDevices(rec),
    etc: {
      hosts: containerDir.file(rec.id, 'hosts'),
      hostname: containerDir.file(rec.id, 'hostname'),
      'resolv.conf': containerDir.file(rec.id, 'resolv.conf'),
    },
    mounts: initMounts(rec),
    sysctls: rec.config.sysctls ?? {},
    user: rec.config.user ?? '',
    readOnly: rec.config.readOnly ?? false,
    privileged: rec.config.security?.privileged ?? false,
  };
}

/**
 * Where the container's stdio goes: this process's own stdout, stderr and (with -i) stdin
 * (foreground), or the container's log (detached, in the monitor).
 */
interface Io {
  stdio: StdioPlan;
  pty: PtyEnds;
  /** Called once the container's output is all copied. */
  close(): void;
}

/** `stdin`: this process's stdin is the container's (run -i, start -ai); else a container made with -i has its stdin held open. */
function foregroundIo(rec: ContainerRecord, stdin: boolean): Io {
  const { interactive, tty } = rec.config;
  const input = stdin ? process.stdin : interactive ? ('hold' as const) : undefined;
  return {
    stdio: tty ? {} : { ...(input && { input }), stdout: process.stdout, stderr: process.stderr },
    pty: { terminalInput: stdin, followWindow: true, output: (d) => process.stdout.write(d) },
    close: () => undefined,
  };
}

function detachedIo(rec: ContainerRecord): Io {
  // Opened on first use: the container's directory does not exist before it is recorded.
  // With --log-driver none the output is read and dropped.
  let writer: LogWriter | undefined;
  // A log that cannot be written (a full disk) loses output, as Docker's json-file driver
  // does, and says so once; the container and its monitor go on.
  const guarded = (fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      reportOnce(`log:${rec.id}`, `output of container ${rec.name} is being lost: ${isNoSpace(err) ? 'no space left on the disk of TSRUN_ROOT' : (err as Error).message} (${rec.logPath})`);
    }
  };
  const toLog = (s: Stream, chunk: Buffer): void => {
    if (rec.logPath) guarded(() => (writer ??= new LogWriter(rec.logPath, rotationOf(rec.config.log?.config ?? {}))).write(s, chunk));
  };
  const log = (s: Stream): Writable =>
    new Writable({
      write(chunk: Buffer, _enc, done) {
        toLog(s, chunk);
        done();
      },
    });
  const { interactive, tty } = rec.config;
  return {
    // -i without -t keeps a stdin pipe open, so a shell waits as it does under Docker.
    stdio: tty ? {} : { ...(interactive && { input: 'hold' as const }), stdout: log('stdout'), stderr: log('stderr') },
    pty: { terminalInput: false, followWindow: false, output: (d) => toLog('stdout', d) },
    close: () => guarded(() => writer?.close()),
  };
}

/** The next message from init, which must be `type`; an error it reports is thrown. */
async function expect(init: InitProcess, type: 'booted' | 'need-pty' | 'ready'): Promise<void> {
  const msg = await init.next();
  if (msg?.type === 'error') throw new StartError(msg.message, msg.exitCode);
  if (msg?.type !== type) throw new StartError(`init ${msg ? `sent ${msg.type}` : 'exited'} where it should have said ${type}`, 125);
}

/** Drives init from spec to exec; resolves once the command runs. */
async function start(rec: ContainerRecord, init: InitProcess, io: Io, cgroup: ContainerCgroup | null): Promise<PtyRelay | null> {
  init.send({ type: 'spec', spec: initSpec(rec) });
  // Into the cgroup once init's Node start-up is done (its memory is not the container's),
  // while it loads and builds the root: the first move's RCU grace period is hidden there.
  await expect(init, 'booted');
  cgroup?.join(init.pid);
  let pty: PtyRelay | null = null;
  if (rec.config.tty) {
    await expect(init, 'need-pty');
    // init has pivoted into the container's root and no process of the container runs yet:
    // the pty comes from the container's own devpts, found from inside that root.
    const root = RootDir.open(`/proc/${init.pid}/root`, 'the container');
    let opened;
    try {
      opened = openPtyMaster(root);
    } finally {
      root.close();
    }
    pty = relayPty(opened.master, io.pty);
    init.send({ type: 'pty', number: opened.number });
  }
  await expect(init, 'ready');
  init.send({ type: 'go' });
  const after = await init.next();
  if (after !== null) {
    pty?.stop();
    if (after.type === 'error') throw new StartError(after.message, after.exitCode);
    throw new StartError(`init sent ${after.type} after go`, 125);
  }
  return pty;
}

/**
 * How a run or a start takes the container's record (under the lock, while init boots) and
 * what its failure before the command runs leaves.
 */
interface Claim {
  /** Makes the record this process's to start; returns it as it now stands. */
  take(rec: ContainerRecord, network: ContainerNetwork): ContainerRecord;
  /** Undoes take(), after the cgroup and the endpoints are gone. */
  undo(rec: ContainerRecord, err: unknown): void;
}

/** `run`: the record is made here, ephemeral until the command runs. */
const newContainer: Claim = {
  take(rec, network) {
    const taken = new Set(listContainers().map((c) => c.name));
    if (rec.name === '') rec.name = generateName(taken);
    rec.state.monitor = monitorClaim();
    rec.state.ephemeral = true;
    createContainerRecord(rec);
    faultPoint('run:after-record');
    network.reserve(rec);
    return rec;
  },
  undo(rec) {
    removeContainerRecord(rec.id);
  },
};

/**
 * `start`: the record as it now is, which must be neither running nor being started by
 * another command. `byPolicy`: this monitor's restart policy starts it again, unless a
 * stop or kill came during the back-off.
 */
function existingContainer(byPolicy: boolean, policyClaim?: string): Claim {
  return {
    take(rec) {
      const now = findContainer(rec.id, reconcile());
      if (!now) throw new StartError(`No such container: ${rec.name}`, 1);
      refuseRunning(now, policyClaim);
      if (byPolicy && !now.state.restarting) {
        now.state.monitor = null;
        writeContainerRecord(now);
        throw new RestartCancelled();
      }
      const { ephemeral: _e, keepOnExit: _k, restarting: _r, manuallyStopped: _m, ...state } = now.state;
      now.state = { ...state, monitor: monitorClaim(policyClaim), restartCount: byPolicy ? (state.restartCount ?? 0) + 1 : 0 };
      // A container first started detached, or restarted after a foreground run, keeps its output from now on.
      if (!now.logPath) now.logPath = rec.logPath;
      writeContainerRecord(now);
      faultPoint('start:after-claim');
      return now;
    },
    undo(rec, err) {
      if (!containerById(rec.id)) return; // removed meanwhile (rm -f)
      rec.state = { ...rec.state, monitor: null, ...startFailure(err) };
      writeContainerRecord(rec);
    },
  };
}

/** What Docker records of a start that failed: its error, and 127 or 126 from exec, else 128. */
function startFailure(err: unknown): { error: string; exitCode: number } {
  const exitCode = err instanceof StartError && (err.exitCode === 126 || err.exitCode === 127) ? err.exitCode : 128;
  return { error: err instanceof Error ? err.message : String(err), exitCode };
}

/** A stop or kill during the back-off of a restart policy: the container stays stopped. */
class RestartCancelled extends TsrunError {
  constructor() {
    super('the restart was cancelled by a stop');
  }
}

/** Docker's answer to a start of a running container is to do nothing; tsrun says so where it cannot (attach). */
export class AlreadyRunning extends StartError {
  constructor(rec: ContainerRecord) {
    super(`container ${rec.name} is already running`, 1);
  }
}

/**
 * This process as the monitor of one run or start: the supervisor carries out several at once,
 * told apart by the claim (the restart policy's own, when it starts the container again).
 */
function monitorClaim(claim = newId()): NonNullable<ContainerRecord['state']['monitor']> {
  return { ...identify(process.pid), claim };
}

/** Refuses a running container, and one being started by anyone but the holder of `own` (a restart policy's claim). */
function refuseRunning(rec: ContainerRecord, own?: string): void {
  if (rec.state.status === 'running') throw new AlreadyRunning(rec);
  if (isStarting(rec) && (own === undefined || rec.state.monitor!.claim !== own)) {
    const by = rec.state.monitor!.pid === process.pid ? 'another request to this supervisor' : `another tsrun command (pid ${rec.state.monitor!.pid})`;
    throw new StartError(`container ${rec.name} is being started by ${by}`, 1);
  }
}

/**
 * Runs the container to its end in this process. `onStarted` is called once the command
 * runs (the detached launcher is told then). Returns the container's exit code.
 */
async function supervise(
  rec: ContainerRecord,
  network: ContainerNetwork,
  io: Io,
  claim: Claim,
  forwardSignals: boolean,
  onStarted: (rec: ContainerRecord) => void,
): Promise<number> {
  let init: InitProcess | undefined;
  let claimed = false;
  let cgroup: ContainerCgroup | null = null;
  const stdio = ContainerStdio.open(io.stdio);
  // Before the command runs, a signal aborts the start; afterwards attach() forwards them.
  const offAbort = forwardSignals ? onSignals(() => init?.child.kill('SIGKILL')) : () => undefined;
  try {
    // init's Node start-up is the longest step: begin it first, and record the container,
    // reserve its addresses, write its files and plug its network while init boots. init
    // waits for its spec before it acts.
    init = spawnInit({ newNet: network.ownNamespace, stdio: stdio.child, inNamespace: () => network.inNamespace() });
    stdio.start();
    const pid = init.pid;
    withLock(() => {
      rec = claim.take(rec, network);
      claimed = true;
      writeContainerRecord(rec);
      writeEtcFiles(rec, network);
      if (rec.config.resources.cgroup) {
        // Loaded after init's spawn, so its loading overlaps init's start-up.
        const { ContainerCgroup } = require('./cgroups/cgroup') as typeof import('./cgroups/cgroup');
        cgroup = ContainerCgroup.create(rec.id, rec.config.resources);
      }
      network.connect(rec, pid);
    });
    network.close();
    faultPoint('run:after-plug');
    const exited = waitForExit(init.child);
    const pty = await Promise.race([
      start(rec, init, io, cgroup),
      exited.then((code) => {
        throw new StartError(`the container's init exited with code ${code} before the command started`, 125);
      }),
    ]);
    const { ephemeral: _, ...state } = rec.state;
    rec.state = { ...state, status: 'running', pid, process: identify(pid), exitCode: 0, oomKilled: false, error: '', startedAt: new Date().toISOString() };
    withLock(() => {
      rec.state = { ...rec.state, ...marksOf(containerById(rec.id)) };
      writeContainerRecord(rec);
    });
    offAbort();
    onStarted(rec);
    faultPoint('run:after-start');
    const code = await attach({ pid, exited }, { stdio, pty }, forwardSignals);
    io.close();
    await finish(rec, network, cgroup, code);
    return code;
  } catch (err) {
    network.close();
    stdio.close();
    if (init && init.child.exitCode === null && init.child.signalCode === null) {
      init.child.kill('SIGKILL');
      await waitForExit(init.child);
    }
    if (claimed) {
      withLock(() => {
        cgroup?.remove();
        network.release(rec);
        claim.undo(rec, err);
      });
    }
    throw err;
  } finally {
    offAbort();
  }
}

/** What a stop or kill (that ends the restart policy) or a restart (that keeps --rm) marked in the record meanwhile. */
function marksOf(now: ContainerRecord | undefined): Partial<ContainerRecord['state']> {
  return { ...(now?.state.keepOnExit && { keepOnExit: true as const }), ...(now?.state.manuallyStopped && { manuallyStopped: true as const }) };
}

/**
 * The container ended: record it (or remove it, with --rm), free its addresses and remove its
 * cgroup. On a full disk the exit code is kept here and written as soon as there is room: this
 * process stays its monitor until then, so no command counts the exit as lost.
 */
async function finish(rec: ContainerRecord, network: ContainerNetwork, cgroup: ContainerCgroup | null, code: number): Promise<void> {
  const oomKilled = cgroup?.oomKilled() ?? false;
  for (let delay = 200; ; delay = Math.min(delay * 2, 5_000)) {
    try {
      withLock(() => {
        cgroup?.remove();
        // Removed meanwhile (rm -f while this waited for room): nothing left to record.
        if (!lstatSync(containerDir.record(rec.id), { throwIfNoEntry: false })) return;
        // Networks connected or disconnected while it ran (network connect), and the marks
        // of stop, kill and restart, are in the record, not in `rec`.
        const now = containerById(rec.id);
        rec.networks = now?.networks ?? rec.networks;
        network.release(rec);
        if (rec.config.autoRemove && !now?.state.keepOnExit) {
          keepExit(rec.id, code);
          return removeContainerRecord(rec.id);
        }
        rec.state = { ...rec.state, ...marksOf(now), status: 'exited', pid: 0, exitCode: code, oomKilled, monitor: null, finishedAt: new Date().toISOString() };
        writeContainerRecord(rec);
      });
      return;
    } catch (err) {
      if (!isNoSpace(err)) throw err;
      reportOnce(`finish:${rec.id}`, `cannot record that container ${rec.name} exited with ${code}: no space left on the disk of TSRUN_ROOT; free some space: the exit is kept and recorded as soon as there is room`);
      await sleep(delay);
    }
  }
}

/** `tsrun run` without -d: this process is the container's monitor; returns its exit code. */
export async function runForeground(opts: RunOptions): Promise<number> {
  requireTerminalInput(opts.interactive, opts.tty);
  const { rec, network } = prepare(opts);
  return await handOverRestarts(rec, await supervise(rec, network, foregroundIo(rec, opts.interactive), newContainer, true, () => undefined));
}

/**
 * A foreground run or start -a ends with the container's first exit, as Docker's attached
 * client does; if the restart policy starts it again, the supervisor takes the container over.
 */
async function handOverRestarts(rec: ContainerRecord, code: number): Promise<number> {
  if (!withLock(() => restartDue(containerById(rec.id) ?? rec))) return code;
  try {
    await (require('./detach') as typeof import('./detach')).launchRestarts(rec.id);
  } catch (err) {
    // The container's own exit code is still this command's answer.
    process.stderr.write(`tsrun: the restart policy of container ${rec.name} was not handed over: ${err instanceof Error ? err.message : String(err)}; start it with tsrun start\n`);
  }
  return code;
}

/** The monitor of `run -d`: runs the container and tells the launcher once it started. */
export async function runMonitored(opts: RunOptions, report: (msg: MonitorReport) => void): Promise<number> {
  const { rec, network } = prepare(opts);
  return supervise(rec, network, detachedIo(rec), newContainer, false, (r) => report({ type: 'started', id: r.id, name: r.name }));
}

/**
 * A created or stopped container, as its record now is, with the networks it keeps; throws
 * if it runs, is being started, or one of its networks is gone.
 */
export function startable(ref: string, own?: string): { rec: ContainerRecord; network: ContainerNetwork } {
  requireRoot();
  return withLock(() => {
    const rec = findContainer(ref, reconcile());
    if (!rec) throw new StartError(`No such container: ${ref}`, 1);
    refuseRunning(rec, own);
    try {
      return { rec, network: ContainerNetwork.ofRecord(rec) };
    } catch (err) {
      // A network removed while the container was stopped: recorded as Docker records it.
      writeContainerRecord({ ...rec, state: { ...rec.state, ...startFailure(err) } });
      throw err;
    }
  });
}

/** `start -a`: this process is the container's monitor, its output here; `stdin` with -i. Returns its exit code. */
export async function startForeground(ref: string, stdin: boolean): Promise<number> {
  const { rec, network } = startable(ref);
  requireTerminalInput(stdin && rec.config.interactive, rec.config.tty);
  return await handOverRestarts(rec, await supervise(rec, network, foregroundIo(rec, stdin && rec.config.interactive), existingContainer(false), true, () => undefined));
}

/** A detached start keeps the output in the json-file log, also of a container first run in the foreground. */
function withLog(rec: ContainerRecord): ContainerRecord {
  if (!rec.logPath && rec.config.log?.type !== 'none') rec.logPath = containerDir.log(rec.id);
  return rec;
}

/** The monitor of `start`: starts the container and tells the launcher once it runs. */
export async function startMonitored(id: string, report: (msg: MonitorReport) => void): Promise<number> {
  const { rec, network } = startable(id);
  return supervise(withLog(rec), network, detachedIo(rec), existingContainer(false), false, (r) => report({ type: 'started', id: r.id, name: r.name }));
}

/** Whether the container's restart policy starts it again now that it ended. Call under the lock. */
export function restartDue(rec: ContainerRecord): boolean {
  // A start by another command (restart, start), or another request to this supervisor, may have taken it already.
  const takenElsewhere = isStarting(rec);
  return rec.state.status === 'exited' && !takenElsewhere && !rec.state.manuallyStopped && shouldRestart(rec.config.restartPolicy, rec.state.exitCode, rec.state.restartCount ?? 0);
}

/**
 * The restart policy, carried out by the container's monitor once it ended: wait the
 * back-off, start it again and wait for it, for as long as the policy says so and no stop
 * or kill came. A start that fails ends it (the error is in State.Error).
 */
export async function restartByPolicy(id: string): Promise<void> {
  const backoff = new Backoff();
  for (;;) {
    const claim = newId();
    const delay = withLock(() => {
      const rec = findContainer(id, reconcile());
      if (!rec || !restartDue(rec)) return null;
      rec.state = { ...rec.state, monitor: monitorClaim(claim), restarting: true };
      writeContainerRecord(rec);
      return backoff.next(Date.parse(rec.state.finishedAt) - Date.parse(rec.state.startedAt));
    });
    if (delay === null) return;
    await sleep(delay);
    try {
      const { rec, network } = startable(id, claim);
      await supervise(withLog(rec), network, detachedIo(rec), existingContainer(true, claim), false, () => undefined);
    } catch (err) {
      // Cancelled by a stop, or a start that failed (said in State.Error): the policy ends,
      // and the container is left as a stopped one, not as one this supervisor still starts.
      releaseClaim(id, claim);
      if (err instanceof TsrunError) return;
      throw err;
    }
  }
}

/** Clears the restart policy's claim on the record, if it still holds it. */
function releaseClaim(id: string, claim: string): void {
  withLock(() => {
    const now = containerById(id);
    if (!now || now.state.monitor?.claim !== claim) return;
    const { restarting: _, ...state } = now.state;
    writeContainerRecord({ ...now, state: { ...state, monitor: null } });
  });
}

/** What a launcher asks the supervisor to do. */
export type MonitorRequest = (
  | { type: 'run'; options: RunOptions }
  | { type: 'start'; id: string }
  /** A foreground run or start -a that ended hands its restart policy over to the supervisor. */
  | { type: 'restart'; id: string }
) & {
  /** Send the kernel operations back as iproute2 commands until the container starts. */
  explain: boolean;
  /** The launcher's TSRUN_FAULT: the tests' crash points hold for this request only. */
  fault?: string;
};

export type MonitorReport =
  /** The supervisor took the request: from now on the container's fate is recorded. */
  | { type: 'accepted' }
  | { type: 'started'; id: string; name: string }
  | { type: 'error'; message: string; exitCode: number }
  /** An operation to show the user (--explain), sent until the container starts. */
  | { type: 'explain'; line: string };
