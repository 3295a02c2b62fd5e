/**
 * Reading a container's json-file log with bounded memory: a chunk at a time, forwards;
 * `--tail` finds where its lines begin by scanning backwards from the end; `--follow` goes
 * on from a byte offset, polling the file's size and noticing its rotation. Every file is
 * opened before any is read, so a rotation meanwhile renames nothing under our feet. A line
 * that is not a log entry (torn by a full disk, say) is skipped with one warning per file.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { logFiles, rotatedFiles } from './files';
import type { Stream } from './writer';

export interface LogEntry {
  log: string;
  stream: Stream;
  time: string;
}

const CHUNK = 64 * 1024;
/** A "line" this long without a newline is no log entry of ours: dropped rather than held. */
const MAX_LINE_BYTES = 4 * 1024 * 1024;
const POLL_MS = 100;

/** Receives the entries of one chunk; false stops the reading (--until reached). */
export type Sink = (entries: LogEntry[]) => Promise<boolean>;

/** Warns once per file, on stderr. */
export class Warnings {
  private readonly warned = new Set<string>();

  unreadable(path: string): void {
    if (this.warned.has(path)) return;
    this.warned.add(path);
    process.stderr.write(`tsrun: warning: skipped lines of ${path} that are not json-file log entries (a torn or damaged line)\n`);
  }
}

