/**
 * The monitor of a detached container (`run -d`, `start`), started by the launcher with
 * setsid and no terminal. It receives the request on fd 3, runs the container as the
 * foreground `tsrun run` would (it is init's parent, so it gets the exit code), keeps the container's
 * output in its log, reports "started" (or the error) on fd 3 and then waits: it records
 * the exit, releases addresses and links, honours --rm, and carries out --restart.
 */
import { Socket } from 'node:net';
import { explainTo } from '../network/netlink/handle';
import { TsrunError } from '../sys/error';
import { restartByPolicy, runMonitored, startMonitored, StartError, type MonitorReport, type MonitorRequest } from './run';

const channel = new Socket({ fd: 3, readable: true, writable: true });
// A launcher that is gone (it left a restart policy to this monitor, or was killed) is no error here.
channel.on('error', () => undefined);
let reported = false;

function report(msg: MonitorReport): void {
  if (msg.type === 'explain') {
    if (!reported) channel.write(`${JSON.stringify(msg)}\n`);
    return;
  }
  reported = true;
  channel.end(`${JSON.stringify(msg)}\n`);
}

/** The first line on the channel. (Not `for await`: leaving that loop would destroy the channel.) */
function readRequest(): Promise<MonitorRequest & { explain: boolean }> {
  return new Promise((resolve, reject) => {
    let text = '';
    channel.setEncoding('utf8');
    const onData = (d: string): void => {
      text += d;
      const nl = text.indexOf('\n');
      if (nl < 0) return;
      channel.off('data', onData);
      resolve(JSON.parse(text.slice(0, nl)) as MonitorRequest & { explain: boolean });
    };
    channel.on('data', onData);
    channel.once('end', () => reject(new Error('the launcher closed the channel before sending its request')));
  });
}

// Its stderr is TSRUN_ROOT/monitor.log: on a full disk a diagnostic that cannot be written
// is lost, and the monitor must not die of it (it may be keeping an exit code).
process.stderr.on('error', () => undefined);
// No terminal: nothing to hang up, and Ctrl-C in the launcher's terminal is not for us.
process.on('SIGHUP', () => undefined);
process.on('SIGINT', () => undefined);

(async () => {
  try {
    const request = await readRequest();
    if (request.explain) explainTo((line) => report({ type: 'explain', line }));
    if (request.type === 'restart') return await restartByPolicy(request.id);
    let started: string | undefined;
    const onReport = (msg: MonitorReport): void => {
      if (msg.type === 'started') started = msg.id;
      report(msg);
    };
    if (request.type === 'run') await runMonitored(request.options, onReport);
    else await startMonitored(request.id, onReport);
    if (started) await restartByPolicy(started);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const exitCode = err instanceof StartError ? err.exitCode : 125;
    if (!reported) report({ type: 'error', message, exitCode });
    if (!(err instanceof TsrunError)) process.stderr.write(`tsrun monitor: ${err instanceof Error ? err.stack : message}\n`);
    process.exitCode = 1;
  }
})();
