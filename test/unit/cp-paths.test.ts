/** Docker's `cp` path rules (pkg/archive/copy.go), as tsrun's copy applies them on both sides. */
import test from 'ava';
import { planCopy, rebaseName, splitCpArg, splitPathDirEntry } from '../../src/runtime/copy/paths';

const file = (path: string) => ({ path, exists: true, isDir: false });
const dir = (path: string) => ({ path, exists: true, isDir: true });
const none = (path: string) => ({ path, exists: false, isDir: false });

test('a source splits into its directory and the name its archive takes; /. and / are contents', (t) => {
  t.deepEqual(splitPathDirEntry('/etc/apk'), { dir: '/etc', base: 'apk' });
  t.deepEqual(splitPathDirEntry('/etc/apk/'), { dir: '/etc', base: 'apk' });
  t.deepEqual(splitPathDirEntry('/etc/apk/.'), { dir: '/etc/apk', base: '.' });
  t.deepEqual(splitPathDirEntry('/'), { dir: '/', base: '.' });
});

test('where an archive goes: into an existing directory, under a new name, or refused in Docker\'s words', (t) => {
  t.deepEqual(planCopy(dir('/etc/apk'), dir('/tmp/d'), 'x'), { dir: '/tmp/d', top: 'apk' });
  t.deepEqual(planCopy(dir('/etc/apk/.'), dir('/tmp/d'), 'x'), { dir: '/tmp/d', top: '.' });
  t.deepEqual(planCopy(dir('/etc/apk'), none('/tmp/new'), 'x'), { dir: '/tmp', top: 'new' });
  t.deepEqual(planCopy(file('/etc/motd'), file('/tmp/old'), 'x'), { dir: '/tmp', top: 'old' });
  t.deepEqual(planCopy(file('/etc/motd'), none('/tmp/new'), 'x'), { dir: '/tmp', top: 'new' });
  t.throws(() => planCopy(dir('/etc/apk'), file('/tmp/old'), '/tmp/old'), { message: /^cannot copy directory: \/tmp\/old is a file/ });
  t.throws(() => planCopy(file('/etc/motd'), none('/tmp/new/'), '/tmp/new/'), { message: /^no such directory: \/tmp\/new\/ / });
  t.deepEqual(planCopy({ ...file('/usr/lib/os-release'), rebaseName: 'os-release' }, dir('/tmp'), 'x'), { dir: '/tmp', top: 'os-release' }, '-L keeps the name asked for');
});

test('-L: a followed link keeps the name and the trailing /. the user wrote', (t) => {
  t.deepEqual(rebaseName('/etc/os-release', '/usr/lib/os-release'), { path: '/usr/lib/os-release' }, 'the same name needs no rebase');
  t.deepEqual(rebaseName('/link/.', '/real'), { path: '/real/.' });
  t.deepEqual(rebaseName('/link', '/real'), { path: '/real', rebaseName: 'link' });
});

test('CONTAINER:PATH, and local paths that merely hold a colon', (t) => {
  t.deepEqual(splitCpArg('c1:/etc'), { container: 'c1', path: '/etc' });
  t.deepEqual(splitCpArg('/tmp/a:b'), { container: '', path: '/tmp/a:b' });
  t.deepEqual(splitCpArg('./a:b'), { container: '', path: './a:b' });
  t.deepEqual(splitCpArg('-'), { container: '', path: '-' });
});
