/**
 * Vector 4, paths resolved on the host. The attacks: an image whose /etc is a symlink out of
 * the root (relative or absolute) so that writing the container's /etc files replaces host
 * files; an image whose /dev points at a host directory so that `run -t` opens a host file
 * as the pty; a container whose PID 1 chroots into a directory where dev/pts/ptmx points at
 * a host path, so that `exec -t` opens it. Docker resolves all of these inside the
 * container's root. The oracle for "opened on the host" is a host FIFO: whoever opens it for
 * writing leaves a hang-up behind, which `probe fifo-hup` reports.
 */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isRoot } from '../helpers/tsrun';
import { setUpProbe } from './probe';

const setup = setUpProbe(test);
const state = setup.state;

/** Watches a new host FIFO; `verdict()` says whether anything opened it for writing meanwhile. */
async function fifoOracle(path: string): Promise<{ verdict(): Promise<string> }> {
  spawnSync('mkfifo', [path]);
  const watcher = spawn(setup.probe.binary, ['fifo-hup', path], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  watcher.stdout.on('data', (d) => (out += d));
  while (!out.includes('ready')) await new Promise((r) => setTimeout(r, 20));
  return {
    verdict: async () => {
      watcher.stdin.end();
      await new Promise((r) => watcher.on('close', r));
      return out.replace('ready\n', '').trim();
    },
  };
}

/** A host directory's entries, with symlink targets and file contents. */
function snapshot(dir: string): string[] {
  return readdirSync(dir).sort().map((n) => {
    const p = join(dir, n);
    const st = lstatSync(p);
    return st.isSymbolicLink() ? `${n} -> ${readlinkSync(p)}` : `${n}: ${readFileSync(p, 'utf8')}`;
  });
}

for (const kind of ['relative', 'absolute'] as const) {
  test(`an image whose /etc is a ${kind} symlink out of the root changes no host file`, (t) => {
    if (!isRoot) return t.fail('needs root: run the suite with sudo');
    const victim = join(setup.probe.dir, `victim-etc-${kind}`);
    mkdirSync(victim);
    writeFileSync(join(victim, 'precious'), 'keep me');
    symlinkSync('precious', join(victim, 'hosts'));
    const before = snapshot(victim);
    setup.probe.image(state, `etc-${kind}`, (rootfs) => {
      rmSync(join(rootfs, 'etc'), { recursive: true });
      // Deep enough to climb out of any state root, if it were resolved on the host.
      const target = kind === 'absolute' ? victim : join('../../../../../../../../../..', relative('/', victim));
      symlinkSync(target, join(rootfs, 'etc'));
    });
    const r = state.run(['run', '--rm', '--hostname', 'inside', `etc-${kind}`, '/bin/cat', '/etc/hostname']);
    t.is(r.code, 0, r.stderr);
    t.is(r.stdout, 'inside\n', 'the container got its /etc files, inside its own root');
    t.deepEqual(snapshot(victim), before, 'the host directory is as it was');
  });
}

test('an image whose /dev points at a host directory: run -t opens the container\'s own pty, not the host file', async (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  const fakeDev = join(setup.probe.dir, 'fake-dev');
  mkdirSync(join(fakeDev, 'pts'), { recursive: true });
  const oracle = await fifoOracle(join(fakeDev, 'pts', 'ptmx'));
  setup.probe.image(state, 'dev-link', (rootfs) => {
    rmSync(join(rootfs, 'dev'), { recursive: true, force: true });
    symlinkSync(fakeDev, join(rootfs, 'dev'));
  });
  const r = state.run(['run', '-t', '--rm', 'dev-link', 'tty']);
  t.is(r.code, 0, r.stderr);
  // /dev is the image's link, resolved inside the container: the pty is at <link target>/pts/N there.
  t.regex(r.stdout, new RegExp(`^${fakeDev}/pts/\\d+\\r?\\n$`));
  t.is(await oracle.verdict(), 'untouched', 'the host FIFO was never opened');
});

test('a PID 1 chrooted where dev/pts/ptmx points at a host path: exec -t opens the container\'s own pty and does not hang', async (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  const fifo = join(setup.probe.dir, 'host-ptmx');
  const oracle = await fifoOracle(fifo);
  t.is(state.run(['run', '-d', '--name', 'jailer', 'probe', '/probe', 'jail', fifo]).code, 0);
  for (let i = 0; i < 100 && !state.run(['logs', 'jailer']).stdout.includes('jailed'); i++) await new Promise((r) => setTimeout(r, 50));
  const r = state.run(['exec', '-t', 'jailer', 'tty']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^\/dev\/pts\/\d+\r?\n/);
  t.is(await oracle.verdict(), 'untouched');
  t.is(state.run(['rm', '-f', 'jailer']).code, 0);
});
