/**
 * `tsrun cp`, as Docker 20.10's `docker cp`: out of and into running, created and stopped
 * containers; files, directories and the `/.` form; tar archives on stdout and stdin (`-`);
 * Docker's errors; and the attacks: a container's symlinks pointing at host paths (relative
 * and absolute, in the image or made by the running container) never make cp read or write
 * a host file, and a tar stream's `..` entries or writes through its own symlinks are refused.
 */
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ALPINE_TARBALL, BIN, isRoot, StateRoot } from '../helpers/tsrun';
import { makeTar } from '../helpers/tarball';

const state = new StateRoot();
/** Host files an attacker would like to read or change. */
const host = mkdtempSync(join(tmpdir(), 'tsrun-cp-host-'));
const secretDir = join(host, 'secret');
/** Scratch space for each test's host side. */
const scratch = (): string => mkdtempSync(join(host, 'work-'));
/** Deep enough to climb out of any state root, were it resolved on the host. */
const climb = (abs: string): string => join('../../../../../../../../../../../..', relative('/', abs));

test.before(() => {
  if (!isRoot) return;
  state.importAlpine();
  mkdirSync(secretDir);
  writeFileSync(join(secretDir, 'passwd'), 'host secret\n');
  // An image whose links point out of its root, with a directory of the same path inside it.
  const rootfs = mkdtempSync(join(host, 'rootfs-'));
  execFileSync('tar', ['-xzf', ALPINE_TARBALL, '-C', rootfs]);
  symlinkSync(climb(secretDir), join(rootfs, 'rel'));
  symlinkSync(secretDir, join(rootfs, 'abs'));
  mkdirSync(join(rootfs, secretDir), { recursive: true });
  writeFileSync(join(rootfs, secretDir, 'passwd'), 'the container\'s own\n');
  execFileSync('tar', ['-cf', `${rootfs}.tar`, '-C', rootfs, '.']);
  const r = state.run(['image', 'import', `${rootfs}.tar`, 'hostile']);
  if (r.code !== 0) throw new Error(r.stderr);
  rmSync(rootfs, { recursive: true });
});

test.after.always(() => {
  state.remove();
  rmSync(host, { recursive: true, force: true });
});

test.beforeEach((t) => {
  if (!isRoot) t.fail('needs root: run the suite with sudo');
});

