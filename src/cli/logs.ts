import { setTimeout as sleep } from 'node:timers/promises';
import { resolveContainer } from '../runtime/lifecycle';
import { readLog, type LogEntry } from '../runtime/logs';
import { TsrunError } from '../sys/error';

function emit(entries: LogEntry[]): void {
  for (const e of entries) (e.stream === 'stderr' ? process.stderr : process.stdout).write(e.log);
}

/** `logs [-f] [--tail N]`: each line to the stream it came from. */
export async function showLogs(ref: string, follow: boolean, tail: string): Promise<void> {
  if (tail !== 'all' && !/^\d+$/.test(tail)) throw new TsrunError(`invalid --tail "${tail}": use a number of lines or all`);
  let rec = resolveContainer(ref);
  if (!rec.logPath) {
    throw new TsrunError(`container ${rec.name} ran in the foreground: its output went to the terminal (logs are kept for run -d)`);
  }
  const all = readLog(rec.logPath);
  emit(tail === 'all' ? all : all.slice(Math.max(0, all.length - Number(tail))));
  let seen = all.length;
  while (follow && rec.state.status !== 'exited') {
    await sleep(100);
    const now = readLog(rec.logPath);
    emit(now.slice(seen));
    seen = now.length;
    try {
      rec = resolveContainer(rec.id);
    } catch {
      break; // removed (--rm): nothing more will come
    }
  }
  if (follow) emit(readLog(rec.logPath).slice(seen));
}
