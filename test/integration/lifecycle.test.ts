/**
 * Container lifecycle, daemonless: run -d with its supervisor, ps, inspect, exec, logs, stop,
 * kill, rm, wait; concurrency; and crashes (kill -9 at each step, injected with
 * TSRUN_FAULT) that the next command must clean up.
 */
import test, { type ExecutionContext } from 'ava';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { BIN, isRoot, withState, type StateRoot } from '../helpers/tsrun';
import { hostLinks, withLab } from '../helpers/lab';

test.beforeEach((t) => {
  if (!isRoot) t.fail('needs root: run the suite with sudo');
});

function detached(t: ExecutionContext, s: StateRoot, args: string[]): string {
  const r = s.run(['run', '-d', ...args]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^[0-9a-f]{64}\n$/);
  return r.stdout.trim();
}

function record(s: StateRoot, id: string): any {
  return JSON.parse(readFileSync(join(s.dir, 'containers', id, 'config.json'), 'utf8'));
}

function inspect(s: StateRoot, ref: string): any {
  return JSON.parse(s.run(['inspect', ref]).stdout)[0];
}

/**
 * The processes of the container with this full id: those in its cgroup (tsrun/<id>), which
 * its init joins before the command runs and every process of it inherits, for leak checks.
 */
function processesOf(id: string): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(`/${id}\n`)) out.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

test("the guides' flow: run -itd, exec ip addr show eth0, stop, rm", async (t) => {
  await withLab(['172.16.86.1/24'], async (s, lab) => {
    t.is(s.run(['network', 'create', '-d', 'macvlan', '--subnet=172.16.86.0/24', '-o', `parent=${lab.parent}`, 'pub_net']).code, 0);
    const id = detached(t, s, ['-it', '--name', 'macvlan-alpine', '--net', 'pub_net', '--ip', '172.16.86.10', 'alpine', 'sh']);
    const ps = s.run(['ps']).stdout.split('\n');
    t.regex(ps[0]!, /^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$/);
    t.regex(ps[1]!, new RegExp(`^${id.slice(0, 12)} +alpine +"sh" +.* ago +Up .* +macvlan-alpine$`));
    const ip = s.run(['exec', 'macvlan-alpine', 'ip', 'addr', 'show', 'eth0']);
    t.is(ip.code, 0, ip.stderr);
    t.regex(ip.stdout, /inet 172\.16\.86\.10\/24 brd 172\.16\.86\.255 scope global eth0/);
    t.regex(ip.stdout, /link\/ether 02:42:ac:10:56:0a/);
    const n = inspect(s, 'macvlan-alpine');
    t.like(n.State, { Status: 'running', Running: true });
    t.like(n.NetworkSettings.Networks.pub_net, { Gateway: '172.16.86.1', IPAddress: '172.16.86.10', IPPrefixLen: 24, MacAddress: '02:42:ac:10:56:0a', IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0 });
    t.regex(n.NetworkSettings.Networks.pub_net.NetworkID, /^[0-9a-f]{64}$/);
    t.regex(n.NetworkSettings.Networks.pub_net.EndpointID, /^[0-9a-f]{64}$/);
    // sh as PID 1 ignores SIGTERM, so stop waits -t seconds and kills it, as Docker does.
    const started = Date.now();
    t.is(s.run(['stop', '-t', '1', 'macvlan-alpine']).stdout, 'macvlan-alpine\n');
    t.true(Date.now() - started >= 1000);
    t.like(inspect(s, 'macvlan-alpine').State, { Status: 'exited', Running: false, ExitCode: 137 });
    t.regex(s.run(['ps', '-a']).stdout, /Exited \(137\) .* ago +macvlan-alpine/);
    t.deepEqual(JSON.parse(s.run(['network', 'inspect', 'pub_net']).stdout)[0].Containers, {});
    t.is(s.run(['rm', 'macvlan-alpine']).stdout, 'macvlan-alpine\n');
    t.is(s.run(['ps', '-aq']).stdout, '');
  });
});