function ok(args: string[], input?: string): string {
  const r = state.run(args, input === undefined ? {} : { input });
  if (r.code !== 0) throw new Error(`tsrun ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** `tsrun cp` with bytes on stdin and stdout (tar archives). */
function cpBytes(args: string[], input?: Buffer): { code: number; stdout: Buffer; stderr: string } {
  const r = spawnSync(BIN, ['cp', ...args], { env: state.env(), input: input ?? Buffer.alloc(0), timeout: 60_000 });
  return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr.toString() };
}

/** The names in a tar archive, as `tar t` lists them. */
function tarNames(archive: Buffer): string[] {
  return execFileSync('tar', ['-t'], { input: archive }).toString().split('\n').filter(Boolean);
}

function fails(t: import('ava').ExecutionContext, args: string[], message: string | RegExp): void {
  const r = state.run(args);
  t.is(r.code, 1, `exit 1 for ${args.join(' ')}`);
  if (typeof message === 'string') t.is(r.stderr, `tsrun: ${message}\n`);
  else t.regex(r.stderr, message);
}

const unique = (base: string): string => `${base}-${Math.random().toString(36).slice(2, 7)}`;

test('out of a created container: a file, a directory, the /. contents, to new names and into existing directories', (t) => {
  const c = unique('cpout');
  ok(['create', '--name', c, 'alpine', 'true']);
  const d = scratch();
  ok(['cp', `${c}:/etc/alpine-release`, join(d, 'release')]);
  t.is(readFileSync(join(d, 'release'), 'utf8'), readFileSync(join(d, 'release'), 'utf8').trim() + '\n');
  t.regex(readFileSync(join(d, 'release'), 'utf8'), /^3\.20\.\d+\n$/);
  ok(['cp', `${c}:/etc/alpine-release`, `${d}/`]);
  t.true(existsSync(join(d, 'alpine-release')), 'a file into an existing directory keeps its name');

  ok(['cp', `${c}:/etc/apk`, join(d, 'newdir')]);
  t.true(statSync(join(d, 'newdir')).isDirectory(), 'a directory to a new name is created under that name');
  t.true(existsSync(join(d, 'newdir', 'repositories')));
  mkdirSync(join(d, 'into'));
  ok(['container', 'cp', `${c}:/etc/apk`, join(d, 'into')]);
  t.true(existsSync(join(d, 'into', 'apk', 'repositories')), 'a directory into an existing one lands inside it');
  mkdirSync(join(d, 'contents'));
  ok(['cp', `${c}:/etc/apk/.`, join(d, 'contents')]);
  t.true(existsSync(join(d, 'contents', 'repositories')), '/. copies the contents');
  t.false(existsSync(join(d, 'contents', 'apk')));

  ok(['cp', `${c}:/bin/sh`, join(d, 'sh-link')]);
  t.true(lstatSync(join(d, 'sh-link')).isSymbolicLink(), 'a symlink at the source is copied as a link');
  ok(['cp', '-L', `${c}:/bin/sh`, join(d, 'sh-file')]);
  t.true(lstatSync(join(d, 'sh-file')).isFile(), '-L copies what it points to, under the name asked for');
  t.true(lstatSync(join(d, 'sh-file')).size > 100_000);
});

test('Docker\'s errors, one line each, exit 1, nothing made', (t) => {
  const c = unique('cperr');
  ok(['create', '--name', c, 'alpine', 'true']);
  const d = scratch();
  writeFileSync(join(d, 'file'), 'x');
  fails(t, ['cp', `${c}:/nope`, d], `No such container:path: ${c}:/nope`);
  fails(t, ['cp', 'nosuch:/etc', d], 'No such container:path: nosuch:/etc');
  fails(t, ['cp', `${c}:/etc/apk`, join(d, 'file')], /^tsrun: cannot copy directory: .*\n$/);
  fails(t, ['cp', `${c}:/etc/alpine-release`, join(d, 'nodir') + '/'], /^tsrun: no such directory: .*nodir\/ .*\n$/);
  fails(t, ['cp', `${c}:/etc/alpine-release`, join(d, 'a', 'b')], `invalid output path: directory "${join(d, 'a')}" does not exist`);
  fails(t, ['cp', `${c}:/etc`, `${c}:/tmp`], 'copying between containers is not supported');
  fails(t, ['cp', join(d, 'file'), join(d, 'other')], /^tsrun: must specify at least one container source/);
  fails(t, ['cp', join(d, 'nope'), `${c}:/tmp`], `lstat ${join(d, 'nope')}: no such file or directory`);
  fails(t, ['cp', join(d, 'file'), `${c}:/nope/x`], `No such container:path: ${c}:/nope`);
  fails(t, ['cp', '-', `${c}:/etc/passwd`], `destination "${c}:/etc/passwd" must be a directory`);
  t.deepEqual(readdirSync(d), ['file'], 'nothing was made on the host');
});

/** The contents of a file in a container, through `cp ... -`. */
function fileIn(ref: string, path: string): string {
  const r = cpBytes([`${ref}:${path}`, '-']);
  if (r.code !== 0) throw new Error(r.stderr);
  return execFileSync('tar', ['-xO'], { input: r.stdout }).toString();
}

/** `tar tv`'s owner column of a file in a container. */
function ownerIn(ref: string, path: string): string {
  const listing = execFileSync('tar', ['-tv', '--numeric-owner'], { input: cpBytes([`${ref}:${path}`, '-']).stdout }).toString();
  return listing.split(/\s+/)[1]!;
}

test('into a stopped container: its upper layer, a file the container deleted made again, root-owned unless -a', (t) => {
  const c = unique('cpin');
  ok(['run', '--name', c, 'alpine', 'rm', '/etc/motd']);
  fails(t, ['cp', `${c}:/etc/motd`, scratch()], `No such container:path: ${c}:/etc/motd`);
  const d = scratch();
  writeFileSync(join(d, 'motd'), 'welcome back\n');
  chownSync(join(d, 'motd'), 1234, 5678);
  mkdirSync(join(d, 'tree', 'sub'), { recursive: true });
  writeFileSync(join(d, 'tree', 'sub', 'f'), 'deep\n');
  ok(['cp', join(d, 'motd'), `${c}:/etc/motd`]);
  ok(['cp', '-a', join(d, 'motd'), `${c}:/root/kept-owner`]);
  ok(['cp', join(d, 'tree'), `${c}:/opt`]);
  ok(['cp', `${d}/tree/.`, `${c}:/srv`]);

  t.is(fileIn(c, '/etc/motd'), 'welcome back\n', 'the deleted file is there again');
  t.is(ownerIn(c, '/etc/motd'), '0/0', 'root owns what cp put in');
  t.is(ownerIn(c, '/root/kept-owner'), '1234/5678', '-a keeps the uid and gid');
  t.is(fileIn(c, '/opt/tree/sub/f'), 'deep\n', 'a directory goes inside an existing one');
  t.is(fileIn(c, '/srv/sub/f'), 'deep\n', '/. copies the contents');
  // The container sees all of it when it runs again.
  ok(['rm', c]);
  const c2 = unique('cpin2');
  ok(['create', '--name', c2, 'alpine', 'cat', '/etc/motd', '/srv/sub/f']);
  ok(['cp', join(d, 'motd'), `${c2}:/etc/motd`]);
  ok(['cp', `${d}/tree/.`, `${c2}:/srv`]);
  const r = state.run(['start', '-a', c2]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'welcome back\ndeep\n');
  t.deepEqual(state.mounts(), [], 'no mount is left on the host');
});

test('a running container: out of and into what it sees, tar archives on stdout and stdin', async (t) => {
  const c = unique('cprun');
  ok(['run', '-d', '--name', c, 'alpine', 'sh', '-c', 'echo made at run > /tmp/made; mkdir /data; sleep 300']);
  for (let i = 0; i < 50 && state.run(['exec', c, 'test', '-d', '/data']).code !== 0; i++) await new Promise((r) => setTimeout(r, 100));
  const d = scratch();
  ok(['cp', `${c}:/tmp/made`, d]);
  t.is(readFileSync(join(d, 'made'), 'utf8'), 'made at run\n');
  ok(['cp', `${c}:/etc/hostname`, join(d, 'hostname')]);
  t.is(readFileSync(join(d, 'hostname'), 'utf8'), ok(['exec', c, 'hostname']), 'the container\'s own /etc/hostname, as it sees it');

  writeFileSync(join(d, 'in'), 'to the container\n');
  ok(['cp', join(d, 'in'), `${c}:/data/`]);
  t.is(ok(['exec', c, 'cat', '/data/in']), 'to the container\n');

  const archive = cpBytes([`${c}:/etc/apk`, '-']);
  t.is(archive.code, 0, archive.stderr);
  t.true(tarNames(archive.stdout).includes('apk/repositories'), 'stdout carries a tar archive named from the source');
  const contents = cpBytes([`${c}:/etc/apk/.`, '-']);
  t.true(tarNames(contents.stdout).includes('./repositories'));

  const upload = await makeTar([{ name: 'up/', type: 'directory', mode: 0o755 }, { name: 'up/a.txt', body: 'from a tar\n', uid: 42, gid: 43 }]);
  const put = cpBytes(['-', `${c}:/data`], upload);
  t.is(put.code, 0, put.stderr);
  t.is(ok(['exec', c, 'cat', '/data/up/a.txt']), 'from a tar\n');
  t.is(ok(['exec', c, 'stat', '-c', '%u:%g', '/data/up/a.txt']), '0:0\n', 'root owns it without -a');
  const kept = cpBytes(['-a', '-', `${c}:/data`], upload);
  t.is(kept.code, 0, kept.stderr);
  t.is(ok(['exec', c, 'stat', '-c', '%u:%g', '/data/up/a.txt']), '42:43\n', '-a keeps the archive\'s owners');
});

test('attack: an image\'s symlinks to host paths (relative and absolute) are resolved inside the container, out and in, stopped and running', async (t) => {
  const stopped = unique('cpatk');
  ok(['create', '--name', stopped, 'hostile', 'sleep', '300']);
  const running = unique('cpatkr');
  ok(['run', '-d', '--name', running, 'hostile', 'sleep', '300']);
  const before = readdirSync(secretDir);
  for (const c of [stopped, running]) {
    for (const link of ['rel', 'abs']) {
      t.is(fileIn(c, `/${link}/passwd`), 'the container\'s own\n', `${c}:/${link}/passwd is the container's file`);
      const d = scratch();
      ok(['cp', '-L', `${c}:/${link}`, join(d, 'followed')]);
      t.is(readFileSync(join(d, 'followed', 'passwd'), 'utf8'), 'the container\'s own\n', '-L follows the link inside the container');
    }
    for (const link of ['rel', 'abs']) {
      const d = scratch();
      writeFileSync(join(d, 'planted'), `planted via ${link}\n`);
      ok(['cp', join(d, 'planted'), `${c}:/${link}/`]);
      t.is(fileIn(c, `${secretDir}/planted`), `planted via ${link}\n`, 'the file went to the link\'s target inside the container');
      ok(['cp', join(d, 'planted'), `${c}:/${link}/passwd`]);
      t.is(fileIn(c, `${secretDir}/passwd`), `planted via ${link}\n`, 'a file named through the link is the container\'s');
    }
  }
  t.deepEqual(readdirSync(secretDir), before, 'no file was made on the host');
  t.is(readFileSync(join(secretDir, 'passwd'), 'utf8'), 'host secret\n', 'the host file is unchanged');
});

