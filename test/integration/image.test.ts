import test from 'ava';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALPINE_TARBALL, isRoot, StateRoot } from '../helpers/tsrun';
import { startMirror, type Mirror } from '../helpers/mirror';
import { makeTar } from '../helpers/tarball';

const scratch = mkdtempSync(join(tmpdir(), 'tsrun-image-test-'));
test.after.always(() => rmSync(scratch, { recursive: true, force: true }));

function root(t: { fail: (m: string) => void }): boolean {
  if (!isRoot) t.fail('needs root: run the suite with sudo');
  return isRoot;
}

/** A state root and a mirror of the test's own (tests run concurrently). */
async function withState(fn: (s: StateRoot, mirror: Mirror) => Promise<void>): Promise<void> {
  const s = new StateRoot();
  const mirror = await startMirror();
  try {
    await fn(s, mirror);
  } finally {
    s.remove();
    await mirror.close();
  }
}

test('image import of a file, then ls, run and rm', async (t) => {
  if (!root(t)) return;
  await withState(async (s) => {
    const r = s.run(['image', 'import', ALPINE_TARBALL, 'alpine:3.20']);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, /^sha256:[0-9a-f]{64}\n$/);
    const ls = s.run(['image', 'ls']).stdout.split('\n');
    t.regex(ls[0]!, /^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$/);
    t.regex(ls[1]!, /^alpine +3\.20 +[0-9a-f]{12} +/);
    t.is(s.run(['run', '--rm', 'alpine:3.20', 'cat', '/etc/alpine-release']).stdout, '3.20.3\n');
    const rm = s.run(['image', 'rm', 'alpine:3.20']);
    t.is(rm.code, 0, rm.stderr);
    t.regex(rm.stdout, /^Untagged: alpine:3\.20\nDeleted: sha256:[0-9a-f]{64}\n$/);
    t.deepEqual(s.imageDirs(), []);
  });
});

test('an image used by a container cannot be removed', async (t) => {
  if (!root(t)) return;
  await withState(async (s) => {
    s.importAlpine();
    t.is(s.run(['run', '--name', 'user1', 'alpine', 'true']).code, 0);
    const rm = s.run(['image', 'rm', 'alpine']);
    t.is(rm.code, 1);
    t.is(rm.stderr, "tsrun: unable to remove image alpine: container user1 is using it (remove the container first with 'tsrun rm user1')\n");
    t.is(s.imageDirs().length, 1);
  });
});

test('image import from a URL', async (t) => {
  if (!root(t)) return;
  await withState(async (s, mirror) => {
    const r = await s.runAsync(['image', 'import', `${mirror.url}/v3.20/releases/x86_64/alpine-minirootfs-3.20.3-x86_64.tar.gz`, 'fromurl']);
    t.is(r.code, 0, r.stderr);
    t.is(s.run(['run', '--rm', 'fromurl', 'cat', '/etc/alpine-release']).stdout, '3.20.3\n');
  });
});

test('a malicious tarball is refused with one line and leaves no image behind', async (t) => {
  if (!root(t)) return;
  await withState(async (s) => {
    const evil = join(scratch, 'evil.tar');
    writeFileSync(evil, await makeTar([{ name: 'ok', body: 'fine' }, { name: 'etc', type: 'symlink', linkname: '/etc' }, { name: 'etc/tsrun-pwned', body: 'x' }]));
    const r = s.run(['image', 'import', evil, 'evil']);
    t.is(r.code, 1);
    t.is(r.stderr, `tsrun: cannot import ${evil}: unsafe tarball entry "etc/tsrun-pwned": it would write through the symlink "etc"\n`);
    t.deepEqual(s.imageDirs(), []);
    t.is(s.run(['image', 'ls', '-q']).stdout, '');
  });
});