/** The shape tsrun and Docker write: read without building a JSON object (and its garbage) per line. */
const ENTRY = /^\{"log":"((?:[^"\\]|\\.)*)","stream":"(stdout|stderr)","time":"([^"\\]*)"\}$/;

function decodeEntry(line: string): LogEntry | null {
  const m = ENTRY.exec(line);
  if (m) {
    try {
      return { log: m[1]!.includes('\\') ? (JSON.parse(`"${m[1]}"`) as string) : m[1]!, stream: m[2] as Stream, time: m[3]! };
    } catch {
      return null;
    }
  }
  // Another writer's key order or extra keys (Docker's attrs): a full parse.
  try {
    const e = JSON.parse(line) as LogEntry;
    return typeof e.log === 'string' && (e.stream === 'stdout' || e.stream === 'stderr') && typeof e.time === 'string' ? e : null;
  } catch {
    return null;
  }
}

/** One open file of the log, read forwards from `offset`. */
class Cursor {
  private carry: Buffer = Buffer.alloc(0);
  /** The carry grew past MAX_LINE_BYTES: drop everything up to the next newline. */
  private skipping = false;
  readonly ino: number;

  constructor(
    readonly path: string,
    readonly fd: number,
    public offset: number,
    private readonly warnings: Warnings,
  ) {
    this.ino = fstatSync(fd).ino;
  }

  static open(path: string, warnings: Warnings, offset = 0): Cursor | null {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    return new Cursor(path, fd, offset, warnings);
  }

  /** Reads to the end of the file as it is now; `final`: a last line without newline counts too. */
  async drain(sink: Sink, final: boolean): Promise<boolean> {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const n = readSync(this.fd, buf, 0, CHUNK, this.offset);
      if (n === 0) break;
      this.offset += n;
      const data = buf.subarray(0, n);
      const last = data.lastIndexOf(0x0a);
      if (last === -1) {
        this.hold(data);
        continue;
      }
      let complete = this.carry.length > 0 ? Buffer.concat([this.carry, data.subarray(0, last + 1)]) : data.subarray(0, last + 1);
      if (this.skipping) {
        complete = complete.subarray(complete.indexOf(0x0a) + 1);
        this.skipping = false;
      }
      this.carry = Buffer.from(data.subarray(last + 1));
      if (!(await sink(this.parse(complete.toString('utf8'))))) return false;
    }
    if (final && this.carry.length > 0 && !this.skipping) {
      const rest = this.carry.toString('utf8');
      this.carry = Buffer.alloc(0);
      return sink(this.parse(rest));
    }
    return true;
  }

  private hold(data: Buffer): void {
    if (this.skipping) return;
    this.carry = Buffer.concat([this.carry, data]);
    if (this.carry.length > MAX_LINE_BYTES) {
      this.warnings.unreadable(this.path);
      this.carry = Buffer.alloc(0);
      this.skipping = true;
    }
  }

  /** The file was truncated in place (max-file 1): start again from its beginning. */
  restart(): void {
    this.offset = 0;
    this.carry = Buffer.alloc(0);
    this.skipping = false;
  }

  private parse(text: string): LogEntry[] {
    const out: LogEntry[] = [];
    let start = 0;
    while (start < text.length) {
      let nl = text.indexOf('\n', start);
      if (nl === -1) nl = text.length;
      const line = text.slice(start, nl);
      start = nl + 1;
      if (line === '') continue;
      const e = decodeEntry(line);
      if (e) out.push(e);
      else this.warnings.unreadable(this.path);
    }
    return out;
  }

  private closed = false;

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

/**
 * Where the last `n` entries of the files (oldest first) begin: a file's index and an offset
 * in it. Scanning backwards, a line counts when it ends with "}" and a newline: a torn line
 * (or one still being written) is no entry, so it does not take the place of one.
 */
export function tailStart(fds: number[], n: number): { file: number; offset: number } {
  const buf = Buffer.allocUnsafe(CHUNK);
  let need = n;
  for (let f = fds.length - 1; f >= 0; f--) {
    const size = fstatSync(fds[f]!).size;
    if (need === 0) return { file: f, offset: size };
    // The line being scanned: its newline is behind us and its last byte not seen yet (atEnd),
    // or it ends with "}" (valid).
    let atEnd = false;
    let valid = false;
    for (let hi = size; hi > 0; ) {
      const lo = Math.max(0, hi - CHUNK);
      const got = readSync(fds[f]!, buf, 0, hi - lo, lo);
      for (let i = got - 1; i >= 0; i--) {
        const b = buf[i]!;
        if (b === 0x0a) {
          // A newline ends the line before it and begins the one we scanned.
          if (lo + i < size - 1 && !atEnd && valid && --need === 0) return { file: f, offset: lo + i + 1 };
          atEnd = true;
        } else if (atEnd) {
          valid = b === 0x7d;
          atEnd = false;
        }
      }
      hi = lo;
    }
    if (size > 0 && !atEnd && valid && --need === 0) return { file: f, offset: 0 };
  }
  return { file: 0, offset: 0 };
}

export interface ReadOptions {
  /** Only the last lines; undefined for all. */
  tail?: number;
  /** Keep reading until `done()` says the container ended (checked before each last look). */
  follow?: { done: () => boolean };
}

/** Feeds `sink` the log at `path` (its rotated files first), then, with follow, what comes. */
export async function readLog(path: string, opts: ReadOptions, sink: Sink): Promise<void> {
  const warnings = new Warnings();
  const cursors = logFiles(path).map((p) => Cursor.open(p, warnings)).filter((c): c is Cursor => c !== null);
  try {
    const start = opts.tail === undefined ? { file: 0, offset: 0 } : tailStart(cursors.map((c) => c.fd), opts.tail);
    let current: Cursor | null = null;
    for (let i = start.file; i < cursors.length; i++) {
      const c = cursors[i]!;
      if (i === start.file) c.offset = start.offset;
      const isCurrent = i === cursors.length - 1 && c.path === path;
      if (!(await c.drain(sink, !(isCurrent && opts.follow)))) return;
      if (isCurrent) current = c;
    }
    if (opts.follow) await follow(path, current, opts.follow.done, sink, warnings);
  } finally {
    for (const c of cursors) c.close();
  }
}

/** Goes on from `current` (null: the file does not exist yet) until the container ended and all it wrote is read. */
async function follow(path: string, current: Cursor | null, done: () => boolean, sink: Sink, warnings: Warnings): Promise<void> {
  let cur = current;
  try {
    for (;;) {
      const ended = done();
      if (cur && !(await cur.drain(sink, false))) return;
      const now = statSync(path, { throwIfNoEntry: false });
      if (now && now.ino !== cur?.ino) {
        // Rotated: finish the old file, then any rotated since that we never saw, then the new one.
        if (cur) {
          if (!(await cur.drain(sink, true))) return;
          const newer = rotatedFiles(path).map((p) => Cursor.open(p, warnings)).filter((c): c is Cursor => c !== null);
          try {
            const ours = newer.findIndex((c) => c.ino === cur!.ino);
            for (const c of (ours === -1 ? newer : newer.slice(0, ours)).reverse()) if (!(await c.drain(sink, true))) return;
          } finally {
            newer.forEach((c) => c.close());
          }
          cur.close();
        }
        cur = Cursor.open(path, warnings);
        continue;
      }
      if (cur && fstatSync(cur.fd).size < cur.offset) {
        cur.restart();
        continue;
      }
      if (ended) {
        if (cur) await cur.drain(sink, true);
        return;
      }
      await sleep(POLL_MS);
    }
  } finally {
    cur?.close();
  }
}
