/**
 * Vector 2, the invoker's files. The attack: reopen /proc/self/fd/0-2 to read what the
 * invoker's log already held, or to truncate it. Docker hands the container /dev/null and
 * pipes, so the reopened fds are a pipe (nothing to read) and truncation has no effect.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, isRoot } from '../helpers/tsrun';
import { setUpProbe } from './probe';

const setup = setUpProbe(test);
const state = setup.state;

/** Runs `tsrun ARGS` from a shell that appends its stdout and stderr to files it opened itself. */
function attack(name: string, args: string): { log: string; report: string } {
  const log = join(setup.probe.dir, `${name}.log`);
  const report = join(setup.probe.dir, `${name}.err`);
  writeFileSync(log, 'SECRET written before\n');
  writeFileSync(report, '');
  spawnSync('sh', ['-c', `${BIN} ${args} </dev/null >>${log} 2>>${report}`], { env: state.env(), stdio: 'ignore', timeout: 60_000 });
  return { log: readFileSync(log, 'utf8'), report: readFileSync(report, 'utf8') };
}

function assertPipes(t: import('ava').ExecutionContext, r: { log: string; report: string }): void {
  t.is(r.log, 'SECRET written before\nprobe-done\n', 'the log kept its content and got the probe\'s line');
  t.notRegex(r.report, /leaked|SECRET/, r.report);
  t.regex(r.report, /^fd0=\/dev\/null reread=empty /m, 'stdin is the container\'s /dev/null');
  t.regex(r.report, /^fd1=pipe:\[\d+\] reread=EAGAIN truncate=opened$/m, 'stdout is a pipe: nothing to read back');
  t.regex(r.report, /^fd2=pipe:\[\d+\] reread=EAGAIN truncate=opened$/m, 'stderr is a pipe too');
}

test('run: fds 0-2 are /dev/null and pipes; the invoker\'s log is neither read back nor truncated', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  assertPipes(t, attack('run', 'run --rm probe /probe fds'));
});

test('exec: the same for a process exec\'d into a running container', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  t.is(state.run(['run', '-d', '--name', 'holder', 'probe', 'sleep', '300']).code, 0);
  assertPipes(t, attack('exec', 'exec holder /probe fds'));
  t.is(state.run(['rm', '-f', 'holder']).code, 0);
});

test('run -d beside other detached containers: PID 1 holds its stdio only, nothing of the supervisor (its socket, its neighbours\' pipes and logs)', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  t.is(state.run(['run', '-d', '--name', 'neighbour', 'probe', 'sh', '-c', 'while :; do echo noise; sleep 0.2; done']).code, 0);
  t.is(state.run(['run', '-d', '--name', 'looker', 'probe', 'sleep', '300']).code, 0);
  // From inside: what PID 1's fds lead to.
  const r = state.run(['exec', 'looker', 'ls', '-l', '/proc/1/fd']);
  t.is(r.code, 0, r.stderr);
  const fds = [...r.stdout.matchAll(/ (\d+) -> (\S+)$/gm)].map((m) => `${m[1]} ${m[2]!.replace(/\d+/, 'N')}`);
  t.deepEqual(fds, ['0 /dev/null', '1 pipe:[N]', '2 pipe:[N]']);
  t.is(state.run(['rm', '-f', 'neighbour', 'looker']).code, 0);
});