test('exec joins every namespace of the container, its pid namespace included', async (t) => {
  await withState(async (s) => {
    detached(t, s, ['--name', 'box', '--hostname', 'boxhost', '-e', 'FROM_RUN=1', 'alpine', 'sleep', '300']);
    const r = s.run(['exec', 'box', 'sh', '-c', 'ps -o pid,args; hostname; echo $FROM_RUN; cat /proc/1/cmdline | tr "\\0" " "']);
    t.is(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    t.regex(lines[1]!, /^\s*1 sleep 300$/);
    t.true(lines.some((l) => /^\s*\d+ ps -o pid,args$/.test(l)), 'the exec\'d process is in the container\'s pid namespace');
    t.true(r.stdout.includes('boxhost\n1\nsleep 300 '));
    t.is(s.run(['exec', '-e', 'X=2', '-w', '/etc', 'box', 'sh', '-c', 'echo $X $(pwd)']).stdout, '2 /etc\n');
    t.is(s.run(['exec', '-i', 'box', 'cat'], { input: 'piped\n' }).stdout, 'piped\n');
    t.is(s.run(['exec', 'box', 'sh', '-c', 'exit 9']).code, 9);
    const missing = s.run(['exec', 'box', 'nope']);
    t.is(missing.code, 127);
    t.is(missing.stderr, 'tsrun: exec: "nope": executable file not found in $PATH\n');
    t.is(s.run(['exec', 'box', '/etc/passwd']).code, 126);
    t.is(s.run(['exec', '-d', 'box', 'sleep', '200']).code, 0);
    t.regex(s.run(['exec', 'box', 'ps', '-o', 'args']).stdout, /sleep 200/);
    t.is(s.run(['exec', 'nosuch', 'true']).stderr, 'tsrun: No such container: nosuch\n');
    t.is(s.run(['kill', 'box']).stdout, 'box\n');
    t.is(s.run(['wait', 'box']).stdout, '137\n');
    const stopped = s.run(['exec', 'box', 'true']);
    t.regex(stopped.stderr, /^tsrun: Container [0-9a-f]{12} is not running\n$/);
  });
});

test('logs of a detached container: streams kept apart, --tail, -f until it ends', async (t) => {
  await withState(async (s) => {
    detached(t, s, ['--name', 'talker', 'alpine', 'sh', '-c', 'echo one; echo two >&2; echo three; until [ -e /tmp/go ]; do sleep 0.1; done; echo four']);
    let early = s.run(['logs', 'talker']);
    for (let i = 0; i < 100 && !early.stdout.includes('three'); i++) {
      await sleep(50);
      early = s.run(['logs', 'talker']);
    }
    t.is(early.stdout, 'one\nthree\n');
    t.is(early.stderr, 'two\n');
    const follow = s.runAsync(['logs', '-f', '--tail', '0', 'talker']);
    await sleep(500);
    t.is(s.run(['exec', 'talker', 'touch', '/tmp/go']).code, 0);
    t.is((await follow).stdout, 'four\n');
    t.is(s.run(['wait', 'talker']).stdout, '0\n');
    t.is(s.run(['logs', '--tail', '1', 'talker']).stdout, 'four\n');
    const fg = s.run(['run', '--name', 'fg', 'alpine', 'true']);
    t.is(fg.code, 0);
    t.regex(s.run(['logs', 'fg']).stderr, /ran in the foreground/);
  });
});

test('stop: a container that handles SIGTERM ends with its own code; kill -s sends the signal given', async (t) => {
  await withState(async (s) => {
    detached(t, s, ['--name', 'polite', 'alpine', 'sh', '-c', 'trap "exit 3" TERM; sleep 300 & wait']);
    t.is(s.run(['stop', 'polite']).code, 0);
    t.is(inspect(s, 'polite').State.ExitCode, 3, 'its own code: SIGTERM did it, not the SIGKILL after the grace period (137)');
    detached(t, s, ['--name', 'usr1', 'alpine', 'sh', '-c', 'trap "exit 10" USR1; sleep 300 & wait']);
    t.is(s.run(['kill', '-s', 'USR1', 'usr1']).stdout, 'usr1\n');
    t.is(s.run(['wait', 'usr1']).stdout, '10\n');
    t.regex(s.run(['kill', '-s', 'BOGUS', 'usr1']).stderr, /^tsrun: invalid signal: BOGUS/);
    t.regex(s.run(['kill', 'usr1']).stderr, /^tsrun: Container [0-9a-f]{12} is not running\n$/);
  });
});

test('rm refuses a running container without -f, takes several names, and ids by prefix', async (t) => {
  await withState(async (s) => {
    const a = detached(t, s, ['--name', 'alpha', 'alpine', 'sleep', '300']);
    detached(t, s, ['alpine', 'sleep', '300']);
    const refused = s.run(['rm', 'alpha']);
    t.is(refused.code, 1);
    t.is(refused.stderr, `tsrun: You cannot remove a running container ${a}. Stop the container before attempting removal or force remove\n`);
    const names = s.run(['ps', '--format', 'json']).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l).Names as string);
    t.is(names.length, 2);
    t.regex(names.find((n) => n !== 'alpha')!, /^[a-z]+_[a-z]+\d?$/, 'a generated readable name');
    const r = s.run(['rm', '-f', a.slice(0, 8), 'nosuch', names.find((n) => n !== 'alpha')!]);
    t.is(r.code, 1);
    t.is(r.stdout, `${a.slice(0, 8)}\n${names.find((n) => n !== 'alpha')}\n`);
    t.is(r.stderr, 'tsrun: No such container: nosuch\n');
    t.is(s.run(['ps', '-aq']).stdout, '');
    t.is(processesOf(a).length, 0);
  });
});

