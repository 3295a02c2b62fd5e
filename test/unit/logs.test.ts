/** The log's arithmetic: Docker's time and size forms, the writer's lines and rotation, tail's start. */
import test from 'ava';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TsrunError } from '../../src/sys/error';
import { parseHumanSize, parseLogConfig, rotationOf } from '../../src/logs/config';
import { fixedNano, parseDuration, parseTimeArg } from '../../src/logs/time';
import { LogWriter } from '../../src/logs/writer';
import { readLog, tailStart, type LogEntry } from '../../src/logs/reader';

const NOW = 1_700_000_000n * 1_000_000_000n;
const S = 1_000_000_000n;

function withDir(fn: (dir: string) => Promise<void> | void): Promise<void> | void {
  const dir = mkdtempSync(join(tmpdir(), 'tsrun-logs-unit-'));
  const done = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    const r = fn(dir);
    if (r instanceof Promise) return r.finally(done);
    done();
  } catch (err) {
    done();
    throw err;
  }
}

async function entriesOf(path: string, tail?: number): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  await readLog(path, { tail }, async (es) => {
    out.push(...es);
    return true;
  });
  return out;
}

test('durations as Go parses them: before now', (t) => {
  t.is(parseDuration('10m'), 600n * S);
  t.is(parseDuration('1h30m'), 5400n * S);
  t.is(parseDuration('42s'), 42n * S);
  t.is(parseDuration('1.5s'), 1_500_000_000n);
  t.is(parseDuration('300ms'), 300_000_000n);
  t.is(parseDuration('-10m'), -600n * S);
  for (const bad of ['10', '10x', 'm', '1h 30m', '']) t.is(parseDuration(bad), null, bad);
  t.is(parseTimeArg('--since', '10m', NOW), NOW - 600n * S);
});

test('--since/--until take RFC 3339 with or without fraction and zone, and Unix times', (t) => {
  t.is(parseTimeArg('--since', '2023-11-14T22:13:20Z', NOW), NOW);
  t.is(parseTimeArg('--since', '2023-11-14T22:13:20.5Z', NOW), NOW + 500_000_000n);
  t.is(parseTimeArg('--since', '2023-11-14T22:13:20.123456789Z', NOW), NOW + 123_456_789n);
  t.is(parseTimeArg('--since', '2023-11-15T00:13:20+02:00', NOW), NOW);
  t.is(parseTimeArg('--since', '2023-11-14T22:13Z', NOW), NOW - 20n * S);
  t.is(parseTimeArg('--since', '1700000000', NOW), NOW);
  t.is(parseTimeArg('--since', '1700000000.25', NOW), NOW + 250_000_000n);
  // Without a zone: local time, as Docker.
  const local = BigInt(new Date(2023, 10, 14, 22, 13, 20).getTime()) * 1_000_000n;
  t.is(parseTimeArg('--since', '2023-11-14T22:13:20', NOW), local);
  t.is(parseTimeArg('--since', '2023-11-14', NOW), BigInt(new Date(2023, 10, 14).getTime()) * 1_000_000n);
  for (const bad of ['yesterday', '2023-13-01', '2023-02-30T00:00:00Z', '10x', '1700000000.1234567891', '-5']) {
    t.throws(() => parseTimeArg('--until', bad, NOW), { instanceOf: TsrunError, message: /^invalid --until ".*": use an RFC 3339 time/ }, bad);
  }
});

test('-t prints times with nine digits of fraction, as Docker', (t) => {
  t.is(fixedNano('2024-01-02T03:04:05.123Z'), '2024-01-02T03:04:05.123000000Z');
  t.is(fixedNano('2024-01-02T03:04:05Z'), '2024-01-02T03:04:05.000000000Z');
  t.is(fixedNano('2024-01-02T03:04:05.5+01:00'), '2024-01-02T03:04:05.500000000+01:00');
  t.is(fixedNano('2024-01-02T03:04:05.123456789Z'), '2024-01-02T03:04:05.123456789Z');
});

test('sizes as Docker\'s units parse them (decimal), log opts as its json-file driver checks them', (t) => {
  t.is(parseHumanSize('10m'), 10_000_000);
  t.is(parseHumanSize('10MB'), 10_000_000);
  t.is(parseHumanSize('1.5k'), 1500);
  t.is(parseHumanSize('2g'), 2_000_000_000);
  t.is(parseHumanSize('512'), 512);
  t.throws(() => parseHumanSize('10x'), { message: /^invalid size: '10x'/ });
  t.deepEqual(rotationOf({}), { maxSize: -1, maxFile: 1 });
  t.deepEqual(rotationOf({ 'max-size': '10m', 'max-file': '3' }), { maxSize: 10_000_000, maxFile: 3 });
  // Docker 20.10 takes max-file without max-size, and never rotates.
  t.deepEqual(rotationOf({ 'max-file': '3' }), { maxSize: -1, maxFile: 3 });
  t.deepEqual(parseLogConfig('json-file', ['max-size=10m', 'max-file=3']), { type: 'json-file', config: { 'max-size': '10m', 'max-file': '3' } });
  t.deepEqual(parseLogConfig('none', []), { type: 'none', config: {} });
  t.throws(() => parseLogConfig('json-file', ['foo=1']), { instanceOf: TsrunError, message: "unknown log opt 'foo' for json-file log driver" });
  t.throws(() => parseLogConfig('json-file', ['max-file=0']), { message: 'max-file cannot be less than 1' });
  t.throws(() => parseLogConfig('json-file', ['max-size=0']), { message: 'max-size must be a positive number' });
  t.throws(() => parseLogConfig('json-file', ['max-file=x']), { message: /^invalid max-file "x"/ });
  t.throws(() => parseLogConfig('syslog', []), { message: /^logger: no log driver named 'syslog' is registered/ });
  t.throws(() => parseLogConfig('none', ['max-size=1m']), { message: 'invalid logging opts for driver none' });
});

