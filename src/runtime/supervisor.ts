/**
 * The supervisor: one process per TSRUN_ROOT, the monitor of every detached container
 * (`run -d`, `start`, and the restart policy a foreground run hands over). A launcher starts it
 * (setsid, no terminal, cwd /) when none runs, and sends each request on its socket,
 * TSRUN_ROOT/supervisor.sock. For each request it runs the container as the foreground
 * `tsrun run` would (it is init's parent, so it gets the exit code), keeps the container's
 * output in its log, reports "started" (or the error) to the launcher and then waits: it
 * records the exit, releases addresses, honours --rm and carries out --restart. One Node
 * process serves them all, so a detached container costs its own processes and a few
 * buffers here, not a Node start and a heap of its own. It leaves once no container of its
 * own runs and no launcher is talking to it.
 *
 * Its containers' records name it as their monitor: if it dies, the next command settles
 * each of them exactly as it settles a container whose monitor died (reconcile.ts).
 */
import { chmodSync, rmSync, statSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { explainWithin } from '../network/netlink/handle';
import { TsrunError } from '../sys/error';
import { supervisorSocket } from './supervisor-socket';
import { faultWithin } from './fault';
import { restartByPolicy, runMonitored, startMonitored, StartError, type MonitorReport, type MonitorRequest } from './run';

/** How long it stays once idle: a run -d right after the last container ended finds it still there. */
const IDLE_MS = 1_000;

// Its stderr is TSRUN_ROOT/supervisor.log: on a full disk a diagnostic that cannot be written
// is lost, and the supervisor must not die of it (it may be keeping exit codes).
process.stderr.on('error', () => undefined);
// No terminal: nothing to hang up, and Ctrl-C in a launcher's terminal is not for us.
process.on('SIGHUP', () => undefined);
process.on('SIGINT', () => undefined);

/** A launcher sends its request at once; a channel that does not is dropped. */
const REQUEST_MS = 10_000;
/** Far more than any request: the options of a run with every flag. */
const REQUEST_BYTES = 1 << 20;

/** The request, if the value is one: a run's options are checked again where they are used. */
function asRequest(value: unknown): MonitorRequest {
  const r = value as Partial<MonitorRequest> | null;
  const ok =
    typeof r === 'object' && r !== null && typeof r.explain === 'boolean' && (r.fault === undefined || typeof r.fault === 'string') &&
    (r.type === 'run' ? typeof r.options === 'object' && r.options !== null : (r.type === 'start' || r.type === 'restart') && typeof r.id === 'string');
  if (!ok) throw new TsrunError('the supervisor received a request it does not understand: a launcher of another tsrun version?');
  return r as MonitorRequest;
}

/** The first line on the channel. (Not `for await`: leaving that loop would destroy the channel.) */
function readRequest(channel: Socket): Promise<MonitorRequest> {
  return new Promise((resolve, reject) => {
    let text = '';
    channel.setEncoding('utf8');
    const timer = setTimeout(() => reject(new TsrunError('the launcher sent no request')), REQUEST_MS);
    const onData = (d: string): void => {
      text += d;
      const nl = text.indexOf('\n');
      if (nl < 0 && text.length <= REQUEST_BYTES) return;
      channel.off('data', onData);
      clearTimeout(timer);
      try {
        resolve(asRequest(JSON.parse(nl < 0 ? text : text.slice(0, nl))));
      } catch (err) {
        reject(err);
      }
    };
    channel.on('data', onData);
    channel.once('end', () => reject(new TsrunError('the launcher closed the channel before sending its request')));
    channel.once('error', reject);
  });
}

/** One request, from its first line to the end of the container (and of its restart policy). */
async function serve(channel: Socket): Promise<void> {
  // A launcher that is gone (it left a restart policy here, or was killed) is no error here.
  channel.on('error', () => undefined);
  let reported = false;
  const report = (msg: MonitorReport): void => {
    if (msg.type === 'explain') {
      if (!reported) channel.write(`${JSON.stringify(msg)}\n`);
      return;
    }
    reported = true;
    channel.end(`${JSON.stringify(msg)}\n`);
  };
  let request: MonitorRequest;
  try {
    request = await readRequest(channel);
  } catch (err) {
    report({ type: 'error', message: err instanceof Error ? err.message : String(err), exitCode: 125 });
    return;
  }
  channel.write(`${JSON.stringify({ type: 'accepted' } satisfies MonitorReport)}\n`);
  try {
    const explain = request.explain ? (line: string): void => report({ type: 'explain', line }) : undefined;
    await faultWithin(request.fault, () =>
      explainWithin(explain, async () => {
        if (request.type === 'restart') {
          channel.end();
          return restartByPolicy(request.id);
        }
        let started: string | undefined;
        const onReport = (msg: MonitorReport): void => {
          if (msg.type === 'started') started = msg.id;
          report(msg);
        };
        if (request.type === 'run') await runMonitored(request.options, onReport);
        else await startMonitored(request.id, onReport);
        if (started) await restartByPolicy(started);
      }),
    );
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const exitCode = err instanceof StartError ? err.exitCode : 125;
    if (!reported) report({ type: 'error', message, exitCode });
    if (!(err instanceof TsrunError)) process.stderr.write(`tsrun supervisor: ${err instanceof Error ? err.stack : message}\n`);
  }
}

const path = supervisorSocket();
let serving = 0;
let idle: NodeJS.Timeout | undefined;

const server = createServer((channel) => {
  serving++;
  clearTimeout(idle);
  void serve(channel).finally(() => {
    if (--serving === 0) idle = setTimeout(leave, IDLE_MS);
  });
});

/** The socket file this supervisor made (device and inode): it never removes another's. */
let own: { dev: number; ino: number } | undefined;

/** The path goes first: a launcher from now on starts a new supervisor instead of talking to this one. */
function leave(): void {
  if (serving > 0) return;
  const st = statSync(path, { throwIfNoEntry: false });
  if (st && own && st.dev === own.dev && st.ino === own.ino) rmSync(path, { force: true });
  // Channels still open (a launcher that never closed its end) do not keep it here.
  server.close();
  process.exit(0);
}

// A launcher starts it under the lock only when nothing answers there: a socket file left is
// that of a supervisor that was killed.
rmSync(path, { force: true });
server.listen(path, () => {
  chmodSync(path, 0o600);
  const st = statSync(path);
  own = { dev: st.dev, ino: st.ino };
  idle = setTimeout(leave, IDLE_MS * 10);
  // fd 3: the launcher waits for this line before it connects.
  const ready = new Socket({ fd: 3, readable: false, writable: true });
  ready.on('error', () => undefined);
  ready.end('ready\n');
});