test('one supervisor serves every detached container of a root and leaves once none runs', async (t) => {
  await withState(async (s) => {
    const ids = ['one', 'two', 'three'].map((name) => detached(t, s, ['--name', name, 'alpine', 'sleep', '300']));
    const monitors = new Set(ids.map((id) => record(s, id).state.monitor.pid as number));
    t.is(monitors.size, 1, 'the three records name one monitor');
    t.deepEqual(s.supervisors(), [...monitors]);
    const sock = join(s.dir, 'supervisor.sock');
    t.is(statSync(sock).mode & 0o777, 0o600, 'only root may talk to it');
    t.is(s.run(['stop', '-t', '0', 'one', 'two']).code, 0);
    await sleep(1500);
    t.deepEqual(s.supervisors(), [...monitors], 'it stays while a container of it runs');
    t.is(s.run(['rm', '-f', 'three']).code, 0);
    for (let i = 0; i < 50 && s.supervisors().length > 0; i++) await sleep(100);
    t.deepEqual(s.supervisors(), [], 'it left');
    t.false(existsSync(sock), 'with its socket');
    t.is(s.run(['start', 'one']).code, 0, 'a start brings a new one');
    t.is(inspect(s, 'one').State.Status, 'running');
  });
});

test('run -d -e KEY takes KEY from its own environment, not from the one of the command that started the supervisor, which keeps none of it', async (t) => {
  await withState(async (s) => {
    t.is(s.run(['run', '-d', '--name', 'first', 'alpine', 'sleep', '300'], { env: { GREETING: 'from the first' } }).code, 0);
    t.is(s.run(['run', '-d', '--name', 'second', '-e', 'GREETING', 'alpine', 'sh', '-c', 'echo "$GREETING"; sleep 300'], { env: { GREETING: 'from the second' } }).code, 0);
    for (let i = 0; i < 50 && s.run(['logs', 'second']).stdout === ''; i++) await sleep(100);
    t.is(s.run(['logs', 'second']).stdout, 'from the second\n');
    // It outlives the first command and serves others: a secret of that command's is not in it.
    for (const role of ['supervisor', 'keeper'] as const) {
      const [pid] = s.supervisors(role);
      t.false(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').some((v) => v.startsWith('GREETING=')), role);
    }
  });
});

test('kill -9 of the supervisor: the next command settles each of its containers as a dead monitor\'s, and run -d starts a new one', async (t) => {
  await withState(async (s) => {
    const ids = ['left', 'right'].map((name) => detached(t, s, ['--name', name, 'alpine', 'sleep', '300']));
    const [supervisor] = s.supervisors();
    process.kill(supervisor!, 'SIGKILL');
    await sleep(100);
    const ps = s.run(['ps', '-a']);
    t.regex(ps.stdout, /Exited \(137\) .* left/);
    t.regex(ps.stdout, /Exited \(137\) .* right/);
    for (const id of ids) t.is(processesOf(id).length, 0);
    detached(t, s, ['--name', 'after', 'alpine', 'sleep', '300']);
    t.notDeepEqual(s.supervisors(), [supervisor]);
    t.is(inspect(s, 'after').State.Status, 'running');
  });
});

test("the supervisor killed while it waits for the lock: its keeper keeps the exit code of a container that ended meanwhile", async (t) => {
  await withState(async (s) => {
    const signals = mkdtempSync(join(tmpdir(), 'tsrun-keeper-'));
    try {
      // Each ends once the test creates its file in the directory they share.
      const endsOn = (name: string, code: number): string[] => ['--name', name, '-v', `${signals}:/signals`, 'alpine', 'sh', '-c', `while [ ! -e /signals/${name} ]; do sleep 0.05; done; exit ${code}`];
      detached(t, s, ['--name', 'running', 'alpine', 'sleep', '300']);
      detached(t, s, endsOn('blocker', 5));
      const ended = detached(t, s, endsOn('ended', 9));
      const lock = join(s.dir, 'lock');
      const holder = spawn('flock', ['-o', lock, 'sleep', '300'], { stdio: 'ignore', detached: true });
      let competitor: Promise<{ code: number }> | undefined;
      try {
        while (!readFileSync('/proc/locks', 'utf8').includes(`:${statSync(lock).ino} `)) await sleep(20);
        // blocker ends: the supervisor collects its exit and waits for the lock to record it,
        // collecting nothing more meanwhile...
        writeFileSync(join(signals, 'blocker'), '');
        for (let i = 0; i < 250 && !lockWaited(lock); i++) await sleep(20);
        t.true(lockWaited(lock), 'the supervisor waits for the lock');
        // ...so ended's exit stays with the kernel: a zombie of the supervisor's.
        const pid = record(s, ended).state.pid as number;
        writeFileSync(join(signals, 'ended'), '');
        for (let i = 0; i < 250 && !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); i++) await sleep(20);
        t.regex(readFileSync(`/proc/${pid}/stat`, 'utf8'), /^\d+ \(.*\) Z /, 'ended is a zombie nobody collected');
        t.is(s.supervisors('keeper').length, 1);
        process.kill(s.supervisors()[0]!, 'SIGKILL');
        // A command that wants the lock too: whoever gets it first, ended's code is kept.
        competitor = s.runAsync(['ps', '-a']);
        await sleep(300);
      } finally {
        process.kill(-holder.pid!, 'SIGKILL');
      }
      t.is((await competitor)?.code, 0);
      // The keeper settles (before or after ps) and leaves.
      for (let i = 0; i < 100 && s.supervisors('keeper').length > 0; i++) await sleep(100);
      t.deepEqual(s.supervisors('keeper'), [], 'the keeper left');
      t.like(inspect(s, 'ended').State, { Status: 'exited', ExitCode: 9, Error: '' });
      t.like(inspect(s, 'running').State, { Status: 'exited', ExitCode: 137, Error: 'its monitor died; tsrun killed the container' });
      t.like(inspect(s, 'blocker').State, { Status: 'exited', ExitCode: 255 }, 'collected by the supervisor: lost with it');
    } finally {
      rmSync(signals, { recursive: true, force: true });
    }
  });
});

