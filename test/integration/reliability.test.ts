/**
 * Nothing lost, nothing stuck (containers and images): an unreadable record isolates only its
 * own container, shown as Dead; the image index is rebuilt from the store; a full disk keeps
 * read-only commands answering and the monitor keeps the exit code until it can write it;
 * Docker's exit codes and refusals for exec, -it and wait.
 */
import test from 'ava';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmdirSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRoot, StateRoot, withState } from '../helpers/tsrun';

test.beforeEach((t) => {
  if (!isRoot) t.fail('needs root: run the suite with sudo');
});

const occurrences = (text: string, part: string): number => text.split(part).length - 1;

function exitedContainer(s: StateRoot, name: string): string {
  const r = s.run(['run', '--name', name, 'alpine', 'true']);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(s.run(['inspect', name]).stdout)[0].Id as string;
}

for (const [what, content] of [['an empty', ''], ['a torn', '{"id": "'], ['a shapeless', '{}']] as const) {
  test(`${what} container record is one Dead container; the others keep working and rm removes it`, async (t) => {
    await withState((s) => {
      const broken = exitedContainer(s, 'broken');
      const good = s.run(['run', '-d', '--name', 'good', 'alpine', 'sleep', '60']).stdout.trim();
      const path = join(s.dir, 'containers', broken, 'config.json');
      writeFileSync(path, content);

      const ps = s.run(['ps', '-a']);
      t.is(ps.code, 0, ps.stderr);
      t.regex(ps.stdout, new RegExp(`^${broken.slice(0, 12)} .* Dead`, 'm'));
      t.regex(ps.stdout, /Up .* good$/m);
      t.is(occurrences(ps.stderr, path), 1, 'reported by its path, once');
      t.regex(ps.stderr, /rm -f/);

      t.is(JSON.parse(s.run(['inspect', 'good']).stdout)[0].State.Status, 'running');
      const dead = JSON.parse(s.run(['inspect', broken.slice(0, 8)]).stdout)[0];
      t.like(dead.State, { Status: 'dead', Dead: true });
      t.is(s.run(['exec', 'good', 'true']).code, 0);
      const exec = s.run(['exec', broken.slice(0, 12), 'true']);
      t.is(exec.code, 1);
      t.regex(exec.stderr, /is Dead/);
      t.is(s.run(['run', '--rm', 'alpine', 'true']).code, 0);

      const rm = s.run(['rm', '-f', broken.slice(0, 12)]);
      t.is(rm.code, 0, rm.stderr);
      t.false(existsSync(join(s.dir, 'containers', broken)));
      const after = s.run(['ps', '-a', '-q', '--no-trunc']);
      t.is(after.stdout, `${good}\n`);
      t.is(after.stderr, '');
    });
  });
}

test('an unreadable image index is rebuilt from the store: image ls and run go on', async (t) => {
  await withState((s) => {
    writeFileSync(join(s.dir, 'images', 'index.json'), '');
    const ls = s.run(['image', 'ls']);
    t.is(ls.code, 0, ls.stderr);
    t.regex(ls.stdout, /^alpine +latest /m);
    t.regex(ls.stderr, /image index .* rebuilt/);
    const run = s.run(['run', '--rm', 'alpine', 'echo', 'ok']);
    t.is(run.stdout, 'ok\n');
    t.is(run.stderr, '', 'rebuilt once: the next command finds a good index');
  });
});

/** A state root on a 24 MiB tmpfs of its own, unmounted afterwards whatever happens. */
async function withSmallDisk(fn: (s: StateRoot, mnt: string, parent: string) => Promise<void>): Promise<void> {
  const mnt = mkdtempSync(join(tmpdir(), 'tsrun-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m,mode=0700', 'tsrun-test-full', mnt]);
  const s = new StateRoot(join(mnt, 'root'));
  // A parent link for a network of this root (a veth: the CI kernel has no dummy links),
  // named as the tests' lab parents are, which other tests' link checks leave out.
  const parent = `tsl${process.pid % 100000}98`;
  execFileSync('ip', ['link', 'add', parent, 'type', 'veth', 'peer', 'name', `tsl${process.pid % 100000}99`]);
  try {
    s.importAlpine();
    await fn(s, mnt, parent);
  } finally {
    try {
      s.remove();
      execFileSync('ip', ['link', 'del', parent]);
    } finally {
      // The last monitor may still be closing its log on the disk.
      for (let i = 0; ; i++) {
        try {
          execFileSync('umount', [mnt], { stdio: 'ignore' });
          break;
        } catch (err) {
          if (i >= 50) throw err;
          await sleep(200);
        }
      }
      rmdirSync(mnt);
    }
  }
}

