/**
 * Writes a container's output in Docker's json-file format: one JSON object per line,
 * {"log": "...", "stream": "stdout"|"stderr", "time": RFC 3339 with nanoseconds}. The lines
 * of one read arrived together: they share one timestamp and go to the file in one write.
 * A line longer than Docker's 16 KiB buffer is written in pieces (a piece without its "\n",
 * as Docker's partial messages), so a line without end never grows in memory.
 */
import { closeSync, fstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { Rotation } from './config';
import { rotatedPath } from './files';

export type Stream = 'stdout' | 'stderr';

/** Docker's copier buffer: a longer line is logged in pieces of this many characters. */
const MAX_LINE = 16 * 1024;

/** What JSON needs escaped in a string (the newline ending each line is handled apart). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

/** The same, for a text of whole lines whose newlines are turned into entry ends. */
const ESCAPE_BUT_NEWLINE = /["\\\u0000-\u0009\u000b-\u001f]/;

function encodeLog(text: string): string {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (NEEDS_ESCAPE.test(body)) return JSON.stringify(text);
  return body.length === text.length ? `"${body}"` : `"${body}\\n"`;
}

/** Where a piece of MAX_LINE characters from `start` ends, not between the halves of a surrogate pair. */
function pieceEnd(text: string, start: number): number {
  const end = start + MAX_LINE;
  const c = text.charCodeAt(end - 1);
  return c >= 0xd800 && c <= 0xdbff ? end - 1 : end;
}

export class LogWriter {
  private fd: number;
  private size: number;
  private readonly decoders: Record<Stream, StringDecoder> = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  private readonly pending: Record<Stream, string> = { stdout: '', stderr: '' };
  /** Wall-clock nanoseconds at hrtime 0, so that entries get nanosecond times that never go back. */
  private readonly epoch = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

  constructor(
    private readonly path: string,
    private readonly rotation: Rotation = { maxSize: -1, maxFile: 1 },
  ) {
    this.fd = openSync(path, 'a', 0o640);
    this.size = fstatSync(this.fd).size;
  }

  private now(): string {
    const ns = this.epoch + process.hrtime.bigint();
    const iso = new Date(Number(ns / 1_000_000n)).toISOString();
    return `${iso.slice(0, -1)}${String(ns % 1_000_000n).padStart(6, '0')}Z`;
  }

  write(stream: Stream, data: Buffer): void {
    const text = this.pending[stream] + this.decoders[stream].write(data);
    const end = `,"stream":"${stream}","time":"${this.now()}"}\n`;
    if (this.writeWhole(stream, text, end)) return;
    const entries: string[] = [];
    let start = 0;
    const piece = (to: number): void => {
      entries.push(`{"log":${encodeLog(text.slice(start, to))}${end}`);
      start = to;
    };
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      while (nl + 1 - start > MAX_LINE) piece(pieceEnd(text, start));
      piece(nl + 1);
    }
    while (text.length - start >= MAX_LINE) piece(pieceEnd(text, start));
    this.pending[stream] = text.slice(start);
    this.append(entries);
  }

  /**
   * The common case in one pass over the text: no line needs escaping or splitting and the
   * whole batch fits before the next rotation. False (nothing written) otherwise.
   */
  private writeWhole(stream: Stream, text: string, end: string): boolean {
    const last = text.lastIndexOf('\n');
    if (last === -1 || text.length - last > MAX_LINE || ESCAPE_BUT_NEWLINE.test(text)) return false;
    for (let start = 0, nl = text.indexOf('\n'); nl !== -1; start = nl + 1, nl = text.indexOf('\n', start)) {
      if (nl + 1 - start > MAX_LINE) return false;
    }
    const batch = `{"log":"${text.slice(0, last).replaceAll('\n', `\\n"${end}{"log":"`)}\\n"${end}`;
    const { maxSize } = this.rotation;
    if (maxSize >= 0 && this.size + Buffer.byteLength(batch) > maxSize) return false;
    this.size += writeSync(this.fd, batch);
    this.pending[stream] = text.slice(last + 1);
    return true;
  }

  /**
   * One write for all the entries; with max-size, Docker's rule: an entry goes to the current
   * file unless it already holds max-size bytes, in which case the file is rotated first.
   */
  private append(entries: string[]): void {
    const { maxSize } = this.rotation;
    if (maxSize < 0) {
      if (entries.length > 0) this.size += writeSync(this.fd, entries.join(''));
      return;
    }
    let batch = '';
    let batchBytes = 0;
    for (const e of entries) {
      if (this.size + batchBytes >= maxSize) {
        if (batch !== '') writeSync(this.fd, batch);
        batch = '';
        batchBytes = 0;
        this.rotate();
      }
      batch += e;
      batchBytes += Buffer.byteLength(e);
    }
    if (batch !== '') writeSync(this.fd, batch);
    this.size += batchBytes;
  }

  /** Docker's rotation: .N-1 is dropped, each .i becomes .i+1, the current file .1, and a new one begins (max-file 1: truncated in place). */
  private rotate(): void {
    closeSync(this.fd);
    const { maxFile } = this.rotation;
    if (maxFile >= 2) {
      rmSync(rotatedPath(this.path, maxFile - 1), { force: true });
      for (let i = maxFile - 1; i > 1; i--) {
        try {
          renameSync(rotatedPath(this.path, i - 1), rotatedPath(this.path, i));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }
      renameSync(this.path, rotatedPath(this.path, 1));
    }
    this.fd = openSync(this.path, 'w', 0o640);
    this.size = 0;
  }

  /** The output ended: a last line without its newline is written as it is. */
  close(): void {
    for (const s of ['stdout', 'stderr'] as const) {
      const rest = this.pending[s] + this.decoders[s].end();
      const end = `,"stream":"${s}","time":"${this.now()}"}\n`;
      if (rest !== '') this.append([`{"log":${encodeLog(rest)}${end}`]);
      this.pending[s] = '';
    }
    closeSync(this.fd);
  }
}