/** Is some process waiting for the flock on `path` (/proc/locks lists waiters with "->")? */
function lockWaited(path: string): boolean {
  const ino = statSync(path).ino;
  return readFileSync('/proc/locks', 'utf8').split('\n').some((l) => l.includes('->') && l.includes(`:${ino} `));
}

test('four idle -t containers and two more under one supervisor: the last two\'s output reaches their logs and their ends are recorded', async (t) => {
  await withState(async (s) => {
    // Each idle pty is read without holding a thread of the supervisor's (libuv has four).
    for (let i = 1; i <= 4; i++) detached(t, s, ['-t', '--name', `idle${i}`, 'alpine', 'sleep', '300']);
    for (const n of ['talk1', 'talk2']) detached(t, s, ['-t', '--name', n, 'alpine', 'sh', '-c', `sleep 1; echo from-${n}`]);
    for (const n of ['talk1', 'talk2']) {
      const w = s.run(['wait', n]);
      t.is(w.stdout, '0\n', w.stderr);
      t.regex(s.run(['logs', n]).stdout, new RegExp(`^from-${n}\r?\n$`));
    }
  });
});

test('two starts of one container at once: one container runs, whichever start won', async (t) => {
  await withState(async (s) => {
    const created = s.run(['create', '--name', 'once', 'alpine', 'sleep', '3131']);
    t.is(created.code, 0);
    // Every start's process carries the container's id: two starts would show two.
    const sleepers = (): number => processesOf(created.stdout.trim()).length;
    for (let round = 0; round < 3; round++) {
      const starts = await Promise.all([s.runAsync(['start', 'once']), s.runAsync(['start', 'once'])]);
      t.true(starts.some((r) => r.code === 0), JSON.stringify(starts));
      for (const r of starts) if (r.code !== 0) t.regex(r.stderr, /is being started by|is already running/);
      await sleep(300);
      t.is(sleepers(), 1, 'one container process');
      t.like(inspect(s, 'once').State, { Status: 'running', Running: true });
      t.is(s.run(['stop', '-t', '0', 'once']).code, 0);
      t.is(sleepers(), 0);
    }
  });
});

