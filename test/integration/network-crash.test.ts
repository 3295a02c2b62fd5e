/**
 * network create and rm killed (kill -9, by TSRUN_FAULT) at every step: the next command
 * undoes an aborted create (no shim, route, parent or record stays, and the same create then
 * succeeds with one shim) and finishes an interrupted rm. Also: stale temps of dead writers
 * are swept, a broken record is reported once and removable while every other network keeps
 * working, lo is refused as a parent, and a run whose network was removed since it checked
 * it says "network N not found" by the name it was given.
 */
import test, { type ExecutionContext } from 'ava';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NETWORK_FAULT_POINTS } from '../../src/runtime/fault';
import { hostLinks, Lab, withLab } from '../helpers/lab';
import { isRoot, StateRoot } from '../helpers/tsrun';

test.beforeEach((t) => {
  if (!isRoot) t.fail('needs root: run the suite with sudo');
});

const KILLED = 128; // the helper's code for a process ended by a signal

function ipJson<T>(args: string[]): T {
  return JSON.parse(execFileSync('ip', ['-j', ...args], { encoding: 'utf8' }) || '[]') as T;
}

/** The shims (sh-<12 hex>) tsrun made on this lab's parent. */
function shimsOn(lab: Lab): string[] {
  return ipJson<Array<{ ifname: string; link?: string }>>(['link', 'show'])
    .filter((l) => /^sh-[0-9a-f]{12}$/.test(l.ifname) && l.link === lab.parent)
    .map((l) => l.ifname);
}

function routesTo(subnet: string): unknown[] {
  return ipJson<Array<{ dst: string }>>(['-4', 'route', 'show']).filter((r) => r.dst === subnet);
}

function entries(s: StateRoot, dir: string): string[] {
  const d = join(s.dir, dir);
  return existsSync(d) ? readdirSync(d) : [];
}

/** Nothing of an aborted or finished network command is left: no link, route, record or intent. */
function assertNothingLeft(t: ExecutionContext, s: StateRoot, lab: Lab, links: string[], subnet: string): void {
  t.deepEqual(hostLinks(lab), links, 'no link left');
  t.deepEqual(shimsOn(lab), []);
  t.deepEqual(routesTo(subnet), [], 'no route left');
  t.deepEqual(entries(s, 'networks'), [], 'no record left');
  t.deepEqual(entries(s, 'journal'), [], 'no intent left');
}

const createArgs = (lab: Lab, subnet: string, name: string): string[] => ['network', 'create', '-d', 'macvlan', `--subnet=${subnet}`, '-o', `parent=${lab.parent}`, '--host-access', name];

const createPoints = NETWORK_FAULT_POINTS.filter((p) => p.startsWith('network-create:') && p !== 'network-create:after-parent');
createPoints.forEach((point, i) => {
  test(`network create --host-access killed at ${point}: the next command undoes it, and the same create then makes one shim`, async (t) => {
    await withLab([], (s, lab) => {
      const subnet = `10.61.${i}.0/24`;
      const links = hostLinks(lab);
      t.is(s.run(createArgs(lab, subnet, 'crashnet'), { env: { TSRUN_FAULT: point } }).code, KILLED);
      const ls = s.run(['network', 'ls', '--format', 'json']);
      t.is(ls.code, 0, ls.stderr);
      t.regex(ls.stderr, /^tsrun: network create of [0-9a-f]{12} \(pid \d+, .*\) was interrupted; undone now\n$/);
      t.deepEqual(s.networkNames(), []);
      assertNothingLeft(t, s, lab, links, subnet);
      const again = s.run(createArgs(lab, subnet, 'crashnet'));
      t.is(again.code, 0, again.stderr);
      t.is(again.stderr, '', 'nothing left to recover');
      t.deepEqual(shimsOn(lab), [`sh-${again.stdout.trim().slice(0, 12)}`], 'exactly one shim');
      t.is(routesTo(subnet).length, 1);
      t.is(s.run(['network', 'rm', 'crashnet']).code, 0);
      assertNothingLeft(t, s, lab, links, subnet);
    });
  });
});

NETWORK_FAULT_POINTS.filter((p) => p.startsWith('network-rm:')).forEach((point, i) => {
  test(`network rm killed at ${point}: the next command finishes the removal`, async (t) => {
    await withLab([], (s, lab) => {
      const subnet = `10.62.${i}.0/24`;
      const links = hostLinks(lab);
      t.is(s.run(createArgs(lab, subnet, 'doomed')).code, 0);
      t.is(s.run(['network', 'rm', 'doomed'], { env: { TSRUN_FAULT: point } }).code, KILLED);
      const ls = s.run(['network', 'ls', '--format', 'json']);
      t.regex(ls.stderr, /^tsrun: network rm of [0-9a-f]{12} .* was interrupted; finished now\n$/);
      t.deepEqual(s.networkNames(), []);
      assertNothingLeft(t, s, lab, links, subnet);
      t.is(s.run(['network', 'rm', 'doomed']).stderr, "tsrun: network doomed not found (see 'tsrun network ls')\n");
    });
  });
});