test('the writer: one timestamp per read, streams apart, UTF-8 split across reads, a partial last line at close', (t) =>
  withDir(async (dir) => {
    const path = join(dir, 'c-json.log');
    const w = new LogWriter(path);
    w.write('stdout', Buffer.from('one\ntwo "quoted" \\ \t\nthr'));
    w.write('stderr', Buffer.from('err\n'));
    const euro = Buffer.from('€\n');
    w.write('stdout', Buffer.concat([Buffer.from('ee '), euro.subarray(0, 1)]));
    w.write('stdout', euro.subarray(1));
    w.write('stderr', Buffer.from('no newline'));
    w.close();
    const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogEntry);
    t.deepEqual(
      lines.map((e) => [e.stream, e.log]),
      [['stdout', 'one\n'], ['stdout', 'two "quoted" \\ \t\n'], ['stderr', 'err\n'], ['stdout', 'three €\n'], ['stderr', 'no newline']],
    );
    t.is(lines[0]!.time, lines[1]!.time);
    t.regex(lines[0]!.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    t.deepEqual((await entriesOf(path)).map((e) => e.log), lines.map((e) => e.log));
  }));

test('the writer rotates as Docker\'s json-file: at most max-file files, each about max-size, no line split', (t) =>
  withDir(async (dir) => {
    const path = join(dir, 'c-json.log');
    const w = new LogWriter(path, { maxSize: 1000, maxFile: 3 });
    let text = '';
    for (let i = 1; i <= 500; i++) text += `line ${i}\n`;
    // In reads of 300 bytes, as a pipe would give them.
    for (let i = 0; i < text.length; i += 300) w.write('stdout', Buffer.from(text.slice(i, i + 300)));
    w.close();
    t.deepEqual(readdirSync(dir).sort(), ['c-json.log', 'c-json.log.1', 'c-json.log.2']);
    const longest = Math.max(...readFileSync(path, 'utf8').split('\n').map((l) => l.length + 1));
    for (const f of readdirSync(dir)) {
      const data = readFileSync(join(dir, f), 'utf8');
      t.true(data.length < 1000 + longest, `${f} holds ${data.length} bytes`);
      t.true(data.endsWith('}\n'), f);
    }
    t.true(statSync(`${path}.1`).size >= 1000);
    const logs = (await entriesOf(path)).map((e) => e.log);
    t.is(logs.at(-1), 'line 500\n');
    const first = Number(/\d+/.exec(logs[0]!)![0]);
    t.deepEqual(logs, Array.from({ length: 500 - first + 1 }, (_, i) => `line ${first + i}\n`));
    t.deepEqual((await entriesOf(path, 3)).map((e) => e.log), ['line 498\n', 'line 499\n', 'line 500\n']);
  }));

test('max-file 1 truncates in place at max-size', (t) =>
  withDir((dir) => {
    const path = join(dir, 'c-json.log');
    const w = new LogWriter(path, { maxSize: 500, maxFile: 1 });
    for (let i = 1; i <= 100; i++) w.write('stdout', Buffer.from(`line ${i}\n`));
    w.close();
    t.deepEqual(readdirSync(dir), ['c-json.log']);
    t.true(statSync(path).size < 600);
    t.regex(readFileSync(path, 'utf8'), /"line 100\\n"/);
  }));

test('tail finds the last entries across files, a torn line taking no entry\'s place', (t) =>
  withDir(async (dir) => {
    const path = join(dir, 'c-json.log');
    const entry = (s: string): string => `${JSON.stringify({ log: `${s}\n`, stream: 'stdout', time: '2024-01-01T00:00:00Z' })}\n`;
    writeFileSync(`${path}.1`, entry('a') + entry('b'));
    writeFileSync(path, entry('c') + entry('d') + '{"log":"tor');
    const fds = [openSync(`${path}.1`, 'r'), openSync(path, 'r')];
    try {
      t.deepEqual(tailStart(fds, 1), { file: 1, offset: entry('c').length });
      t.deepEqual(tailStart(fds, 2), { file: 1, offset: 0 });
      t.deepEqual(tailStart(fds, 3), { file: 0, offset: entry('a').length });
      t.deepEqual(tailStart(fds, 9), { file: 0, offset: 0 });
      t.deepEqual(tailStart(fds, 0), { file: 1, offset: statSync(path).size });
    } finally {
      fds.forEach((fd) => closeSync(fd));
    }
    t.deepEqual((await entriesOf(path, 3)).map((e) => e.log), ['b\n', 'c\n', 'd\n']);
  }));