test('attack: a running container\'s links made at run time (to a host path, to /, through /proc) lead nowhere on the host', async (t) => {
  const c = unique('cpatk2');
  const script = `ln -s ${climb(secretDir)} /evil; ln -s / /root/up; ln -s /proc/self/root /magic; mkdir /ready; sleep 300`;
  ok(['run', '-d', '--name', c, 'alpine', 'sh', '-c', script]);
  for (let i = 0; i < 50 && state.run(['exec', c, 'test', '-d', '/ready']).code !== 0; i++) await new Promise((r) => setTimeout(r, 100));
  fails(t, ['cp', `${c}:/evil/passwd`, scratch()], `No such container:path: ${c}:/evil/passwd`);
  t.is(fileIn(c, '/root/up/etc/alpine-release').slice(0, 3), '3.2', 'a link to / is the container\'s root');
  // /proc/self in the container's procfs: tsrun's thread is not in its pid namespace, so there is no self to follow.
  const magic = cpBytes([`${c}:/magic/etc/hostname`, '-']);
  t.is(magic.stderr, `tsrun: No such container:path: ${c}:/magic/etc/hostname\n`, 'a magic link never reaches the host');
  const d = scratch();
  writeFileSync(join(d, 'x'), 'x\n');
  const r = state.run(['cp', join(d, 'x'), `${c}:/evil/`]);
  t.is(r.code, 1, 'the link\'s target does not exist in the container');
  t.deepEqual(readdirSync(secretDir).sort(), ['passwd'], 'nothing was written on the host');
});

