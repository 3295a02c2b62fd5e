/**
 * `run -d` and `start`: the launcher. It hands the request to the supervisor of this
 * TSRUN_ROOT (starting one if none runs) and waits only until the supervisor reports that the
 * command runs (or why it could not); then it leaves the container to the supervisor.
 */
import { spawn } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { stateRoot } from '../state/root';
import { withLockAsync } from '../state/lock';
import { TsrunError } from '../sys/error';
import { parseEnv } from './options';
import { supervisorSocket } from './supervisor-socket';
import { prepare, startable, StartError, type MonitorReport, type MonitorRequest, type RunOptions } from './run';

/** `run -d`: returns the new container's id. */
export async function runDetached(opts: RunOptions, explain: boolean): Promise<string> {
  // Bad input fails here, in the user's terminal, before the supervisor is asked. `-e KEY`
  // takes KEY from this process's environment, not from the supervisor's.
  const options = { ...opts, env: parseEnv(opts.env) };
  prepare(options);
  return (await launch({ type: 'run', options, explain })).id;
}

/** `start`: starts a created or stopped container and returns once its command runs. */
export async function startDetached(ref: string, explain: boolean): Promise<void> {
  // A running container, or a network gone, is said here, before the supervisor is asked.
  const { rec } = startable(ref);
  await launch({ type: 'start', id: rec.id, explain });
}

/** Hands the container's restart policy to the supervisor; returns once it has taken it. */
export async function launchRestarts(id: string): Promise<void> {
  await exchange({ type: 'restart', id, explain: false }, true);
}

/** Asks for a run or a start; returns once the command runs, or throws why it could not. */
async function launch(request: MonitorRequest): Promise<{ id: string; name: string }> {
  const report = await exchange(request, false);
  if (report.type === 'started') return report;
  throw new StartError(report.type === 'error' ? report.message : 'unexpected report from the supervisor', report.type === 'error' ? report.exitCode : 125);
}

/** A supervisor that closes the channel before it took the request was leaving: ask again. */
const ATTEMPTS = 3;

/** Sends the request (with this command's fault point, for the tests) and returns the supervisor's last word on it. */
async function exchange(request: MonitorRequest, acceptedIsEnough: boolean): Promise<MonitorReport> {
  const line = `${JSON.stringify({ ...request, fault: process.env.TSRUN_FAULT })}\n`;
  for (let attempt = 1; ; attempt++) {
    const channel = await connectSupervisor();
    channel.write(line);
    const report = await readReport(channel, acceptedIsEnough);
    channel.destroy();
    if (report === 'not taken' && attempt < ATTEMPTS) continue;
    if (report === 'not taken' || report === null) throw new StartError('the container supervisor exited before the container started (see TSRUN_ROOT/supervisor.log)', 125);
    return report;
  }
}

/**
 * The supervisor's answer: "started" or the error (printing --explain lines meanwhile), or
 * only "accepted" when that is all the request waits for. 'not taken': the channel closed
 * before the supervisor took the request; null: it closed after.
 */
function readReport(channel: Socket, acceptedIsEnough: boolean): Promise<MonitorReport | 'not taken' | null> {
  let text = '';
  let accepted = false;
  channel.setEncoding('utf8');
  return new Promise((resolve) => {
    channel.on('data', (d: string) => {
      text += d;
      let nl: number;
      while ((nl = text.indexOf('\n')) >= 0) {
        const msg = JSON.parse(text.slice(0, nl)) as MonitorReport;
        text = text.slice(nl + 1);
        if (msg.type === 'explain') process.stderr.write(`+ ${msg.line}\n`);
        else if (msg.type === 'accepted') {
          accepted = true;
          if (acceptedIsEnough) resolve(msg);
        } else resolve(msg);
      }
    });
    // A supervisor killed mid-start resets the channel: that is the same answer as its close.
    const closed = (): void => resolve(accepted ? null : 'not taken');
    channel.on('error', closed);
    channel.on('close', closed);
  });
}

/** A channel to this root's supervisor, started first if none listens. */
async function connectSupervisor(): Promise<Socket> {
  const path = supervisorSocket();
  const channel = await tryConnect(path);
  if (channel) return channel;
  // Under the lock, so that two launchers do not start two supervisors.
  return withLockAsync(async () => (await tryConnect(path)) ?? (await startSupervisor(path)));
}

/** A connected channel, or null if no supervisor listens at `path` (none, or one that was killed). */
function tryConnect(path: string): Promise<Socket | null> {
  return new Promise((resolve, reject) => {
    const channel = createConnection(path);
    channel.once('connect', () => {
      channel.removeAllListeners('error');
      resolve(channel);
    });
    channel.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') resolve(null);
      else reject(new TsrunError(`cannot reach the container supervisor at ${path}: ${err.message}`));
    });
  });
}

/** Starts the supervisor, under its keeper (setsid, no terminal, cwd /), and connects once it listens. */
async function startSupervisor(path: string): Promise<Socket> {
  const errLog = openSync(join(stateRoot(), 'supervisor.log'), constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  // The supervisor outlives this command and serves others: it gets no more of this one's
  // environment than it needs (no secrets or LD_PRELOAD; a fault point is sent with each
  // request): Node's own options, as bin/tsrun runs with them, and the root as an absolute
  // path, since it runs in /.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', TSRUN_ROOT: resolve(stateRoot()) };
  for (const name of ['NODE_OPTIONS', 'TSRUN_DEBUG']) if (process.env[name] !== undefined) env[name] = process.env[name];
  const keeper = spawn(process.execPath, [join(__dirname, 'keeper.js')], { detached: true, cwd: '/', env, stdio: ['ignore', 'ignore', errLog, 'pipe'] });
  closeSync(errLog);
  const ready = keeper.stdio[3] as Socket;
  const listening = await new Promise<boolean>((resolve) => {
    ready.once('data', () => resolve(true));
    ready.once('close', () => resolve(false));
    ready.once('error', () => resolve(false));
  });
  ready.destroy();
  keeper.unref();
  const channel = listening ? await tryConnect(path) : null;
  if (!channel) throw new StartError('the container supervisor could not start (see TSRUN_ROOT/supervisor.log)', 125);
  return channel;
}
