/**
 * Every numeric, enumerated and boolean flag of the container commands is checked before
 * anything happens: a bad value is one line, exit 125 as Docker's CLI gives for a flag's bad value
 * (kill's signal, checked by Docker's daemon, exits 1), and the container is left as it was.
 */
import test from 'ava';
import { isRoot, StateRoot, withState } from '../helpers/tsrun';

test.beforeEach((t) => {
  if (!isRoot) t.fail('needs root: run the suite with sudo');
});

test('bad flag values of stop, kill, ps, stats, rm, run, exec and network ls change nothing', async (t) => {
  await withState((s) => {
    const started = s.run(['run', '-d', '--name', 'steady', 'alpine', 'sleep', '300']);
    t.is(started.code, 0, started.stderr);
    const cases: Array<[string[], number, string]> = [
      [['stop', '-t', 'abc', 'steady'], 125, `invalid argument "abc" for "-t, --time" flag: not a whole number (e.g. -t 30) (see 'tsrun stop --help')`],
      [['stop', '--time=1.5', 'steady'], 125, `invalid argument "1.5" for "-t, --time" flag: not a whole number (e.g. -t 30) (see 'tsrun stop --help')`],
      [['stop', '--time=', 'steady'], 125, `invalid argument "" for "-t, --time" flag: not a whole number (e.g. -t 30) (see 'tsrun stop --help')`],
      [['kill', '-s', '99', 'steady'], 1, 'invalid signal: 99 (use a name like TERM, HUP or RTMIN+1, or a number from 1-31 or 34-64)'],
      [['kill', '-s', '0', 'steady'], 1, 'invalid signal: 0 (use a name like TERM, HUP or RTMIN+1, or a number from 1-31 or 34-64)'],
      [['kill', '-s', '32', 'steady'], 1, 'invalid signal: 32 (use a name like TERM, HUP or RTMIN+1, or a number from 1-31 or 34-64)'],
      [['kill', '-s', 'RTMIN+16', 'steady'], 1, 'invalid signal: RTMIN+16 (use a name like TERM, HUP or RTMIN+1, or a number from 1-31 or 34-64)'],
      [['ps', '--format', '{{.Names'], 1, 'Template parsing error: template: :1: unclosed action'],
      [['stats', '--no-stream', '--format', 'yaml', 'steady'], 125, `invalid argument "yaml" for "--format" flag: use table or json (see 'tsrun stats --help')`],
      // A flag given twice is its last value, as in Docker's CLI (yargs made an array of them).
      [['kill', '-s', 'TERM', '-s', '99', 'steady'], 1, 'invalid signal: 99 (use a name like TERM, HUP or RTMIN+1, or a number from 1-31 or 34-64)'],
      [['run', '-m', '64m', '-m', 'abc', 'alpine', 'true'], 125, `invalid argument "abc" for "-m, --memory" flag: invalid size: 'abc' (e.g. 512m, 1g)`],
      [['ps', '--all=abc'], 125, `invalid argument "abc" for "--all" flag: use true or false (see 'tsrun ps --help')`],
      [['stats', '--no-stream=2', 'steady'], 125, `invalid argument "2" for "--no-stream" flag: use true or false (see 'tsrun stats --help')`],
      [['rm', '-f=maybe', 'steady'], 125, `invalid argument "maybe" for "-f" flag: use true or false (see 'tsrun rm --help')`],
      [['network', 'ls', '-q=x'], 125, `invalid argument "x" for "-q" flag: use true or false (see 'tsrun network ls --help')`],
      [['run', '--rm=abc', 'alpine', 'true'], 125, `invalid argument "abc" for "--rm" flag: use true or false (see 'tsrun run --help')`],
      [['exec', '-d=x', 'steady', 'true'], 125, `invalid argument "x" for "-d" flag: use true or false (see 'tsrun exec --help')`],
    ];
    for (const [args, code, message] of cases) {
      const r = s.run(args);
      t.is(r.stderr, `tsrun: ${message}\n`, args.join(' '));
      t.is(r.code, code, args.join(' '));
      t.is(r.stdout, '', args.join(' '));
    }
    t.is(s.run(['ps', '--format', 'json']).stdout.split('\n').filter(Boolean).length, 1, 'steady still runs');
    t.is(s.containerIds().length, 1, 'no other container made');
    // Go's words for true and false, as Docker takes them: --no-stream=1 samples once and ends.
    const once = s.run(['stats', '--no-stream=1', 'steady']);
    t.is(once.code, 0, once.stderr);
    t.is(once.stdout.split('\n').filter(Boolean).length, 2);
    t.is(s.run(['ps', '-a=T', '-q']).stdout.split('\n').filter(Boolean).length, 1);
    // The container's own arguments are not tsrun's flags.
    t.is(s.run(['run', '--rm=1', 'alpine', 'echo', '--rm=x']).stdout, '--rm=x\n');
    // The forms Docker takes still work: a real-time signal by name (sleep as PID 1 ignores it), and -t 0.
    t.is(s.run(['kill', '-s', 'RTMIN+1', 'steady']).stderr, '');
    const stop = s.run(['stop', '-t', '0', 'steady']);
    t.is(stop.stdout, 'steady\n', stop.stderr);
    t.is(s.run(['ps', '-q']).stdout, '');
  });
});

test('run -w naming a file: Docker\'s message, exit 125, no container left', async (t) => {
  await withState((s) => {
    for (const [dir, message] of [
      ['/etc/passwd', 'Cannot mkdir: /etc/passwd is not a directory (give -w a directory path)'],
      ['/etc/passwd/sub', 'Cannot mkdir: /etc/passwd/sub: one of its parents is not a directory (give -w a directory path)'],
    ]) {
      const r = s.run(['run', '--rm', '-w', dir!, 'alpine', 'pwd']);
      t.is(r.stderr, `tsrun: ${message}\n`);
      t.is(r.code, 125);
      t.is(r.stdout, '');
    }
    t.deepEqual(s.containerIds(), []);
    t.deepEqual(s.mounts(), []);
    t.is(s.run(['run', '--rm', '-w', '/made/here', 'alpine', 'pwd']).stdout, '/made/here\n');
  });
});

test("the CLI speaks English whatever LANG says, as Docker's does", (t) => {
  const s = new StateRoot();
  try {
    const env = { LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8' };
    const r = s.run(['nosuch'], { env });
    t.is(r.stderr, "tsrun: Unknown argument: nosuch (see 'tsrun --help')\n");
    t.is(r.code, 1);
    t.regex(s.run(['network', '--help'], { env }).stdout, /^Commands:$/m);
  } finally {
    s.remove();
  }
});