test('network create killed after making its 802.1Q parent: the next command deletes the parent (where the kernel has 802.1Q)', async (t) => {
  await withLab([], (s, lab) => {
    const links = hostLinks(lab);
    const args = ['network', 'create', '-d', 'macvlan', '--subnet=10.63.0.0/24', '-o', `parent=${lab.parent}.30`, 'vlannet'];
    const r = s.run(args, { env: { TSRUN_FAULT: 'network-create:after-parent' } });
    if (r.code === 1) {
      t.log('this kernel has no 802.1Q: asserted that the failed create left nothing (the kill runs in the VM harness)');
      t.regex(r.stderr, /^tsrun: this kernel has no vlan support \(CONFIG_VLAN_8021Q\)/);
      t.is(s.run(['network', 'ls', '-q']).stderr, '');
      assertNothingLeft(t, s, lab, links, '10.63.0.0/24');
      return;
    }
    t.is(r.code, KILLED);
    t.true(hostLinks(lab).includes(`${lab.parent}.30`), 'the kill came after the parent was made');
    t.regex(s.run(['network', 'ls']).stderr, /was interrupted; undone now/);
    assertNothingLeft(t, s, lab, links, '10.63.0.0/24');
    t.is(s.run(args).code, 0);
    t.is(s.run(['network', 'rm', 'vlannet']).code, 0);
    assertNothingLeft(t, s, lab, links, '10.63.0.0/24');
  });
});

test('temps of dead writers are removed from every state directory; a live writer\'s temp stays', async (t) => {
  await withLab([], (s) => {
    const dead = spawnSync('true').pid!;
    const live = process.pid;
    for (const dir of ['networks', 'labs', 'journal']) {
      execFileSync('mkdir', ['-p', join(s.dir, dir)]);
      writeFileSync(join(s.dir, dir, `.x.json.${dead}.tmp`), '{"half');
      writeFileSync(join(s.dir, dir, `.x.json.${live}.tmp`), '{"half');
    }
    t.is(s.run(['network', 'ls']).code, 0);
    t.is(s.run(['lab', 'status']).code, 0);
    for (const dir of ['networks', 'labs', 'journal']) t.deepEqual(entries(s, dir), [`.x.json.${live}.tmp`], dir);
  });
});

test('an unreadable network record is reported once by path; every other network works; network rm <file name> removes it and its shim', async (t) => {
  await withLab([], (s, lab) => {
    const links = hostLinks(lab);
    t.is(s.run(createArgs(lab, '10.64.1.0/24', 'good')).code, 0);
    const bad = s.run(createArgs(lab, '10.64.2.0/24', 'bad')).stdout.trim();
    const path = join(s.dir, 'networks', `${bad}.json`);
    writeFileSync(path, readFileSync(path, 'utf8').slice(0, 100)); // a torn record
    const ls = s.run(['network', 'ls', '--format', 'json']);
    t.is(ls.code, 0);
    const why = /^tsrun: ignoring (.*): (not valid JSON: [^\n]*) \('tsrun network rm ([0-9a-f]{12})' removes it\)\n$/.exec(ls.stderr);
    t.truthy(why, `reported once, by path: ${ls.stderr}`);
    t.is(why![1], path);
    t.is(why![3], bad.slice(0, 12));
    const report = ls.stderr;
    t.deepEqual(s.networkNames(), ['good']);
    const inspect = s.run(['network', 'inspect', 'good']);
    t.is(inspect.code, 0);
    t.is(JSON.parse(inspect.stdout)[0].Name, 'good');
    const run = s.run(['run', '--rm', '--net', 'good', 'alpine', 'true']);
    t.is(run.code, 0, run.stderr);
    t.is(run.stderr, report);
    const byId = s.run(['network', 'inspect', bad.slice(0, 12)]);
    t.is(byId.code, 1);
    t.is(byId.stderr, `${report}tsrun: network record ${path} is unreadable (${why![2]}): 'tsrun network rm ${bad.slice(0, 12)}' removes it\n`);
    t.is(s.run(['run', '--rm', '--net', 'bad', 'alpine', 'true']).stderr, `${report}tsrun: network bad not found (see 'tsrun network ls')\n`);
    const rm = s.run(['network', 'rm', `${bad}.json`]);
    t.is(rm.code, 0, rm.stderr);
    t.is(rm.stdout, `${bad}.json\n`);
    t.false(existsSync(path));
    t.deepEqual(shimsOn(lab), [`sh-${s.run(['network', 'inspect', 'good']).stdout.match(/"Id": "([0-9a-f]{12})/)![1]}`], "the broken network's shim is gone, the good one's stays");
    t.is(s.run(['network', 'ls']).stderr, '');
    t.is(s.run(['network', 'rm', 'good']).code, 0);
    assertNothingLeft(t, s, lab, links, '10.64.1.0/24');
  });
});

