/**
 * lab up and lab down killed (kill -9, by TSRUN_FAULT) at every step: the next command
 * undoes an aborted `lab up` (no link, namespace or record stays, and the same `lab up` then
 * succeeds) and finishes an interrupted `lab down`. A link of the lab's name that is not
 * tsrun's is named as such and left alone.
 *
 * Lab names are tsl<digits>: their links (tsl<digits>0, tsl<digits>1) are ones the other
 * lab-making test files leave out of their before/after comparisons, as is their router
 * tsrun-tsl<digits>.
 */
import test, { type ExecutionContext } from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_FAULT_POINTS } from '../../src/runtime/fault';
import { isRoot, StateRoot } from '../helpers/tsrun';

test.beforeEach((t) => {
  if (!isRoot) t.fail('needs root: run the suite with sudo');
});

const KILLED = 128; // the helper's code for a process ended by a signal

/** 9 characters; random, as labs of test/helpers/lab.ts are tsl<pid><n> too. */
const labName = (): string => `tsl${randomInt(100000, 1000000)}`;

const linkExists = (name: string): boolean => spawnSync('ip', ['link', 'show', name]).status === 0;
const netnsExists = (name: string): boolean => existsSync(`/run/netns/${name}`);

function entries(s: StateRoot, dir: string): string[] {
  const d = join(s.dir, dir);
  return existsSync(d) ? readdirSync(d) : [];
}

function assertNoLab(t: ExecutionContext, s: StateRoot, name: string): void {
  t.false(linkExists(`${name}0`), `no link ${name}0`);
  t.false(netnsExists(`tsrun-${name}`), `no namespace tsrun-${name}`);
  t.deepEqual(entries(s, 'labs'), [], 'no record');
  t.deepEqual(entries(s, 'journal'), [], 'no intent');
}

/** A state root (no image needed) and the lab name; whatever is left of the lab is removed afterwards. */
async function withRoot(fn: (s: StateRoot, name: string) => void): Promise<void> {
  const s = new StateRoot();
  const name = labName();
  try {
    fn(s, name);
  } finally {
    s.remove();
    spawnSync('ip', ['link', 'del', `${name}0`]);
    spawnSync('ip', ['netns', 'del', `tsrun-${name}`]);
  }
}

LAB_FAULT_POINTS.filter((p) => p.startsWith('lab-up:')).forEach((point, i) => {
  test(`lab up killed at ${point}: the next command undoes it, and the same lab up then succeeds`, async (t) => {
    await withRoot((s, name) => {
      const args = ['lab', 'up', '--name', name, '--subnet', `10.71.${i}.0/24`];
      t.is(s.run(args, { env: { TSRUN_FAULT: point } }).code, KILLED);
      const status = s.run(['lab', 'status']);
      t.is(status.code, 0);
      t.is(status.stdout, 'no lab is up (tsrun lab up builds one)\n');
      t.regex(status.stderr, new RegExp(`^tsrun: lab up of ${name} \\(pid \\d+, .*\\) was interrupted; undone now\\n$`));
      assertNoLab(t, s, name);
      const again = s.run(args);
      t.is(again.code, 0, again.stderr);
      t.is(again.stderr, '');
      t.true(linkExists(`${name}0`));
      t.is(s.run(['lab', 'down', '--name', name]).code, 0);
      assertNoLab(t, s, name);
    });
  });
});

LAB_FAULT_POINTS.filter((p) => p.startsWith('lab-down:')).forEach((point, i) => {
  test(`lab down killed at ${point}: the next command finishes it`, async (t) => {
    await withRoot((s, name) => {
      t.is(s.run(['lab', 'up', '--name', name, '--subnet', `10.72.${i}.0/24`]).code, 0);
      t.is(s.run(['lab', 'down', '--name', name], { env: { TSRUN_FAULT: point } }).code, KILLED);
      const status = s.run(['lab', 'status', '--name', name]);
      t.is(status.code, 1);
      t.regex(status.stderr, new RegExp(`^tsrun: lab down of ${name} \\(pid \\d+, .*\\) was interrupted; finished now\ntsrun: there is no lab ${name} \\(tsrun lab up creates one\\)\n$`));
      assertNoLab(t, s, name);
    });
  });
});

test("lab up where a link of the lab's parent name exists that is not a lab: says so, exits 1, changes nothing", async (t) => {
  await withRoot((s, name) => {
    execFileSync('ip', ['link', 'add', `${name}0`, 'type', 'veth', 'peer', 'name', `${name}1`]);
    const before = execFileSync('ip', ['-j', 'link', 'show', `${name}0`], { encoding: 'utf8' });
    const r = s.run(['lab', 'up', '--name', name]);
    t.is(r.code, 1);
    t.is(r.stderr, `tsrun: a link ${name}0 exists that is not a tsrun lab: choose another --name, or delete that link (ip link del ${name}0) if it is a leftover\n`);
    t.is(execFileSync('ip', ['-j', 'link', 'show', `${name}0`], { encoding: 'utf8' }), before, 'the link is left as it was');
    t.false(netnsExists(`tsrun-${name}`));
    t.deepEqual(entries(s, 'labs'), []);
    t.deepEqual(entries(s, 'journal'), []);
  });
});