test('--rm with -d: the monitor removes the container when it ends', async (t) => {
  await withState(async (s) => {
    const id = detached(t, s, ['--rm', 'alpine', 'sh', '-c', 'sleep 0.3']);
    for (let i = 0; i < 100 && s.containerIds().includes(id); i++) await sleep(50);
    t.false(s.containerIds().includes(id));
    t.deepEqual(s.mounts(), []);
  });
});

test('20 run -d at once on one network: 20 distinct addresses, 20 consistent records, no leaked links', async (t) => {
  await withLab(['10.20.0.1/24'], async (s, lab) => {
    t.is(s.run(['network', 'create', '-d', 'macvlan', '--subnet=10.20.0.0/24', '-o', `parent=${lab.parent}`, 'crowd']).code, 0);
    const linksBefore = hostLinks(lab);
    const runs = await Promise.all(Array.from({ length: 20 }, () => s.runAsync(['run', '-d', '--net', 'crowd', 'alpine', 'sleep', '300'])));
    for (const r of runs) t.is(r.code, 0, r.stderr);
    const ids = runs.map((r) => r.stdout.trim());
    const recs = ids.map((id) => record(s, id));
    const ips = recs.map((r) => r.networks.crowd.endpoint.ipv4);
    t.is(new Set(ips).size, 20);
    t.true(recs.every((r) => r.state.status === 'running'));
    const net = JSON.parse(s.run(['network', 'inspect', 'crowd']).stdout)[0];
    t.deepEqual(Object.keys(net.Containers).sort(), [...ids].sort());
    t.deepEqual((Object.values(net.Containers) as Array<{ IPv4Address: string }>).map((c) => c.IPv4Address).sort(), [...ips].sort());
    t.deepEqual(hostLinks(lab), linksBefore, 'endpoints live in the containers, not on the host');
    t.is(s.run(['rm', '-f', ...ids]).code, 0);
    t.deepEqual(JSON.parse(s.run(['network', 'inspect', 'crowd']).stdout)[0].Containers, {});
  });
});

for (const point of ['run:after-record', 'run:after-plug'] as const) {
  test(`kill -9 of tsrun run at ${point} leaves nothing the next command does not clean up`, async (t) => {
    await withLab(['10.30.0.1/24'], async (s, lab) => {
      t.is(s.run(['network', 'create', '-d', 'macvlan', '--subnet=10.30.0.0/24', '-o', `parent=${lab.parent}`, 'crash']).code, 0);
      const linksBefore = hostLinks(lab);
      const r = s.run(['run', '--name', 'victim', '--net', 'crash', 'alpine', 'sleep', '300'], { env: { TSRUN_FAULT: point } });
      t.is(r.code, 128, 'killed by SIGKILL');
      t.is(s.run(['ps', '-a', '--format', 'json']).stdout, '', 'a container that never started is removed');
      t.deepEqual(JSON.parse(s.run(['network', 'inspect', 'crash']).stdout)[0].Containers, {});
      t.deepEqual(s.containerIds(), []);
      t.deepEqual(hostLinks(lab), linksBefore);
      // The address is free again.
      t.is(s.run(['run', '--rm', '--net', 'crash', 'alpine', 'sh', '-c', 'ip -o -4 addr show eth0 | awk "{print \\$4}"']).stdout, '10.30.0.2/24\n');
    });
  });
}

test('kill -9 of the foreground tsrun after start: the orphaned container is stopped and its address freed', async (t) => {
  await withLab(['10.31.0.1/24'], async (s, lab) => {
    t.is(s.run(['network', 'create', '-d', 'macvlan', '--subnet=10.31.0.0/24', '-o', `parent=${lab.parent}`, 'orph']).code, 0);
    const r = s.run(['run', '--name', 'orphan', '--net', 'orph', 'alpine', 'sleep', '300'], { env: { TSRUN_FAULT: 'run:after-start' } });
    t.is(r.code, 128);
    const st = inspect(s, 'orphan').State;
    t.like(st, { Status: 'exited', ExitCode: 137, Error: 'its monitor died; tsrun killed the container' });
    t.deepEqual(JSON.parse(s.run(['network', 'inspect', 'orph']).stdout)[0].Containers, {});
  });
});