test('attack: a tar archive on stdin may not climb out with .. nor write through a link it made', async (t) => {
  const c = unique('cpatk3');
  ok(['create', '--name', c, 'alpine', 'true']);
  const climbing = await makeTar([{ name: '../../../../../../../../../..' + join(secretDir, 'passwd'), body: 'owned\n' }]);
  const r1 = cpBytes(['-', `${c}:/tmp`], climbing);
  t.is(r1.code, 1);
  t.regex(r1.stderr, /^tsrun: unsafe tarball entry ".*": ".." would leave the image root\n$/);
  const through = await makeTar([{ name: 'link', type: 'symlink', linkname: secretDir }, { name: 'link/passwd', body: 'owned\n' }]);
  const r2 = cpBytes(['-', `${c}:/tmp`], through);
  t.is(r2.code, 1);
  t.regex(r2.stderr, /^tsrun: unsafe tarball entry "link\/passwd": it would write through the symlink "link"\n$/);
  t.is(readFileSync(join(secretDir, 'passwd'), 'utf8'), 'host secret\n', 'the host file is unchanged');
  // And out of a container whose files are such links, to the host: the link is copied, never written through.
  const d = scratch();
  const r3 = state.run(['cp', `${c}:/tmp/link`, join(d, 'got')]);
  t.is(r3.code, 0, r3.stderr);
  t.true(lstatSync(join(d, 'got')).isSymbolicLink());
  t.is(readFileSync(join(secretDir, 'passwd'), 'utf8'), 'host secret\n');
});
