/** `logs [-f] [--tail N] [--since T] [--until T] [-t]`: each line to the stream it came from, as `docker logs`. */
import { setFlagsFromString } from 'node:v8';
import { resolveContainer } from '../runtime/lifecycle';
import { readLog, type LogEntry } from '../logs/reader';
import { entryTimeNs, fixedNano, nowNs, parseTimeArg } from '../logs/time';
import { TsrunError } from '../sys/error';

export interface LogsOptions {
  follow: boolean;
  tail: string;
  since?: string;
  until?: string;
  timestamps: boolean;
}

/** Writes a chunk's entries, a run of one stream at a time, waiting while the reader is behind. */
async function emit(entries: LogEntry[], timestamps: boolean): Promise<void> {
  let i = 0;
  while (i < entries.length) {
    const stream = entries[i]!.stream;
    let text = '';
    for (; i < entries.length && entries[i]!.stream === stream; i++) {
      const e = entries[i]!;
      text += timestamps ? `${fixedNano(e.time)} ${e.log}` : e.log;
    }
    const out = stream === 'stderr' ? process.stderr : process.stdout;
    if (!out.write(text)) await new Promise((resolve) => out.once('drain', resolve));
  }
}

export async function showLogs(ref: string, opts: LogsOptions): Promise<void> {
  // Each chunk is garbage once written: a young generation that never grows keeps the
  // memory of a log of any size near Node's own (V8 would grow it to 48 MB, for nothing).
  setFlagsFromString('--semi-space-growth-factor=1');
  // Every value is checked before anything is read.
  if (opts.tail !== 'all' && !/^\d+$/.test(opts.tail)) throw new TsrunError(`invalid --tail "${opts.tail}": use a number of lines or all`);
  const now = nowNs();
  const since = opts.since === undefined || opts.since === '' ? null : parseTimeArg('--since', opts.since, now);
  const until = opts.until === undefined || opts.until === '' ? null : parseTimeArg('--until', opts.until, now);
  const rec = resolveContainer(ref);
  if (rec.config.log?.type === 'none') throw new TsrunError('configured logging driver does not support reading');
  if (!rec.logPath) {
    throw new TsrunError(`container ${rec.name} ran in the foreground: its output went to the terminal (logs are kept for run -d)`);
  }
  // A reader that went away (`tsrun logs c | head -1`): nothing more to say.
  for (const s of [process.stdout, process.stderr]) s.on('error', () => process.exit(0));
  const done = (): boolean => {
    try {
      return resolveContainer(rec.id).state.status === 'exited';
    } catch {
      return true; // removed (--rm): nothing more will come
    }
  };
  let lastTime = '';
  let lastNs: bigint | null = null;
  await readLog(
    rec.logPath,
    { tail: opts.tail === 'all' ? undefined : Number(opts.tail), follow: opts.follow ? { done } : undefined },
    async (entries) => {
      if (since === null && until === null) {
        await emit(entries, opts.timestamps);
        return true;
      }
      // Docker's rules: before --since is left out; the first entry after --until ends the output.
      const shown: LogEntry[] = [];
      let more = true;
      for (const e of entries) {
        // The lines of one read share their time: parse each time once.
        if (e.time !== lastTime) [lastTime, lastNs] = [e.time, entryTimeNs(e.time)];
        const t = lastNs;
        if (t === null) continue;
        if (until !== null && t > until) {
          more = false;
          break;
        }
        if (since === null || t >= since) shown.push(e);
      }
      await emit(shown, opts.timestamps);
      return more;
    },
  );
}
