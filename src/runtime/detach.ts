/**
 * `run -d` and `start`: the launcher. It starts a monitor (setsid, no terminal, cwd /), hands
 * it the request and waits only until the monitor reports that the command runs (or why it
 * could not); then it leaves the container to the monitor.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { stateRoot } from '../state/root';
import { prepare, startable, StartError, type MonitorReport, type MonitorRequest, type RunOptions } from './run';

/** `run -d`: returns the new container's id. */
export async function runDetached(opts: RunOptions, explain: boolean): Promise<string> {
  // Bad input fails here, in the user's terminal, before a monitor exists.
  prepare(opts);
  return (await launch({ type: 'run', options: opts }, explain)).id;
}

/** `start`: starts a created or stopped container and returns once its command runs. */
export async function startDetached(ref: string, explain: boolean): Promise<void> {
  // A running container, or a network gone, is said here, before a monitor exists.
  const { rec } = startable(ref);
  await launch({ type: 'start', id: rec.id }, explain);
}

/** A monitor that carries out the container's restart policy, left to itself at once. */
export function launchRestarts(id: string): void {
  const { monitor, channel } = spawnMonitor({ type: 'restart', id }, false);
  channel.on('error', () => undefined);
  channel.end();
  monitor.unref();
}

function spawnMonitor(request: MonitorRequest, explain: boolean): { monitor: ChildProcess; channel: Socket } {
  const errLog = openSync(join(stateRoot(), 'monitor.log'), constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  const monitor = spawn(process.execPath, [join(__dirname, 'monitor.js')], {
    detached: true,
    cwd: '/',
    env: { ...process.env },
    stdio: ['ignore', 'ignore', errLog, 'pipe'],
  });
  closeSync(errLog);
  const channel = monitor.stdio[3] as Socket;
  channel.write(`${JSON.stringify({ ...request, explain })}\n`);
  return { monitor, channel };
}

async function launch(request: MonitorRequest, explain: boolean): Promise<{ id: string; name: string }> {
  const { monitor, channel } = spawnMonitor(request, explain);
  let text = '';
  channel.setEncoding('utf8');
  const report = await new Promise<MonitorReport | null>((resolve) => {
    channel.on('data', (d: string) => {
      text += d;
      let nl: number;
      while ((nl = text.indexOf('\n')) >= 0) {
        const msg = JSON.parse(text.slice(0, nl)) as MonitorReport;
        text = text.slice(nl + 1);
        if (msg.type === 'explain') process.stderr.write(`+ ${msg.line}\n`);
        else resolve(msg);
      }
    });
    // A monitor killed mid-start resets the channel: that is the same answer as its close.
    channel.on('error', () => resolve(null));
    channel.on('close', () => resolve(null));
  });
  channel.destroy();
  monitor.unref();
  if (report === null) throw new StartError('the container monitor exited before the container started (see TSRUN_ROOT/monitor.log)', 125);
  if (report.type !== 'started') throw new StartError(report.type === 'error' ? report.message : 'unexpected report from the monitor', report.type === 'error' ? report.exitCode : 125);
  return report;
}