async function until<T>(probe: () => T | undefined, ms: number): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined || Date.now() > deadline) return v;
    await sleep(100);
  }
}

test('a full disk: read-only commands answer, writes fail naming the path, the exit code is kept until there is room', async (t) => {
  await withSmallDisk(async (s, mnt, parent) => {
    t.is(s.run(['network', 'create', '-d', 'macvlan', '--subnet', '10.251.7.0/24', '-o', `parent=${parent}`, 'fullnet']).code, 0);
    // Output that fills the disk, then an exit code of its own.
    const id = s.run(['run', '-d', '--name', 'filler', 'alpine', 'sh', '-c', 'yes 0123456789abcdef | head -c 40000000; sleep 1; exit 7']).stdout.trim();
    const free = (): number => Number(execFileSync('df', ['--output=avail', '-B1', mnt], { encoding: 'utf8' }).split('\n')[1]);
    t.truthy(await until(() => (free() < 64 * 1024 ? true : undefined), 30_000), 'the disk filled');
    await sleep(2000); // the container exits and its monitor finds no room for the record

    for (const args of [['ps', '-a'], ['inspect', 'filler'], ['network', 'ls'], ['network', 'inspect', 'fullnet'], ['image', 'ls'], ['logs', '--tail', '1', 'filler']]) {
      const r = s.run(args);
      t.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }
    const run = s.run(['run', '--name', 'late', 'alpine', 'true']);
    t.is(run.code, 125);
    t.regex(run.stderr, /^tsrun: write \/.*\/config\.json: ENOSPC \(no space left on device\): free some space/);
    t.is(occurrences(run.stderr, '\n'), 1, 'one line');
    t.deepEqual(s.containerIds(), [id], 'the failed run left no container directory');
    const tmpFiles = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.tmp')) : []);
    t.deepEqual([...tmpFiles(join(s.dir, 'containers', id)), ...tmpFiles(join(s.dir, 'images'))], [], 'no temp file left');

    // Space returns: the monitor, still alive, records the code the container exited with.
    truncateSync(join(s.dir, 'containers', id, `${id}-json.log`), 0);
    const state = await until(() => {
      const st = JSON.parse(s.run(['inspect', 'filler']).stdout)[0].State;
      return st.Status === 'exited' ? st : undefined;
    }, 20_000);
    t.like(state, { Status: 'exited', ExitCode: 7, Error: '' });
  });
});

test('exec on a missing or stopped container exits 1, and 126 for a missing working directory, as Docker', async (t) => {
  await withState((s) => {
    t.is(s.run(['exec', 'nosuch', 'true']).code, 1);
    exitedContainer(s, 'stopped');
    const stopped = s.run(['exec', 'stopped', 'true']);
    t.is(stopped.code, 1);
    t.regex(stopped.stderr, /is not running/);
    t.is(s.run(['run', '-d', '--name', 'up', 'alpine', 'sleep', '60']).code, 0);
    const wd = s.run(['exec', '-w', '/missing', 'up', 'true']);
    t.is(wd.code, 126);
    t.regex(wd.stderr, /working directory \/missing does not exist/);
  });
});

test('-it with a stdin that is not a terminal is refused as Docker refuses it, before anything is made', async (t) => {
  await withState((s) => {
    for (const args of [['run', '-it', 'alpine', 'true'], ['run', '-i', '-t', '--rm', 'alpine', 'true']]) {
      const r = s.run(args);
      t.is(r.code, 1);
      t.is(r.stderr, 'tsrun: the input device is not a TTY\n');
    }
    t.deepEqual(s.containerIds(), []);
    t.is(s.run(['run', '-d', '--name', 'up', 'alpine', 'sleep', '60']).code, 0);
    t.is(s.run(['exec', '-it', 'up', 'true']).stderr, 'tsrun: the input device is not a TTY\n');
    t.is(s.run(['exec', '-t', 'up', 'true']).code, 0, '-t alone needs no terminal on stdin');
  });
});

