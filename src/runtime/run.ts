/**
 * `tsrun run`: record the container, start init in fresh namespaces, configure its network,
 * let it exec, relay its terminal and signals, record its exit. A failure before the
 * command runs kills init and removes everything the run created.
 */
import { writeFileSync } from 'node:fs';
import { requireImage, imageRootfs } from '../image/store';
import { hostname as hostHostname } from 'node:os';
import { TsrunError } from '../sys/error';
import { withLock } from '../state/lock';
import { newId, shortId } from '../state/id';
import {
  containerDir,
  createContainerRecord,
  listContainers,
  removeContainerRecord,
  writeContainerRecord,
  type ContainerRecord,
} from '../state/containers';
import { hostHostsFile, hostsFile, resolvConf } from './etc-files';
import { generateName } from './names';
import { ContainerNetwork } from './container-network';
import { networkHostsFile } from './hosts';
import { containerEnv, parseEnv, requireRoot, validateContainerName, validateHostname, validateWorkdir } from './options';
import { requireNetwork } from '../state/networks';
import { spawnInit, waitForExit, type InitProcess } from './parent';
import type { InitSpec } from './spec';
import { openPty, type PtyRelay } from './tty-relay';

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
  /** none, host, or a network's name or id. */
  net: string;
  ip?: string;
  ip6?: string;
  macAddress?: string;
}

const DEFAULT_COMMAND = ['/bin/sh'];
const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

/** A failure to start, with the exit code Docker gives it (125, or 126/127 from exec). */
export class StartError extends TsrunError {
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

function prepareRecord(opts: RunOptions, network: ContainerNetwork): ContainerRecord {
  if (opts.name !== undefined) validateContainerName(opts.name);
  if (opts.hostname !== undefined) validateHostname(opts.hostname);
  const workdir = validateWorkdir(opts.workdir ?? '/');
  const userEnv = parseEnv(opts.env);
  const image = requireImage(opts.image);
  const id = newId();
  const hostname = opts.hostname ?? (network.mode === 'host' ? hostHostname() : shortId(id));
  return {
    id,
    name: opts.name ?? '',
    created: new Date().toISOString(),
    image: { ref: opts.image, id: image.id },
    command: opts.command.length > 0 ? opts.command : DEFAULT_COMMAND,
    config: {
      hostname,
      env: containerEnv(userEnv, hostname, opts.tty),
      workdir,
      tty: opts.tty,
      interactive: opts.interactive,
      network: network.network?.name ?? network.mode,
      autoRemove: opts.rm,
    },
    state: { status: 'created', pid: 0, exitCode: 0, startedAt: '', finishedAt: '' },
  };
}

/** The /etc files; on a network, hosts names the container and its peers. Call under the lock. */
function writeEtcFiles(rec: ContainerRecord, network: ContainerNetwork): void {
  const host = network.mode === 'host';
  const hosts = network.network ? networkHostsFile(requireNetwork(network.network.id), rec) : host ? hostHostsFile() : hostsFile([]);
  writeFileSync(containerDir.file(rec.id, 'hosts'), hosts);
  writeFileSync(containerDir.file(rec.id, 'hostname'), `${rec.config.hostname}\n`);
  writeFileSync(containerDir.file(rec.id, 'resolv.conf'), resolvConf(host));
}

function initSpec(rec: ContainerRecord): InitSpec {
  return {
    id: rec.id,
    lower: imageRootfs(rec.image.id),
    upper: containerDir.upper(rec.id),
    work: containerDir.work(rec.id),
    rootfs: containerDir.rootfs(rec.id),
    hostname: rec.config.hostname,
    argv: rec.command,
    env: rec.config.env,
    workdir: rec.config.workdir,
    tty: rec.config.tty,
    etc: {
      hosts: containerDir.file(rec.id, 'hosts'),
      hostname: containerDir.file(rec.id, 'hostname'),
      'resolv.conf': containerDir.file(rec.id, 'resolv.conf'),
    },
  };
}

/** Drives init from spec to exec; resolves once the command runs. */
async function start(rec: ContainerRecord, init: InitProcess): Promise<PtyRelay | null> {
  init.send({ type: 'spec', spec: initSpec(rec) });
  let pty: PtyRelay | null = null;
  if (rec.config.tty) {
    const ask = await init.next();
    if (ask?.type === 'error') throw new StartError(ask.message, ask.exitCode);
    if (ask?.type !== 'need-pty') throw new StartError('init exited before it asked for a terminal', 125);
    pty = openPty(init.pid, rec.config.interactive);
    init.send({ type: 'pty', number: pty.number });
  }
  init.send({ type: 'go' });
  const after = await init.next();
  if (after !== null) {
    pty?.stop();
    if (after.type === 'error') throw new StartError(after.message, after.exitCode);
    throw new StartError(`init sent ${after.type} after go`, 125);
  }
  return pty;
}

export async function runContainer(opts: RunOptions): Promise<number> {
  requireRoot();
  const network = ContainerNetwork.plan({ net: opts.net, ip: opts.ip, ip6: opts.ip6, mac: opts.macAddress });
  const rec = prepareRecord(opts, network);
  let init: InitProcess | undefined;
  let recorded = false;
  let started = false;
  // Signals are forwarded once the command runs; before that they abort the start.
  const onSignal = (sig: NodeJS.Signals): void => {
    if (started) init?.child.kill(sig);
    else if (sig !== 'SIGWINCH') init?.child.kill('SIGKILL');
  };
  for (const s of FORWARDED_SIGNALS) process.on(s, onSignal);
  try {
    // init's Node start-up is the longest step: begin it first, and record the container,
    // reserve its addresses, write its files and plug its network while init boots. init
    // waits for its spec before it acts.
    init = spawnInit({
      newNet: network.ownNamespace,
      stdin: rec.config.interactive && !rec.config.tty ? 'inherit' : 'ignore',
      inNamespace: () => network.inNamespace(),
    });
    const pid = init.pid;
    withLock(() => {
      const taken = new Set(listContainers().map((c) => c.name));
      if (rec.name === '') rec.name = generateName(taken);
      createContainerRecord(rec);
      recorded = true;
      network.reserve(rec);
      writeContainerRecord(rec);
      writeEtcFiles(rec, network);
      network.plug(rec, pid);
    });
    network.close();
    const exited = waitForExit(init.child);
    const pty = await Promise.race([
      start(rec, init),
      exited.then((code) => {
        throw new StartError(`the container's init exited with code ${code} before the command started`, 125);
      }),
    ]);
    started = true;
    rec.state = { ...rec.state, status: 'running', pid: init.pid, startedAt: new Date().toISOString() };
    withLock(() => writeContainerRecord(rec));
    const code = await exited;
    if (pty) {
      await pty.drained;
      pty.stop();
    }
    finish(rec, network, code);
    return code;
  } catch (err) {
    network.close();
    if (init && init.child.exitCode === null && init.child.signalCode === null) {
      init.child.kill('SIGKILL');
      await waitForExit(init.child);
    }
    if (recorded) {
      withLock(() => {
        network.release(rec);
        removeContainerRecord(rec.id);
      });
    }
    throw err;
  } finally {
    for (const s of FORWARDED_SIGNALS) process.off(s, onSignal);
  }
}

function finish(rec: ContainerRecord, network: ContainerNetwork, code: number): void {
  withLock(() => {
    network.release(rec);
    if (rec.config.autoRemove) return removeContainerRecord(rec.id);
    rec.state = { ...rec.state, status: 'exited', exitCode: code, finishedAt: new Date().toISOString() };
    writeContainerRecord(rec);
  });
}