test('kill -9 of a monitor: the next command stops the container and records it', async (t) => {
  await withState(async (s) => {
    const id = detached(t, s, ['--name', 'watched', 'alpine', 'sleep', '300']);
    const rec = record(s, id);
    process.kill(rec.state.monitor.pid, 'SIGKILL');
    await sleep(100);
    t.regex(s.run(['ps', '-a']).stdout, /Exited \(137\) .* watched/);
    t.is(processesOf(id).length, 0);
    await sleep(100);
    t.throws(() => process.kill(rec.state.pid, 0), undefined, 'the container process is gone');
  });
});

test('a simulated reboot (monitor and container gone, links gone) is reconciled by the next command', async (t) => {
  await withLab(['10.32.0.1/24'], async (s, lab) => {
    t.is(s.run(['network', 'create', '-d', 'macvlan', '--subnet=10.32.0.0/24', '-o', `parent=${lab.parent}`, 'boot']).code, 0);
    const id = detached(t, s, ['--name', 'survivor', '--net', 'boot', 'alpine', 'sleep', '300']);
    const rec = record(s, id);
    // A reboot takes the keeper too, which would otherwise collect the container's exit.
    for (const keeper of s.supervisors('keeper')) process.kill(keeper, 'SIGKILL');
    process.kill(rec.state.monitor.pid, 'SIGKILL');
    process.kill(rec.state.pid, 'SIGKILL');
    await sleep(200);
    const st = inspect(s, 'survivor').State;
    t.like(st, { Status: 'exited', ExitCode: 255 });
    t.deepEqual(JSON.parse(s.run(['network', 'inspect', 'boot']).stdout)[0].Containers, {});
    t.is(s.run(['rm', 'survivor']).code, 0);
  });
});

test('network rm as the first command after a monitor died: the dead container no longer holds the network', async (t) => {
  await withLab(['10.33.0.1/24'], async (s, lab) => {
    t.is(s.run(['network', 'create', '-d', 'macvlan', '--subnet=10.33.0.0/24', '-o', `parent=${lab.parent}`, 'left']).code, 0);
    const id = detached(t, s, ['--name', 'stray', '--net', 'left', 'alpine', 'sleep', '300']);
    process.kill(record(s, id).state.monitor.pid, 'SIGKILL');
    await sleep(100);
    const rm = s.run(['network', 'rm', 'left']);
    t.is(rm.stderr, '');
    t.is(rm.stdout, 'left\n');
    t.like(inspect(s, 'stray').State, { Status: 'exited', ExitCode: 137 });
    t.is(processesOf(id).length, 0);
  });
});

test('kill -9 of rm -f after the kill, and of exec inside the container before its spawn, leave nothing behind', async (t) => {
  await withState(async (s) => {
    const id = detached(t, s, ['--name', 'doomed', 'alpine', 'sleep', '300']);
    const ex = s.run(['exec', 'doomed', 'sleep', '100'], { env: { TSRUN_FAULT: 'exec:before-spawn' } });
    t.is(ex.code, 128);
    await sleep(200);
    t.notRegex(s.run(['exec', 'doomed', 'ps', '-o', 'args']).stdout, /sleep 100/, 'the half-made exec did not run its command');
    t.is(s.run(['rm', '-f', 'doomed'], { env: { TSRUN_FAULT: 'rm:after-kill' } }).code, 128);
    t.is(s.run(['rm', 'doomed']).code, 0);
    t.deepEqual(s.containerIds(), []);
    t.is(processesOf(id).length, 0);
  });
});

test('run -d returns once the command runs, and the container keeps running without it', async (t) => {
  await withState(async (s) => {
    const p = spawn(BIN, ['run', '-d', '--name', 'bg', 'alpine', 'sleep', '300'], { env: s.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    const code = await new Promise((resolve) => p.on('close', resolve));
    t.is(code, 0);
    t.like(inspect(s, 'bg').State, { Status: 'running', Running: true });
    t.regex(s.run(['ps']).stdout, /Up .* +bg\n?$/);
  });
});
