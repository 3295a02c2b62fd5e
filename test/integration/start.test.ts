/**
 * create, start and restart, as Docker 20.10's: a created container waits in `Created`; a
 * stopped one starts again with the same id, name, upper layer and network requests (a
 * fixed --ip comes back, an automatic one is allocated again); restart keeps a --rm
 * container; a start that fails or is killed leaves the container as it was.
 */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { BIN, isRoot, withState, type StateRoot } from '../helpers/tsrun';
import { hostLinks, withLab } from '../helpers/lab';

test.beforeEach((t) => {
  if (!isRoot) t.fail('needs root: run the suite with sudo');
});

function inspect(s: StateRoot, ref: string): any {
  return JSON.parse(s.run(['inspect', ref]).stdout)[0];
}

function ok(s: StateRoot, args: string[]): string {
  const r = s.run(args);
  if (r.code !== 0) throw new Error(`tsrun ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

const ipv4Of = (s: StateRoot, c: string, dev = 'eth0'): string => ok(s, ['exec', c, 'sh', '-c', `ip -o -4 addr show ${dev} | awk '{print $4}'`]).trim();

test('create records a container in Created; start runs it with the same id and name; start -a gives its output and exit code', async (t) => {
  await withState((s) => {
    const id = ok(s, ['create', '--name', 'later', 'alpine', 'sh', '-c', 'echo run at $(cat /proc/uptime | cut -d. -f1) >> /kept; cat /kept; exit 3']).trim();
    t.regex(id, /^[0-9a-f]{64}$/, 'create prints the full id');
    t.regex(ok(s, ['ps', '-a']).split('\n')[1]!, new RegExp(`^${id.slice(0, 12)} +alpine +"sh -c echo run at.*" +.* ago +Created +later$`));
    t.is(ok(s, ['ps', '-q']), '', 'not running');
    t.like(inspect(s, 'later').State, { Status: 'created', Running: false, Pid: 0, ExitCode: 0, StartedAt: '0001-01-01T00:00:00Z' });
    t.is(ok(s, ['ps', '-aq']).trim(), id.slice(0, 12), 'a second command does not take the created container for a dead run');

    const first = s.run(['start', '-a', 'later']);
    t.is(first.code, 3, 'start -a exits with the container\'s code');
    t.regex(first.stdout, /^run at \d+\n$/);
    t.like(inspect(s, 'later').State, { Status: 'exited', ExitCode: 3 });
    t.is(inspect(s, 'later').Id, id);

    t.is(ok(s, ['container', 'start', 'later']), 'later\n', 'start prints what it was given, as Docker');
    t.is(ok(s, ['wait', 'later']), '3\n');
    t.regex(ok(s, ['logs', 'later']), /^run at \d+\nrun at \d+\n$/, 'the second run found the first one\'s file: the upper layer is kept');
    t.is(ok(s, ['ps', '-aq']).trim(), id.slice(0, 12), 'still one container');
  });
});

test('start -ai feeds this stdin to a container made with -i; start of a running container does nothing, as Docker', async (t) => {
  await withState((s) => {
    ok(s, ['create', '-i', '--name', 'cat', 'alpine', 'cat']);
    const r = s.run(['start', '-ai', 'cat'], { input: 'through stdin\n' });
    t.is(r.code, 0, r.stderr);
    t.is(r.stdout, 'through stdin\n');

    ok(s, ['run', '-d', '--name', 'up', 'alpine', 'sleep', '300']);
    const pid = inspect(s, 'up').State.Pid;
    t.is(ok(s, ['start', 'up']), 'up\n');
    t.is(inspect(s, 'up').State.Pid, pid, 'the same process');
    const attach = s.run(['start', '-a', 'up']);
    t.is(attach.code, 1);
    t.is(attach.stderr, 'tsrun: container up is already running\n');
    const many = s.run(['start', '-a', 'up', 'cat']);
    t.is(many.code, 1);
    t.is(many.stderr, 'tsrun: you cannot start and attach multiple containers at once\n');
    ok(s, ['rm', '-f', 'up']);
  });
});

test('restart: a new process, the same container; a --rm container is kept across it and removed at its next stop', async (t) => {
  await withState((s) => {
    const id = ok(s, ['run', '-d', '--rm', '--name', 'again', 'alpine', 'sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.1; done']).trim();
    const before = inspect(s, 'again').State;
    t.is(ok(s, ['restart', '-t', '5', 'again']), 'again\n');
    const after = inspect(s, 'again');
    t.is(after.Id, id);
    t.like(after.State, { Status: 'running', Running: true });
    t.not(after.State.Pid, before.Pid, 'a new init');
    t.not(after.State.StartedAt, before.StartedAt);
    t.is(ok(s, ['container', 'restart', '-t', '0', 'again']), 'again\n', 'the container form');
    ok(s, ['stop', 'again']);
    t.is(ok(s, ['ps', '-aq']), '', '--rm applies at a stop that is not a restart');
    t.false(existsSync(join(s.dir, 'containers', id)));

    ok(s, ['create', '--name', 'fresh', 'alpine', 'sleep', '300']);
    t.is(ok(s, ['restart', 'fresh']), 'fresh\n', 'restart of a created container starts it');
    t.is(inspect(s, 'fresh').State.Status, 'running');
    ok(s, ['rm', '-f', 'fresh']);
  });
});

test('a stopped container starts again on its networks: a fixed --ip is kept, an automatic one allocated again, a network connected while stopped plugged too', async (t) => {
  await withLab(['10.41.0.1/24', '10.42.0.1/24'], async (s, lab) => {
    const linksBefore = hostLinks(lab);
    ok(s, ['network', 'create', '-d', 'macvlan', '--subnet=10.41.0.0/24', '-o', `parent=${lab.parent}`, 'front']);
    ok(s, ['network', 'create', '-d', 'macvlan', '--subnet=10.42.0.0/24', '-o', `parent=${lab.parent}`, 'back']);
    ok(s, ['create', '--name', 'auto', '--net', 'front', 'alpine', 'sleep', '300']);
    ok(s, ['create', '--name', 'fixed', '--net', 'front', '--ip', '10.41.0.50', 'alpine', 'sleep', '300']);
    t.deepEqual(JSON.parse(ok(s, ['network', 'inspect', 'front']))[0].Containers, {}, 'create reserves no address (Docker allocates at start)');
    ok(s, ['start', 'auto', 'fixed']);
    t.is(ipv4Of(s, 'auto'), '10.41.0.2/24');
    t.is(ipv4Of(s, 'fixed'), '10.41.0.50/24');
    ok(s, ['stop', '-t', '0', 'auto', 'fixed']);
    t.deepEqual(JSON.parse(ok(s, ['network', 'inspect', 'front']))[0].Containers, {}, 'a stopped container holds no address');
    ok(s, ['run', '-d', '--name', 'taker', '--net', 'front', 'alpine', 'sleep', '300']);
    t.is(ipv4Of(s, 'taker'), '10.41.0.2/24', 'the freed address goes to the next container');
    ok(s, ['network', 'connect', 'back', 'fixed']);
    ok(s, ['start', 'auto', 'fixed']);
    t.is(ipv4Of(s, 'auto'), '10.41.0.3/24', 'an automatic address is allocated again');
    t.is(ipv4Of(s, 'fixed'), '10.41.0.50/24', 'a fixed --ip comes back');
    t.is(ipv4Of(s, 'fixed', 'eth1'), '10.42.0.2/24', 'the network connected while it was stopped is eth1');
    t.is(ok(s, ['exec', 'fixed', 'ping', '-c', '1', '-W', '5', '10.42.0.1']).includes('1 packets received'), true, 'it reaches that LAN');
    const nets = inspect(s, 'fixed').NetworkSettings.Networks;
    t.deepEqual(Object.keys(nets), ['front', 'back']);
    t.like(nets.front, { IPAddress: '10.41.0.50', IPAMConfig: { IPv4Address: '10.41.0.50' } });
    ok(s, ['restart', '-t', '0', 'fixed']);
    t.is(ipv4Of(s, 'fixed'), '10.41.0.50/24');
    t.is(ipv4Of(s, 'fixed', 'eth1'), '10.42.0.2/24', 'restart numbers the interfaces from eth0 again');
    ok(s, ['rm', '-f', 'auto', 'fixed', 'taker']);
    ok(s, ['network', 'rm', 'front', 'back']);
    t.deepEqual(hostLinks(lab), linksBefore);
  });
});

test("start fails with its network gone: one line, exit 1, the container as it was and nothing left reserved", async (t) => {
  await withLab(['10.43.0.1/24'], async (s, lab) => {
    ok(s, ['network', 'create', '-d', 'macvlan', '--subnet=10.43.0.0/24', '-o', `parent=${lab.parent}`, 'gone']);
    ok(s, ['run', '--name', 'orphan', '--net', 'gone', 'alpine', 'true']);
    ok(s, ['network', 'rm', 'gone']);
    const r = s.run(['start', 'orphan']);
    t.is(r.code, 1);
    t.is(r.stderr, "tsrun: network gone not found (see 'tsrun network ls')\n");
    t.like(inspect(s, 'orphan').State, { Status: 'exited', ExitCode: 128, Error: "network gone not found (see 'tsrun network ls')" }, "as Docker records it");
    t.is(s.run(['start', '-a', 'orphan']).code, 1, 'start -a too');
    ok(s, ['network', 'disconnect', '-f', 'gone', 'orphan']);
    t.is(s.run(['start', '-a', 'orphan']).code, 0, 'disconnected from it, the container starts (on no network)');
  });
});

test('a start whose command cannot run leaves the container as it was, with the error recorded', async (t) => {
  await withState((s) => {
    ok(s, ['create', '--name', 'typo', 'alpine', 'nosuchcommand']);
    const r = s.run(['start', 'typo']);
    t.is(r.code, 1);
    t.regex(r.stderr, /^tsrun: .*nosuchcommand.*\n$/);
    const st = inspect(s, 'typo').State;
    t.is(st.Status, 'created');
    t.is(st.ExitCode, 127, "exec's code, recorded as Docker does");
    t.regex(st.Error, /nosuchcommand/);
    t.is(ok(s, ['ps', '-aq']).length, 13, 'the container is still there');
  });
});

for (const point of ['start:after-claim', 'run:after-plug'] as const) {
  test(`kill -9 of a start at ${point}: the container stays as it was, its address free, and starts later`, async (t) => {
    await withLab(['10.44.0.1/24'], async (s, lab) => {
      ok(s, ['network', 'create', '-d', 'macvlan', '--subnet=10.44.0.0/24', '-o', `parent=${lab.parent}`, 'crash']);
      ok(s, ['create', '--name', 'victim', '--net', 'crash', 'alpine', 'sleep', '300']);
      for (const args of [['start', '-a', 'victim'], ['start', 'victim']]) {
        const r = s.run(args, { env: { TSRUN_FAULT: point } });
        t.not(r.code, 0, `${args.join(' ')}: the start died`);
        t.like(inspect(s, 'victim').State, { Status: 'created', Running: false }, 'still created');
        t.deepEqual(JSON.parse(ok(s, ['network', 'inspect', 'crash']))[0].Containers, {}, 'its address released');
      }
      ok(s, ['start', 'victim']);
      t.is(ipv4Of(s, 'victim'), '10.44.0.2/24');
      ok(s, ['stop', '-t', '0', 'victim']);
      const r = s.run(['start', 'victim'], { env: { TSRUN_FAULT: point } });
      t.not(r.code, 0);
      t.like(inspect(s, 'victim').State, { Status: 'exited', ExitCode: 137 }, 'an exited one stays exited with its code');
      ok(s, ['rm', 'victim']);
    });
  });
}

test('kill -9 of a restart between its stop and its start: a --rm container is left exited, not lost, and starts again', async (t) => {
  await withState((s) => {
    ok(s, ['run', '-d', '--rm', '--name', 'midway', 'alpine', 'sleep', '300']);
    const r = s.run(['restart', '-t', '0', 'midway'], { env: { TSRUN_FAULT: 'restart:after-stop' } });
    t.is(r.code, 128, 'killed by SIGKILL');
    t.is(inspect(s, 'midway').State.Status, 'exited');
    ok(s, ['start', 'midway']);
    t.is(inspect(s, 'midway').State.Status, 'running');
    ok(s, ['stop', '-t', '0', 'midway']);
    t.is(ok(s, ['ps', '-aq']), '', 'its --rm applies again');
  });
});

test('prune removes created containers too; create checks its input as run does and creates nothing on bad input', async (t) => {
  await withState((s) => {
    const bad = s.run(['create', '--memory', 'lots', 'alpine']);
    t.is(bad.code, 125);
    t.is(bad.stderr.split('\n').length, 2, 'one line');
    t.is(s.run(['create', '--net', 'nosuch', 'alpine']).code, 125);
    t.is(s.run(['create', '-d', 'alpine']).code, 125, 'create has no -d');
    t.deepEqual(s.containerIds(), []);
    const id = ok(s, ['container', 'create', 'alpine']).trim();
    t.regex(ok(s, ['container', 'prune', '-f']), new RegExp(`^Deleted Containers:\\n${id}\\n`));
    t.deepEqual(s.containerIds(), []);
  });
});

test('exec and stop on a created container answer as Docker', async (t) => {
  await withState((s) => {
    ok(s, ['create', '--name', 'idle', 'alpine', 'sleep', '300']);
    const r = s.run(['exec', 'idle', 'true']);
    t.is(r.code, 1);
    t.regex(r.stderr, /is not running/);
    t.is(ok(s, ['stop', 'idle']), 'idle\n');
    t.is(inspect(s, 'idle').State.Status, 'created');
    const help = spawnSync(BIN, ['start', '--help'], { encoding: 'utf8' });
    t.regex(help.stdout, /-a, --attach/);
    t.regex(help.stdout, /-i, --interactive/);
  });
});

test('--restart on-failure:2 starts a failing container twice more, counted in RestartCount; stop ends always', async (t) => {
  await withState(async (s) => {
    ok(s, ['run', '-d', '--restart', 'on-failure:2', '--name', 'flaky', 'alpine', 'sh', '-c', 'echo try; exit 3']);
    t.is(ok(s, ['wait', 'flaky']).trim(), '3');
    const deadline = Date.now() + 30_000;
    while (inspect(s, 'flaky').RestartCount < 2 || inspect(s, 'flaky').State.Status !== 'exited') {
      if (Date.now() > deadline) return t.fail(`still ${JSON.stringify(inspect(s, 'flaky').State)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 1_000));
    const done = inspect(s, 'flaky');
    t.is(done.RestartCount, 2, 'and no more');
    t.deepEqual(done.HostConfig.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 2 });
    t.is(ok(s, ['logs', 'flaky']), 'try\ntry\ntry\n', 'three runs in its log');

    ok(s, ['run', '-d', '--restart', 'always', '--name', 'ever', 'alpine', 'sh', '-c', 'sleep 0.3']);
    while (inspect(s, 'ever').RestartCount < 2) await new Promise((r) => setTimeout(r, 100));
    ok(s, ['stop', '-t', '1', 'ever']);
    const stopped = inspect(s, 'ever');
    await new Promise((r) => setTimeout(r, 2_000));
    t.like(inspect(s, 'ever'), { RestartCount: stopped.RestartCount, State: { Status: 'exited', Restarting: false } }, 'stop ends the policy, also mid-back-off');
    t.is(s.run(['run', '--rm', '--restart', 'always', 'alpine', 'true']).stderr, 'tsrun: Conflicting options: --restart and --rm\n');
  });
});

