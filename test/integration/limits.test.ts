/**
 * A cgroup per container, as Docker makes one: --pids-limit, --memory (OOM kill: exit 137 and
 * State.OOMKilled), --cpus, a read-only /sys/fs/cgroup rooted at the container's own cgroup,
 * removal with the container and after a crash, Docker's checks of the values, and `stats`.
 * Run on the CI machine (cgroup v1, hybrid) and in the VM stage (cgroup v2).
 */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRoot } from '../helpers/tsrun';
import { setUpProbe } from '../security/probe';

const setup = setUpProbe(test);
const state = setup.state;

const V2 = existsSync('/sys/fs/cgroup/cgroup.controllers');

/** Where the host has container `id`'s cgroup (default parent tsrun): the unified one, or the pids and memory hierarchies. */
function cgroupDirs(id: string): string[] {
  return V2 ? [`/sys/fs/cgroup/tsrun/${id}`] : [`/sys/fs/cgroup/pids/tsrun/${id}`, `/sys/fs/cgroup/memory/tsrun/${id}`];
}

function idOf(name: string): string {
  return JSON.parse(state.run(['inspect', name]).stdout)[0].Id as string;
}

test('a 1000-process spawn stops at --pids-limit 100, and goes past it without', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  t.is(state.run(['run', '--rm', '--pids-limit', '100', 'probe', '/probe', 'forks', '1000']).stdout, 'started=99 error=EAGAIN\n', 'PID 1 and 99 children');
  t.is(state.run(['run', '--rm', 'probe', '/probe', 'forks', '300']).stdout, 'started=300\n');
});

test('a 200 MB allocation under --memory 32m is OOM-killed: exit 137, State.OOMKilled, HostConfig as Docker shows it', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  const r = state.run(['run', '--name', 'hungry', '--memory', '32m', 'probe', '/probe', 'alloc', '200']);
  t.is(r.code, 137);
  t.is(r.stdout, '');
  const info = JSON.parse(state.run(['inspect', 'hungry']).stdout)[0];
  t.like(info.State, { Status: 'exited', ExitCode: 137, OOMKilled: true });
  t.like(info.HostConfig, { Memory: 32 * 1024 * 1024, MemorySwap: 64 * 1024 * 1024, CgroupParent: 'tsrun', PidsLimit: null });
  t.is(state.run(['rm', 'hungry']).code, 0);
  const fits = state.run(['run', '--name', 'fed', '--memory', '256m', 'probe', '/probe', 'alloc', '100']);
  t.is(fits.stdout, 'allocated 100 MB\n');
  t.false(JSON.parse(state.run(['inspect', 'fed']).stdout)[0].State.OOMKilled);
  t.is(state.run(['rm', 'fed']).code, 0);
});

test('--cpus 0.5 halves a busy loop\'s share of a CPU', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  // The share is the CPU time the loop got over the enforcement periods it ran in (100 ms
  // each), both as the kernel counts them in the container's own cgroup: true under
  // emulation too, where a guest's CPU and wall clocks drift apart.
  const stats = V2 ? 'cat /sys/fs/cgroup/cpu.stat' : 'cat /sys/fs/cgroup/cpu/cpu.stat; echo usage_ns $(cat /sys/fs/cgroup/cpuacct/cpuacct.usage)';
  const r = state.run(['run', '--rm', '--cpus', '0.5', 'probe', 'sh', '-c', `/probe spin 3 >/dev/null; ${stats}`]);
  const num = (key: string): number => Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(r.stdout)?.[1]);
  const usedMs = V2 ? num('usage_usec') / 1000 : num('usage_ns') / 1e6;
  const share = usedMs / (num('nr_periods') * 100);
  t.true(share > 0.35 && share < 0.6, `the loop got ${(100 * share).toFixed(0)} % of its periods (${r.stdout} ${r.stderr})`);
});

test('/sys/fs/cgroup inside is read-only and rooted at the container\'s own cgroup', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  const r = state.run(['run', '--rm', '--pids-limit', '50', 'probe', 'sh', '-c', [
    'grep -c -v ":/$" /proc/self/cgroup',
    V2 ? 'cat /sys/fs/cgroup/pids.max' : 'cat /sys/fs/cgroup/pids/pids.max',
    'mkdir /sys/fs/cgroup/escape 2>/dev/null || echo read-only',
  ].join('; ')]);
  t.is(r.stdout, '0\n50\nread-only\n', r.stderr);
});

