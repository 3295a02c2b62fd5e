/**
 * `logs` as `docker logs` with the json-file driver: bounded memory on a big log, --tail
 * from the end, torn lines skipped with one warning, --since/--until/-t, rotation by
 * --log-opt max-size/max-file (read back in order, followed across), --log-driver none.
 */
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, isRoot, withState, type StateRoot } from '../helpers/tsrun';

test.beforeEach((t) => {
  if (!isRoot) t.fail('needs root: run the suite with sudo');
});

function detached(t: ExecutionContext, s: StateRoot, args: string[]): string {
  const r = s.run(['run', '-d', ...args]);
  t.is(r.code, 0, r.stderr);
  return r.stdout.trim();
}

/** An exited container whose log is then written by the test (no minutes spent running one). */
function exitedContainer(t: ExecutionContext, s: StateRoot): { id: string; log: string } {
  const id = detached(t, s, ['alpine', 'true']);
  t.is(s.run(['wait', id]).stdout, '0\n');
  return { id, log: join(s.dir, 'containers', id, `${id}-json.log`) };
}

const entry = (log: string, time = '2024-01-02T03:04:05.000000000Z', stream = 'stdout'): string =>
  `${JSON.stringify({ log, stream, time })}\n`;

/** Runs `tsrun args`, counting its output's lines without keeping them, and its peak RSS from /proc. */
function measured(s: StateRoot, args: string[]): Promise<{ code: number; lines: number; last: string; peakKb: number; stderr: string }> {
  return new Promise((done) => {
    const p = spawn(BIN, args, { env: s.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let lines = 0;
    let tail = '';
    let stderr = '';
    let peakKb = 0;
    p.stdout.on('data', (d: Buffer) => {
      for (let i = d.indexOf(10); i !== -1; i = d.indexOf(10, i + 1)) lines++;
      tail = (tail + d.toString('latin1')).slice(-200);
    });
    p.stderr.on('data', (d) => (stderr += d));
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        // exited
      }
    }, 20);
    p.on('close', (code) => {
      clearInterval(poll);
      done({ code: code ?? 128, lines, last: tail.split('\n').at(-2) ?? '', peakKb, stderr });
    });
  });
}

test('a log of hundreds of MB: logs streams it in bounded memory, --tail 3 reads only its end', async (t) => {
  await withState(async (s) => {
    const { id, log } = exitedContainer(t, s);
    const fd = openSync(log, 'w');
    const LINES = 4_000_000;
    for (let n = 0; n < LINES; ) {
      let chunk = '';
      for (let i = 0; i < 50_000; i++) chunk += entry(`line ${++n} of the big log, padded to look like real output\n`);
      writeSync(fd, chunk);
    }
    closeSync(fd);
    t.true(statSync(log).size > 300e6);
    const all = await measured(s, ['logs', id]);
    t.is(all.code, 0, all.stderr);
    t.is(all.lines, LINES);
    t.is(all.last, `line ${LINES} of the big log, padded to look like real output`);
    t.log(`peak RSS ${all.peakKb} kB`);
    t.true(all.peakKb > 0 && all.peakKb < 100 * 1024, `peak RSS ${all.peakKb} kB`);
    const t0 = Date.now();
    const tail = s.run(['logs', '--tail', '3', id]);
    t.true(Date.now() - t0 < 3000, `--tail 3 took ${Date.now() - t0} ms`);
    t.is(tail.stdout, [LINES - 2, LINES - 1, LINES].map((n) => `line ${n} of the big log, padded to look like real output\n`).join(''));
  });
});

test('a torn line is skipped with one warning naming the file; every intact line is shown', async (t) => {
  await withState(async (s) => {
    const { id, log } = exitedContainer(t, s);
    writeFileSync(log, entry('one\n') + '{"log":"tw\n' + entry('three\n') + '{"log":"torn by a full di');
    writeFileSync(`${log}.1`, entry('zero\n') + 'garbage\n');
    const r = s.run(['logs', id]);
    t.is(r.code, 0);
    t.is(r.stdout, 'zero\none\nthree\n');
    t.is(r.stderr.split('\n').filter(Boolean).length, 2, r.stderr);
    t.true(r.stderr.includes(`tsrun: warning: skipped lines of ${log}.1 `));
    t.true(r.stderr.includes(`tsrun: warning: skipped lines of ${log} `));
    t.is(s.run(['logs', '--tail', '2', id]).stdout, 'one\nthree\n');
  });
});

test('--since, --until and -t as docker logs; bad values are refused before anything is read', async (t) => {
  await withState(async (s) => {
    const { id, log } = exitedContainer(t, s);
    writeFileSync(
      log,
      entry('early\n', '2024-01-02T03:00:00.5Z') + entry('middle\n', '2024-01-02T04:00:00.000000001Z', 'stderr') + entry('late\n', '2024-01-02T05:00:00Z'),
    );
    t.is(s.run(['logs', '--since', '2024-01-02T03:30:00Z', id]).stdout, 'late\n');
    t.is(s.run(['logs', '--since', '2024-01-02T03:30:00Z', id]).stderr, 'middle\n');
    t.is(s.run(['logs', '--until', '2024-01-02T04:00:00Z', id]).stdout, 'early\n');
    t.is(s.run(['logs', '--since', '1704164400', '--until', '1704168000.000000001', id]).stderr, 'middle\n');
    t.is(s.run(['logs', '--since', '2024-01-02T04:00:00+01:00', '-t', id]).stdout, '2024-01-02T03:00:00.500000000Z early\n2024-01-02T05:00:00.000000000Z late\n');
    t.is(s.run(['logs', '--since', '10m', id]).stdout, '');
    t.is(s.run(['logs', '--until', '1h30m', id]).stdout, 'early\nlate\n');
    for (const [args, msg] of [
      [['--since', 'yesterday'], /^tsrun: invalid --since "yesterday": use an RFC 3339 time/],
      [['--until', '2024-13-01'], /^tsrun: invalid --until "2024-13-01"/],
      [['--tail', 'ten'], /^tsrun: invalid --tail "ten": use a number of lines or all/],
    ] as const) {
      const r = s.run(['logs', ...args, id]);
      t.is(r.code, 1, args.join(' '));
      t.regex(r.stderr, msg);
      t.is(r.stderr.split('\n').length, 2);
      t.is(r.stdout, '');
    }
  });
});