test('a foreground run with --restart always exits with the first exit and leaves the container to a monitor, as the attached docker client does', async (t) => {
  await withState(async (s) => {
    const r = s.run(['run', '--restart', 'always', '--name', 'fg', 'alpine', 'sh', '-c', 'echo once; sleep 0.2; exit 4']);
    t.is(r.code, 4);
    t.is(r.stdout, 'once\n');
    const deadline = Date.now() + 30_000;
    while (inspect(s, 'fg').RestartCount < 1) {
      if (Date.now() > deadline) return t.fail('never restarted');
      await new Promise((res) => setTimeout(res, 100));
    }
    t.regex(ok(s, ['logs', 'fg']), /^once\n/, 'the restarted runs write to its log');
    ok(s, ['rm', '-f', 'fg']);
  });
});

test("a monitor killed during its restart policy's back-off leaves the container exited, not restarting for ever", async (t) => {
  await withState(async (s) => {
    ok(s, ['run', '-d', '--restart', 'always', '--name', 'loop', 'alpine', 'sh', '-c', 'exit 5']);
    const deadline = Date.now() + 30_000;
    let monitor = 0;
    // The back-off doubles: by the 5th restart it waits 1.6 s, time enough to catch it in Restarting.
    while (!(inspect(s, 'loop').State.Restarting && inspect(s, 'loop').RestartCount >= 5)) {
      if (Date.now() > deadline) return t.fail('never seen restarting');
      await new Promise((r) => setTimeout(r, 20));
    }
    monitor = JSON.parse(readFileSync(join(s.dir, 'containers', inspect(s, 'loop').Id, 'config.json'), 'utf8')).state.monitor.pid;
    process.kill(monitor, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    t.like(inspect(s, 'loop').State, { Status: 'exited', Restarting: false, ExitCode: 5 });
    t.regex(ok(s, ['ps', '-a']), /Exited \(5\)/);
  });
});
