/**
 * Container logs in Docker's json-file format: one JSON object per line,
 * {"log": "...", "stream": "stdout"|"stderr", "time": RFC 3339 with nanoseconds}.
 */
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';

export type Stream = 'stdout' | 'stderr';

export interface LogEntry {
  log: string;
  stream: Stream;
  time: string;
}

/** Appends output, one entry per line (a partial last line waits for its end or for close). */
export class LogWriter {
  private readonly fd: number;
  private readonly pending: Record<Stream, string> = { stdout: '', stderr: '' };

  constructor(path: string) {
    this.fd = openSync(path, 'a', 0o640);
  }

  write(stream: Stream, data: Buffer): void {
    const text = this.pending[stream] + data.toString('utf8');
    const lines = text.split(/(?<=\n)/);
    this.pending[stream] = lines.at(-1)!.endsWith('\n') ? '' : lines.pop()!;
    for (const line of lines) this.append(stream, line);
  }

  private append(stream: Stream, log: string): void {
    if (log === '') return;
    writeSync(this.fd, `${JSON.stringify({ log, stream, time: new Date().toISOString() })}\n`);
  }

  close(): void {
    for (const s of ['stdout', 'stderr'] as const) this.append(s, this.pending[s]);
    closeSync(this.fd);
  }
}

export function readLog(path: string): LogEntry[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LogEntry);
}