/** Lines `first`..`last` as the shell loop below prints them. */
const numbered = (first: number, last: number): string => Array.from({ length: last - first + 1 }, (_, i) => `line ${first + i}\n`).join('');

test('--log-opt max-size/max-file rotate as Docker: at most max-file files of about max-size, read back in order; rm removes them', async (t) => {
  await withState(async (s) => {
    const id = detached(t, s, ['--log-opt', 'max-size=10k', '--log-opt', 'max-file=3', 'alpine', 'sh', '-c', 'i=0; while [ $i -lt 2000 ]; do i=$((i+1)); echo "line $i"; done']);
    t.is(s.run(['wait', id]).stdout, '0\n');
    const dir = join(s.dir, 'containers', id);
    const files = readdirSync(dir).filter((f) => f.includes('-json.log')).sort();
    t.deepEqual(files, [`${id}-json.log`, `${id}-json.log.1`, `${id}-json.log.2`]);
    for (const f of files) t.true(statSync(join(dir, f)).size < 10_000 + 100, `${f}: ${statSync(join(dir, f)).size} bytes`);
    const out = s.run(['logs', id]).stdout;
    const first = Number(/^line (\d+)\n/.exec(out)?.[1]);
    t.true(first > 1);
    t.is(out, numbered(first, 2000));
    t.is(s.run(['logs', '--tail', '3', id]).stdout, numbered(1998, 2000));
    const inspect = JSON.parse(s.run(['inspect', id]).stdout)[0];
    t.deepEqual(inspect.HostConfig.LogConfig, { Type: 'json-file', Config: { 'max-size': '10k', 'max-file': '3' } });
    t.is(s.run(['rm', id]).code, 0);
    t.false(existsSync(dir));
  });
});

test('logs -f follows across rotations, every line once and in order, and ends with the container', async (t) => {
  await withState(async (s) => {
    // The output starts only once logs -f follows (it has printed "ready"), however slow the machine.
    const id = detached(t, s, [
      '--log-opt', 'max-size=2k', '--log-opt', 'max-file=5', 'alpine', 'sh', '-c',
      'echo ready; while [ ! -e /go ]; do sleep 0.05; done; i=0; while [ $i -lt 600 ]; do i=$((i+1)); echo "line $i"; [ $((i % 10)) = 0 ] && sleep 0.05; done; true',
    ]);
    const follow = spawn(BIN, ['logs', '-f', id], { env: s.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    follow.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number>((done) => follow.on('close', (code) => done(code ?? 128)));
    await new Promise<void>((following) => {
      follow.stdout.on('data', (d) => {
        out += d;
        if (out.startsWith('ready\n')) following();
      });
    });
    t.is(s.run(['exec', id, 'touch', '/go']).code, 0);
    t.is(await exited, 0, err);
    t.is(out, `ready\n${numbered(1, 600)}`);
    t.true(readdirSync(join(s.dir, 'containers', id)).includes(`${id}-json.log.4`));
  });
});

test('bad log options are refused as Docker refuses them, before anything is created; --log-driver none keeps no log', async (t) => {
  await withState(async (s) => {
    for (const [args, msg] of [
      [['--log-opt', 'color=red'], "tsrun: unknown log opt 'color' for json-file log driver\n"],
      [['--log-opt', 'max-size=ten'], /^tsrun: invalid size: 'ten'/],
      [['--log-opt', 'max-file=0'], 'tsrun: max-file cannot be less than 1\n'],
      [['--log-driver', 'syslog'], /^tsrun: logger: no log driver named 'syslog' is registered/],
      [['--log-driver', 'none', '--log-opt', 'max-size=1m'], 'tsrun: invalid logging opts for driver none\n'],
    ] as const) {
      const r = s.run(['run', '-d', ...args, 'alpine', 'true']);
      t.not(r.code, 0, args.join(' '));
      if (typeof msg === 'string') t.is(r.stderr, msg);
      else t.regex(r.stderr, msg);
    }
    t.deepEqual(s.containerIds(), []);
    const id = detached(t, s, ['--log-driver', 'none', 'alpine', 'echo', 'hello']);
    t.is(s.run(['wait', id]).stdout, '0\n');
    t.deepEqual(readdirSync(join(s.dir, 'containers', id)).filter((f) => f.includes('json.log')), []);
    const r = s.run(['logs', id]);
    t.is(r.code, 1);
    t.is(r.stderr, 'tsrun: configured logging driver does not support reading\n');
    const inspect = JSON.parse(s.run(['inspect', id]).stdout)[0];
    t.deepEqual(inspect.HostConfig.LogConfig, { Type: 'none', Config: {} });
    t.is(inspect.LogPath, '');
  });
});