test('wait on a --rm container prints its exit code', async (t) => {
  await withState((s) => {
    t.is(s.run(['run', '--rm', '-d', '--name', 'brief', 'alpine', 'sh', '-c', 'sleep 1; exit 3']).code, 0);
    const r = s.run(['wait', 'brief']);
    t.is(r.code, 0, r.stderr);
    t.is(r.stdout, '3\n');
    t.deepEqual(s.containerIds(), []);
  });
});

for (const point of ['run:after-record', 'run:after-plug'] as const) {
  test(`the supervisor of a starting run -d killed (${point}): the launcher says so in one line and exits 125`, async (t) => {
    await withState((s) => {
      const r = s.run(['run', '-d', '--name', 'doomed', 'alpine', 'sleep', '60'], { env: { TSRUN_FAULT: point } });
      t.is(r.code, 125);
      t.regex(r.stderr, /^tsrun: the container supervisor exited before the container started/);
      t.is(occurrences(r.stderr, '\n'), 1, 'one line, no stack trace');
      t.is(s.run(['ps', '-aq']).stdout, '');
      t.deepEqual(s.containerIds(), []);
    });
  });
}

test('the supervisor killed at random instants of a start never gives the launcher a stack trace', async (t) => {
  await withState(async (s) => {
    for (const delay of [50, 120, 200, 300, 450]) {
      const launcher = s.runAsync(['run', '-d', 'alpine', 'sleep', '60']);
      await sleep(delay);
      for (const pid of s.supervisors()) process.kill(pid, 'SIGKILL');
      const r = await launcher;
      t.true(r.code === 0 || r.code === 125, r.stderr);
      t.notRegex(r.stderr, /\n\s+at |ECONNRESET|internal error/);
    }
  });
});

test('temp files of killed writers are swept from container directories and the image store; a live writer\'s stay', async (t) => {
  await withState((s) => {
    const id = exitedContainer(s, 'kept');
    const dead = Number(execFileSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' })); // exited by now
    const stale = [join(s.dir, 'containers', id, `.config.json.${dead}.tmp`), join(s.dir, 'images', `.index.json.${dead}.tmp`)];
    const live = join(s.dir, 'containers', id, `.config.json.${process.pid}.tmp`);
    for (const f of [...stale, live]) writeFileSync(f, '{"half');
    t.is(s.run(['ps', '-a']).code, 0);
    t.is(s.run(['image', 'ls']).code, 0);
    t.deepEqual(stale.filter((f) => existsSync(f)), []);
    t.true(existsSync(live));
  });
});

test('ps, inspect and network ls answer while another command holds the state lock; rm waits for it', async (t) => {
  await withState(async (s) => {
    t.is(s.run(['run', '-d', '--name', 'steady', 'alpine', 'sleep', '300']).code, 0);
    // A command that holds the lock for long (an import of a big image, say): flock(1) on the same file.
    // -o: the lock is flock's own, not its sleep's, so killing flock releases it; its group
    // (detached) is killed at the end, the sleep with it.
    const holder = spawn('flock', ['-o', join(s.dir, 'lock'), 'sleep', '120'], { stdio: 'ignore', detached: true });
    try {
      await sleep(300);
      const ps = await s.runAsync(['ps']);
      t.regex(ps.stdout, /steady/);
      t.like(JSON.parse((await s.runAsync(['inspect', 'steady'])).stdout)[0].State, { Status: 'running' });
      t.regex((await s.runAsync(['network', 'ls'])).stdout, /none/);
      t.is(holder.exitCode, null, 'all three answered while the lock was held');
      const rm = s.runAsync(['rm', '-f', 'steady']);
      await sleep(1000);
      t.deepEqual(s.containerIds().length, 1, 'rm waits for the lock');
      holder.kill('SIGKILL');
      t.is((await rm).code, 0);
      t.deepEqual(s.containerIds(), []);
    } finally {
      process.kill(-holder.pid!, 'SIGKILL');
    }
  });
});
