/**
 * Vector 6, tsrun's own state. The attacks: user nobody reaching an image's 0666 device node
 * or setuid-root binary through a TSRUN_ROOT that already existed with mode 0755; records
 * that are not tsrun's (an id of `../../..`, a container directory that is a symlink, a
 * directory that is not an id) making `ps -a` delete or read through host paths; a lock that
 * is a symlink making tsrun create a host file.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRoot, StateRoot } from '../helpers/tsrun';
import { Probe } from './probe';

let probe: Probe;
const victims = mkdtempSync(join(tmpdir(), 'tsrun-victims-'));

test.before(() => {
  if (isRoot) probe = new Probe();
});
test.after.always(() => {
  probe?.remove();
  rmSync(victims, { recursive: true, force: true });
});

/** Runs `argv` (an absolute path and its arguments) on the host as user nobody, every uid and capability dropped. */
function asNobody(argv: string[]): { code: number; stderr: string } {
  const r = spawnSync(probe.binary, ['drop-exec', ...argv], { encoding: 'utf8' });
  return { code: r.status ?? 128, stderr: r.stderr };
}

test('a TSRUN_ROOT made 0755 beforehand becomes 0700, said once, and nobody cannot reach an image\'s device node or setuid binary', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  const state = new StateRoot();
  try {
    chmodSync(state.dir, 0o755);
    const first = state.run(['image', 'ls']);
    t.is(first.code, 0);
    t.is(first.stderr, `tsrun: TSRUN_ROOT ${state.dir} was mode 755; made it 0700 so other users cannot reach its images and containers\n`);
    t.is(statSync(state.dir).mode & 0o777, 0o700);
    t.is(state.run(['image', 'ls']).stderr, '', 'said once');
    probe.image(state, 'devices', (rootfs) => spawnSync('mknod', ['-m', '666', join(rootfs, 'zero'), 'c', '1', '5']));
    const id = JSON.parse(readFileSync(join(state.dir, 'images', 'index.json'), 'utf8')).images[0].id as string;
    const rootfs = join(state.dir, 'images', id, 'rootfs');
    t.is(spawnSync('dd', [`if=${join(rootfs, 'zero')}`, 'bs=1', 'count=1'], { stdio: 'ignore' }).status, 0, 'root reads the node: the path is right');
    const dd = asNobody(['/bin/dd', `if=${join(rootfs, 'zero')}`, 'bs=1', 'count=1']);
    t.not(dd.code, 0, dd.stderr);
    t.regex(dd.stderr, /Permission denied/);
    const suid = asNobody([join(rootfs, 'probe-suid'), 'euid']);
    t.not(suid.code, 0, suid.stderr);
    t.regex(suid.stderr, /Permission denied/);
  } finally {
    state.remove();
  }
});

test('records that are not tsrun\'s are reported by name, never deleted or read through', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  const state = new StateRoot();
  try {
    const containers = join(state.dir, 'containers');
    mkdirSync(containers, { mode: 0o700 });
    // A record whose id climbs out to a host directory; its monitor is long dead, so an
    // unguarded reconcile would remove "its" directory.
    const climbed = join(victims, 'climbed');
    mkdirSync(climbed);
    writeFileSync(join(climbed, 'data'), 'keep');
    const forged = 'a'.repeat(64);
    mkdirSync(join(containers, forged));
    const dead = { pid: 1, startTime: 0, bootId: 'gone' };
    writeFileSync(join(containers, forged, 'config.json'), JSON.stringify({
      id: `../../../../../../../../..${climbed}`, name: 'forged', created: '', image: { ref: 'x', id: 'b'.repeat(64) }, command: ['x'],
      config: { hostname: 'x', env: [], workdir: '/', tty: false, interactive: false, network: 'none', autoRemove: true },
      state: { status: 'running', pid: 1, exitCode: 0, startedAt: '', finishedAt: '', error: '', monitor: dead, process: dead },
      logPath: '',
    }));
    // A container directory that is a symlink to a host directory holding a plausible record.
    const linked = join(victims, 'linked');
    mkdirSync(linked);
    const linkedId = 'c'.repeat(64);
    writeFileSync(join(linked, 'config.json'), JSON.stringify({ id: linkedId, state: { status: 'created' } }));
    symlinkSync(linked, join(containers, linkedId));
    // A directory whose name is not an id.
    mkdirSync(join(containers, 'not-an-id'));
    const r = state.run(['ps', '-a']);
    t.is(r.code, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').slice(1);
    t.deepEqual(rows.map((l) => l.split(/\s+/)), [[forged.slice(0, 12), 'Dead']], 'only the forged record, as Dead: nothing of it is trusted');
    t.regex(r.stderr, new RegExp(`container ${forged.slice(0, 12)} is Dead: its record ${join(containers, forged, 'config.json')} cannot be read \\(it names the id`));
    t.regex(r.stderr, new RegExp(`ignoring ${join(containers, linkedId)}: not a container of tsrun \\(a symlink`));
    t.regex(r.stderr, new RegExp(`ignoring ${join(containers, 'not-an-id')}: not a container of tsrun`));
    t.is(readFileSync(join(climbed, 'data'), 'utf8'), 'keep');
    t.true(existsSync(join(linked, 'config.json')));
    t.true(existsSync(join(containers, linkedId)), 'the symlink itself is left alone');
    // Removing the Dead one removes its own directory, not the one its record names.
    t.is(state.run(['rm', '-f', forged.slice(0, 12)]).code, 0);
    t.false(existsSync(join(containers, forged)));
    t.is(readFileSync(join(climbed, 'data'), 'utf8'), 'keep');
  } finally {
    rmSync(join(state.dir, 'containers'), { recursive: true, force: true });
    state.remove();
  }
});

test('a lock that is a symlink is refused with one line; its target is not created', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  const state = new StateRoot();
  try {
    const target = join(victims, 'lock-target');
    symlinkSync(target, join(state.dir, 'lock'));
    // ps reads without the lock (nothing to reconcile): it opens nothing there.
    t.is(state.run(['ps']).code, 0);
    t.false(existsSync(target));
    // rm takes the lock.
    const r = state.run(['rm', '-f', 'nosuch']);
    t.is(r.code, 1);
    t.is(r.stderr, `tsrun: ${join(state.dir, 'lock')} is a symlink: tsrun never follows one there; remove it\n`);
    t.false(existsSync(target));
  } finally {
    rmSync(join(state.dir, 'lock'), { force: true });
    state.remove();
  }
});
