import test from 'ava';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { extractTarball, safeEntryPath } from '../../src/image/extract';
import { makeTar, type Entry } from '../helpers/tarball';

const isRoot = process.getuid?.() === 0;

/** A root to extract into and, beside it, an "outside" that must never be touched. */
function sandbox(): { root: string; outside: string; cleanup: () => void } {
  const base = mkdtempSync(join(tmpdir(), 'tsrun-extract-'));
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  mkdirSync(root);
  mkdirSync(outside);
  writeFileSync(join(outside, 'victim'), 'original');
  return { root, outside, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

async function extract(entries: Entry[], root: string, gzip = false): Promise<void> {
  await extractTarball(Readable.from([await makeTar(entries, gzip)]), root);
}

test('entry names are normalised and must stay inside the root', (t) => {
  t.is(safeEntryPath('./usr/bin/'), 'usr/bin');
  t.is(safeEntryPath('./'), '');
  t.is(safeEntryPath('a//b/./c'), 'a/b/c');
  t.throws(() => safeEntryPath('/etc/passwd'), { message: 'unsafe tarball entry "/etc/passwd": absolute paths are not allowed' });
  t.throws(() => safeEntryPath('a/../../etc'), { message: 'unsafe tarball entry "a/../../etc": ".." would leave the image root' });
});

const malicious: Array<[string, (outside: string) => Entry[], RegExp]> = [
  ['an absolute path', () => [{ name: '/tmp/evil', body: 'x' }], /absolute paths are not allowed/],
  ['a ../ path', () => [{ name: '../outside/victim', body: 'pwned' }], /".." would leave the image root/],
  [
    'a write through a symlink to outside',
    (outside) => [
      { name: 'etc', type: 'symlink', linkname: outside },
      { name: 'etc/victim', body: 'pwned' },
    ],
    /would write through the symlink "etc"/,
  ],
  [
    'a write through a relative symlink that climbs out',
    () => [
      { name: 'up', type: 'symlink', linkname: '../outside' },
      { name: 'up/victim', body: 'pwned' },
    ],
    /would write through the symlink "up"/,
  ],
  ['a hard link to a file outside', () => [{ name: 'h', type: 'link', linkname: '../outside/victim' }], /".." would leave the image root/],
  [
    'a hard link through a symlink',
    (outside) => [
      { name: 's', type: 'symlink', linkname: outside },
      { name: 'h', type: 'link', linkname: 's/victim' },
    ],
    /would write through the symlink "s"/,
  ],
];

for (const [what, entries, message] of malicious) {
  test(`refuses ${what} and leaves the outside untouched`, async (t) => {
    const s = sandbox();
    try {
      await t.throwsAsync(extract(entries(s.outside), s.root), { message });
      t.is(readFileSync(join(s.outside, 'victim'), 'utf8'), 'original');
      t.false(existsSync(join(s.outside, 'evil')));
    } finally {
      s.cleanup();
    }
  });
}

test('a file entry replaces a symlink instead of writing through it', async (t) => {
  const s = sandbox();
  try {
    await extract(
      [
        { name: 'f', type: 'symlink', linkname: join(s.outside, 'victim') },
        { name: 'f', body: 'inside' },
      ],
      s.root,
    );
    t.is(readFileSync(join(s.outside, 'victim'), 'utf8'), 'original');
    t.true(lstatSync(join(s.root, 'f')).isFile());
    t.is(readFileSync(join(s.root, 'f'), 'utf8'), 'inside');
  } finally {
    s.cleanup();
  }
});

test('a corrupt gzip stream is an error', async (t) => {
  const s = sandbox();
  try {
    const gz = await makeTar([{ name: 'a', body: 'x'.repeat(10000) }], true);
    gz[gz.length - 12] ^= 0xff;
    await t.throwsAsync(extractTarball(Readable.from([gz.subarray(0, gz.length - 8)]), s.root));
  } finally {
    s.cleanup();
  }
});

for (const gzip of [false, true]) {
  test(`keeps modes, owners, times, symlinks and hard links (${gzip ? '.tar.gz' : '.tar'})`, async (t) => {
    if (!isRoot) return t.fail('needs root to set owners: run the suite with sudo');
    const s = sandbox();
    try {
      await extract(
        [
          { name: './', type: 'directory', mode: 0o755 },
          { name: './bin/', type: 'directory', mode: 0o755 },
          { name: './bin/busybox', mode: 0o4755, uid: 0, gid: 0, body: '#!/bin/sh\n' },
          { name: './bin/sh', type: 'symlink', linkname: '/bin/busybox' },
          { name: './bin/ash', type: 'link', linkname: './bin/busybox' },
          { name: './home/user/file', mode: 0o640, uid: 1000, gid: 1001, body: 'hello' },
          { name: './ro/', type: 'directory', mode: 0o555 },
          { name: './ro/inside', body: 'written before the dir became read-only' },
        ],
        s.root,
        gzip,
      );
      const bb = statSync(join(s.root, 'bin/busybox'));
      t.is(bb.mode & 0o7777, 0o4755);
      t.is(readlinkSync(join(s.root, 'bin/sh')), '/bin/busybox');
      t.is(statSync(join(s.root, 'bin/ash')).ino, bb.ino);
      const f = statSync(join(s.root, 'home/user/file'));
      t.is(f.mode & 0o7777, 0o640);
      t.is(f.uid, 1000);
      t.is(f.gid, 1001);
      t.is(f.mtimeMs, 1_700_000_000_000);
      t.is(statSync(join(s.root, 'ro')).mode & 0o7777, 0o555);
      t.is(readFileSync(join(s.root, 'ro/inside'), 'utf8'), 'written before the dir became read-only');
    } finally {
      s.cleanup();
    }
  });
}
