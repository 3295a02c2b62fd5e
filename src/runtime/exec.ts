/**
 * `tsrun exec`: a command in a running container, in all of its namespaces (its pid namespace
 * included, so `ps` inside shows it), with the container's environment and privileges. A
 * worker thread (tenant.ts) spawns it from inside the container; this thread relays its stdio
 * or pty, forwards signals and waits for it, as `run` does for its container.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { TsrunError } from '../sys/error';
import { loadLibc } from '../sys/libc';
import { isAlive } from '../sys/process';
import { attach } from './attach';
import { ContainerCgroup, ownCgroupDirs } from './cgroups/cgroup';
import { resolveContainer } from './lifecycle';
import { containerEnv, parseEnv, requireRoot, validateWorkdir } from './options';
import { requireTerminalInput, StartError } from './run';
import { privilegesOf } from './privileges';
import { ContainerStdio } from './stdio';
import type { TenantReport, TenantRequest } from './tenant';
import { relayPty } from './tty-relay';

export interface ExecOptions {
  container: string;
  command: string[];
  interactive: boolean;
  tty: boolean;
  detach: boolean;
  env: string[];
  workdir?: string;
  /** -u: name|uid[:group|gid] (default: the container's user). */
  user?: string;
}

interface Tenant {
  /** Hands the thread its request; until then it only boots. */
  send(req: TenantRequest): void;
  /** Ends the thread when no request will come. */
  cancel(): void;
  started: Promise<Extract<TenantReport, { type: 'started' }>>;
  exited: Promise<number>;
}

/** The tenant thread, started before its request is known: its boot overlaps the work of finding it. */
function startTenant(): Tenant {
  loadLibc();
  const worker = new Worker(join(__dirname, 'tenant.js'), { stdout: true, stderr: true });
  let onStarted!: (r: Extract<TenantReport, { type: 'started' }>) => void;
  let onFailed!: (e: Error) => void;
  let onExited!: (code: number) => void;
  const started = new Promise<Extract<TenantReport, { type: 'started' }>>((resolve, reject) => ((onStarted = resolve), (onFailed = reject)));
  const exited = new Promise<number>((resolve) => (onExited = resolve));
  // Nobody awaits `started` of a cancelled tenant.
  started.catch(() => undefined);
  worker.on('message', (m: TenantReport) => {
    if (m.type === 'started') onStarted(m);
    else if (m.type === 'error') onFailed(new StartError(m.message, m.exitCode));
    else onExited(m.code);
  });
  worker.on('error', (err) => onFailed(new StartError(`exec: ${err.message}`, 125)));
  worker.on('exit', () => {
    // Settles whatever is still open (a no-op for what already has its answer).
    onFailed(new StartError('exec: the tenant thread ended before the command started', 125));
    onExited(125);
  });
  return {
    send: (req) => worker.postMessage(req),
    cancel: () => void worker.terminate(),
    started,
    exited,
  };
}

export async function execInContainer(o: ExecOptions): Promise<number> {
  requireRoot();
  if (o.command.length === 0) throw new TsrunError("exec needs a command: tsrun exec CONTAINER COMMAND [ARG...] (see 'tsrun exec --help')");
  const userEnv = parseEnv(o.env);
  if (o.workdir !== undefined) validateWorkdir(o.workdir);
  if (!o.detach) requireTerminalInput(o.interactive, o.tty);
  const tenant = startTenant();
  let stdio: ContainerStdio;
  let req: TenantRequest;
  try {
    ({ stdio, req } = prepare(o, userEnv));
  } catch (err) {
    tenant.cancel();
    throw err;
  }
  // The tenant moves this process into the container's cgroup for the spawn; back home after.
  const home = ownCgroupDirs();
  let started: Extract<TenantReport, { type: 'started' }>;
  try {
    tenant.send(req);
    started = await tenant.started;
  } catch (err) {
    stdio.close();
    throw err;
  } finally {
    for (const dir of home) writeFileSync(join(dir, 'cgroup.procs'), String(process.pid));
  }
  stdio.start();
  const attached = !o.detach;
  const pty = started.pty
    ? relayPty(started.pty.master, {
        terminalInput: o.interactive && attached,
        followWindow: attached,
        output: (d) => (attached ? process.stdout.write(d) : undefined),
      })
    : null;
  if (!attached) {
    // The command stays in the container without us (a pty it was given hangs up, as with Docker).
    pty?.stop();
    stdio.close();
    return 0;
  }
  return attach({ pid: started.pid, exited: tenant.exited }, { stdio, pty }, true);
}

/** The container, checked to be running, and what the tenant needs to start the command in it. */
function prepare(o: ExecOptions, userEnv: string[]): { stdio: ContainerStdio; req: TenantRequest } {
  // Docker answers these from its daemon, not as a failed exec: exit 1, not 125.
  let rec;
  try {
    rec = resolveContainer(o.container);
  } catch (err) {
    throw err instanceof TsrunError ? new StartError(err.message, 1) : err;
  }
  if (rec.state.status !== 'running' || !isAlive(rec.state.process)) {
    throw new StartError(`Container ${rec.id.slice(0, 12)} is not running`, 1);
  }
  // The container's own environment, then -e; TERM for a terminal, as Docker sets it.
  const base = rec.config.env.filter((e) => !e.startsWith('TERM='));
  // HOME is the container's, else the user's from passwd (the tenant fills it in).
  const env = containerEnv([...base, ...userEnv], rec.config.hostname, o.tty, false);
  const attached = !o.detach;
  const privileges = privilegesOf(rec.config.security);
  const stdio = ContainerStdio.open({
    ...(o.interactive && !o.tty && attached && { input: process.stdin }),
    ...(!o.tty && attached && { stdout: process.stdout, stderr: process.stderr }),
  });
  const req: TenantRequest = {
    container: rec.state.process!,
    argv: o.command,
    env,
    workdir: o.workdir ?? rec.config.workdir,
    tty: o.tty,
    stdio: stdio.child,
    privileges,
    user: o.user ?? rec.config.user ?? '',
    cgroup: ContainerCgroup.ofContainer(rec)?.dirs ?? [],
    wait: attached,
  };
  return { stdio, req };
}