test('import errors: missing file, not a tarball, bad name', async (t) => {
  if (!root(t)) return;
  await withState(async (s) => {
    const missing = s.run(['image', 'import', '/no/such.tar.gz', 'x']);
    t.is(missing.stderr, 'tsrun: cannot import /no/such.tar.gz: ENOENT (no such file or directory)\n');
    const junk = join(scratch, 'junk.tar');
    writeFileSync(junk, 'this is not a tarball at all '.repeat(40));
    const bad = s.run(['image', 'import', junk, 'junk']);
    t.is(bad.code, 1);
    t.regex(bad.stderr, /^tsrun: cannot import .*junk\.tar: /);
    t.is(s.run(['image', 'import', ALPINE_TARBALL, 'Bad:Name']).stderr.split('\n')[0], 'tsrun: invalid image name "Bad:Name": use lowercase letters, digits and . _ - / (e.g. alpine or alpine:3.20)');
    t.deepEqual(s.imageDirs(), []);
  });
});

for (const [tag, branch] of [['latest', 'latest-stable'], ['3.20', 'v3.20'], ['3.20.3', 'v3.20']] as const) {
  test(`pull alpine:${tag} from the mirror verifies the published sha512`, async (t) => {
    if (!root(t)) return;
    await withState(async (s, mirror) => {
      const r = await s.runAsync(['pull', `alpine:${tag}`], { env: { TSRUN_ALPINE_MIRROR: mirror.url } });
      t.is(r.code, 0, r.stderr);
      t.regex(r.stdout, new RegExp(`^alpine:${tag.replace(/\./g, '\\.')}: sha256:[0-9a-f]{64}\\n$`));
      t.true(mirror.requests.includes(`/${branch}/releases/x86_64/alpine-minirootfs-3.20.3-x86_64.tar.gz.sha512`));
      if (tag !== '3.20.3') t.true(mirror.requests.includes(`/${branch}/releases/x86_64/latest-releases.yaml`));
      t.is(s.run(['run', '--rm', `alpine:${tag}`, 'cat', '/etc/alpine-release']).stdout, '3.20.3\n');
    });
  });
}

for (const damage of ['corrupt', 'truncated'] as const) {
  test(`a ${damage} download is rejected and leaves nothing behind`, async (t) => {
    if (!root(t)) return;
    await withState(async (s, mirror) => {
      mirror.damage = damage;
      const r = await s.runAsync(['pull', 'alpine:3.20'], { env: { TSRUN_ALPINE_MIRROR: mirror.url } });
      t.is(r.code, 1);
      t.is(r.stderr.split('\n').length, 2, r.stderr);
      t.regex(r.stderr, damage === 'truncated' ? /truncated: received \d+ of \d+ bytes/ : /sha512 checksum mismatch|cannot import/);
      t.deepEqual(s.imageDirs(), []);
    });
  });
}

test('pull of a release the mirror does not have, and of another image, are clear errors', async (t) => {
  if (!root(t)) return;
  await withState(async (s, mirror) => {
    const r = await s.runAsync(['pull', 'alpine:3.19'], { env: { TSRUN_ALPINE_MIRROR: mirror.url } });
    t.is(r.code, 1);
    t.is(r.stderr, `tsrun: download ${mirror.url}/v3.19/releases/x86_64/latest-releases.yaml: HTTP 404 Not Found\n`);
    const other = await s.runAsync(['pull', 'ubuntu'], { env: { TSRUN_ALPINE_MIRROR: mirror.url } });
    t.regex(other.stderr, /^tsrun: tsrun can pull only alpine/);
  });
});

test('pull shows a progress bar on a terminal, and none when output is not one', async (t) => {
  if (!root(t)) return;
  await withState(async (s, mirror) => {
    const { spawn } = await import('node:child_process');
    const { BIN } = await import('../helpers/tsrun');
    const out = await new Promise<string>((resolve) => {
      const p = spawn('script', ['-q', '-e', '-c', `${BIN} pull alpine:3.20`, '/dev/null'], {
        env: s.env({ TSRUN_ALPINE_MIRROR: mirror.url }),
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let text = '';
      p.stdout.on('data', (d) => (text += d));
      p.on('close', () => resolve(text));
    });
    t.regex(out, /alpine-minirootfs-3\.20\.3-x86_64\.tar\.gz \[#{20}\] 100% 3\.5\/3\.5 MB/);
    const plain = await s.runAsync(['pull', 'alpine:3.20'], { env: { TSRUN_ALPINE_MIRROR: mirror.url } });
    t.is(plain.stderr, '');
  });
});