test("-o parent=lo is refused with Docker's message, and nothing is created", async (t) => {
  await withLab([], (s, lab) => {
    const links = hostLinks(lab);
    const r = s.run(['network', 'create', '-d', 'macvlan', '--subnet=10.65.0.0/24', '-o', 'parent=lo', 'loopnet']);
    t.is(r.code, 1);
    t.is(r.stderr, 'tsrun: loopback interface is not a valid macvlan parent link\n');
    t.deepEqual(s.networkNames(), []);
    t.deepEqual(hostLinks(lab), links);
    t.deepEqual(entries(s, 'journal'), []);
  });
});

/** Is some process waiting for the flock on `path` (/proc/locks lists waiters with "->")? */
function lockWaited(path: string): boolean {
  const ino = statSync(path).ino;
  return readFileSync('/proc/locks', 'utf8').split('\n').some((l) => l.includes('->') && l.includes(`:${ino} `));
}

test('a network removed between run\'s check and its address reservation: "network N not found", by the name given', async (t) => {
  await withLab([], async (s, lab) => {
    const id = s.run(['network', 'create', '-d', 'macvlan', '--subnet=10.67.0.0/24', '-o', `parent=${lab.parent}`, 'gone']).stdout.trim();
    const lock = join(s.dir, 'lock');
    const go = join(s.dir, 'go');
    // Holds the lock, then does what `network rm` does under it once the run waits for the lock.
    const holder = spawn('flock', [lock, 'sh', '-c', `while [ ! -e ${go} ]; do sleep 0.05; done; rm ${join(s.dir, 'networks', `${id}.json`)}`]);
    const held = new Promise((done) => holder.on('close', done));
    try {
      while (!readFileSync('/proc/locks', 'utf8').includes(`:${statSync(lock).ino} `)) await new Promise((done) => setTimeout(done, 20));
      const run = s.runAsync(['run', '-d', '--net', 'gone', 'alpine', 'sleep', '30']);
      const deadline = Date.now() + 20_000;
      while (!lockWaited(lock) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 20));
      t.true(lockWaited(lock), 'the run checked the network and waits for the lock');
      writeFileSync(go, '');
      await held;
      const r = await run;
      t.is(r.code, 125);
      t.is(r.stderr, "tsrun: network gone not found (see 'tsrun network ls')\n");
      t.is(s.run(['ps', '-aq']).stdout, '');
    } finally {
      writeFileSync(go, '');
      await held;
    }
  });
});

test('a full disk (ENOSPC) at network create: one line naming the file, no temp left, nothing created; with space it succeeds', (t) => {
  const lab = new Lab([]);
  const s = new StateRoot();
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tsrun-test-full', s.dir]);
  try {
    const links = hostLinks(lab);
    const args = ['network', 'create', '-d', 'macvlan', '--subnet=10.68.0.0/24', '-o', `parent=${lab.parent}`, '--host-access', 'full'];
    t.is(s.run(['network', 'ls', '-q']).code, 0); // the root's directories and lock exist
    spawnSync('dd', ['if=/dev/zero', `of=${join(s.dir, 'filler')}`, 'bs=4k']);
    const r = s.run(args);
    t.is(r.code, 1);
    t.regex(r.stderr, /^tsrun: write \/.*\/journal\/network-create\.[0-9a-f]{64}\.json: ENOSPC \(no space left on device\): free some space on that filesystem \(df -h shows which\) and try again\n$/);
    t.deepEqual(hostLinks(lab), links, 'no link made');
    t.deepEqual(entries(s, 'journal'), [], 'no temp left');
    execFileSync('rm', [join(s.dir, 'filler')]);
    t.is(s.run(args).code, 0);
    t.is(shimsOn(lab).length, 1);
    t.is(s.run(['network', 'rm', 'full']).code, 0);
    t.deepEqual(hostLinks(lab), links);
  } finally {
    spawnSync('umount', [s.dir]);
    s.remove();
    lab.remove();
  }
});