test('the cgroup lives as long as the container: gone after rm, and after its monitor is killed', async (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  t.is(state.run(['run', '-d', '--name', 'short', 'probe', 'sleep', '300']).code, 0);
  const id = idOf('short');
  t.true(cgroupDirs(id).every((d) => existsSync(d)));
  const pid = JSON.parse(state.run(['inspect', 'short']).stdout)[0].State.Pid as number;
  t.true(readFileSync(`${cgroupDirs(id)[0]}/cgroup.procs`, 'utf8').split('\n').includes(String(pid)), 'PID 1 is in it');
  t.is(state.run(['rm', '-f', 'short']).code, 0);
  t.true(cgroupDirs(id).every((d) => !existsSync(d)));
  t.is(state.run(['run', '-d', '--name', 'orphan', 'probe', 'sleep', '300']).code, 0);
  const orphan = idOf('orphan');
  const monitor = JSON.parse(readFileSync(`${state.dir}/containers/${orphan}/config.json`, 'utf8')).state.monitor.pid as number;
  process.kill(monitor, 'SIGKILL');
  await sleep(200);
  t.is(state.run(['ps', '-a']).code, 0);
  t.true(cgroupDirs(orphan).every((d) => !existsSync(d)), 'reconciliation removed it');
  t.is(state.run(['rm', 'orphan']).code, 0);
});

test('bad limits: Docker\'s message, exit 125, nothing created', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  const before = state.containerIds();
  const cases: Array<[string[], RegExp]> = [
    [['--memory', '1m'], /^tsrun: Minimum memory limit allowed is 6MB\n$/],
    [['--memory', 'lots'], /^tsrun: invalid argument "lots" for "-m, --memory" flag: invalid size: 'lots'/],
    [['--memory-swap', '1g'], /^tsrun: You should always set the Memory limit when using Memoryswap limit, see usage\n$/],
    [['--memory', '64m', '--memory-swap', '32m'], /^tsrun: Minimum memoryswap limit should be larger than memory limit, see usage\n$/],
    [['--cpus', '999'], /^tsrun: Range of CPUs is from 0\.01 to \d+\.00, as there are only \d+ CPUs available\n$/],
    [['--cpus', 'half'], /^tsrun: invalid argument "half" for "--cpus" flag: failed to parse half as a rational number\n$/],
    [['--pids-limit', 'many'], /^tsrun: invalid argument "many" for "--pids-limit" flag/],
    [['--cgroup-parent', '../escape'], /^tsrun: invalid --cgroup-parent "\.\.\/escape"/],
  ];
  for (const [args, message] of cases) {
    const r = state.run(['run', '--rm', ...args, 'probe', 'true']);
    t.is(r.code, 125, args.join(' '));
    t.regex(r.stderr, message);
  }
  t.deepEqual(state.containerIds(), before);
});

test('stats --no-stream: Docker\'s columns, the memory limit, the processes and a busy container\'s CPU', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  t.is(state.run(['run', '-d', '--name', 'busy', '--memory', '100m', 'probe', 'sh', '-c', 'while :; do :; done']).code, 0);
  t.is(state.run(['run', '-d', '--name', 'idle', 'probe', 'sleep', '300']).code, 0);
  const table = state.run(['stats', '--no-stream', 'busy', 'idle']).stdout.split('\n');
  t.regex(table[0]!, /^CONTAINER ID +NAME +CPU % +MEM USAGE \/ LIMIT +MEM % +NET I\/O +BLOCK I\/O +PIDS$/);
  const rows = Object.fromEntries(state.run(['stats', '--no-stream', '--format', 'json', 'busy', 'idle']).stdout.trim().split('\n').map((l) => {
    const row = JSON.parse(l);
    return [row.Name, row];
  }));
  t.regex(rows.busy.MemUsage, / \/ 100MiB$/);
  t.is(rows.busy.PIDs, '1');
  t.true(Number.parseFloat(rows.busy.CPUPerc) > 20, `busy: ${rows.busy.CPUPerc}`);
  t.true(Number.parseFloat(rows.idle.CPUPerc) < 5, `idle: ${rows.idle.CPUPerc}`);
  t.is(rows.idle.NetIO, '0B / 0B');
  t.is(state.run(['rm', '-f', 'busy', 'idle']).code, 0);
});
