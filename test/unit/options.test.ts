import test from 'ava';
import { TsrunError } from '../../src/sys/error';
import { containerEnv, parseEnv, validateContainerName, validateHostname, validateWorkdir } from '../../src/runtime/options';
import { parseImageRef } from '../../src/image/reference';
import { alpineArch, alpineRelease, minirootfsVersion } from '../../src/image/pull';

test('hostnames follow RFC 1123', (t) => {
  for (const ok of ['web', 'web-1', 'a.b.c', 'A1', 'x'.repeat(63)]) t.is(validateHostname(ok), ok);
  for (const bad of ['', 'foo_bar', '-web', 'web-', 'a..b', 'x'.repeat(65), 'has space']) {
    t.throws(() => validateHostname(bad), { instanceOf: TsrunError, message: /^invalid hostname/ }, bad);
  }
});

test('-e takes KEY=VALUE, copies a bare KEY from the environment, refuses an empty key', (t) => {
  t.deepEqual(parseEnv(['A=1', 'B=x=y', 'C=', 'HOME', 'UNSET'], { HOME: '/home/me' }), ['A=1', 'B=x=y', 'C=', 'HOME=/home/me']);
  t.throws(() => parseEnv(['=x']), { message: 'invalid environment variable "=x": use -e KEY=VALUE with a non-empty KEY without spaces' });
  t.throws(() => parseEnv(['A B=1']), { message: /^invalid environment variable "A B=1"/ });
});

test('the container environment starts from Docker defaults and the user overrides them', (t) => {
  const env = containerEnv(['PATH=/bin', 'X=1'], 'abc', true);
  t.deepEqual(env, ['PATH=/bin', 'HOSTNAME=abc', 'HOME=/root', 'TERM=xterm', 'X=1']);
  t.deepEqual(containerEnv([], 'abc', false, false), ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOSTNAME=abc'], 'with -u, HOME is left to the user\'s passwd entry');
  t.false(containerEnv([], 'abc', false).some((e) => e.startsWith('TERM=')));
});

test('container names and workdirs are checked', (t) => {
  t.is(validateContainerName('web_1.a-b'), 'web_1.a-b');
  t.throws(() => validateContainerName('-x'), { message: /^invalid container name/ });
  t.throws(() => validateContainerName('a'), { message: /^invalid container name/ });
  t.throws(() => validateWorkdir('tmp'), { message: 'invalid working directory "tmp": it must be an absolute path' });
});

test('image references: NAME[:TAG], latest by default', (t) => {
  t.deepEqual(parseImageRef('alpine'), { name: 'alpine', tag: 'latest' });
  t.deepEqual(parseImageRef('alpine:3.20'), { name: 'alpine', tag: '3.20' });
  t.deepEqual(parseImageRef('lab/alpine:v1'), { name: 'lab/alpine', tag: 'v1' });
  t.throws(() => parseImageRef('Alpine'), { message: /^invalid image name "Alpine"/ });
  t.throws(() => parseImageRef('alpine:'), { message: /^invalid image tag/ });
});

test('Alpine tags map to the mirror layout', (t) => {
  t.deepEqual(alpineRelease('latest'), { branch: 'latest-stable', version: undefined });
  t.deepEqual(alpineRelease('3.20'), { branch: 'v3.20', version: undefined });
  t.deepEqual(alpineRelease('3.20.3'), { branch: 'v3.20', version: '3.20.3' });
  t.throws(() => alpineRelease('edge'), { message: /^unknown Alpine tag "edge"/ });
  t.is(alpineArch('x64'), 'x86_64');
  t.is(alpineArch('arm64'), 'aarch64');
  t.throws(() => alpineArch('mips'), { message: /no minirootfs for this architecture \(mips\)/ });
});

test('the minirootfs version is read from latest-releases.yaml', (t) => {
  const yaml = [
    '---',
    '-',
    '  title: "Standard"',
    '  flavor: alpine-standard',
    '  version: 3.20.9',
    '-',
    '  title: "Mini root filesystem"',
    '  desc: "Minimal root filesystem.',
    '    For use in containers"',
    '  branch: v3.20',
    '  version: 3.20.3',
    '  flavor: alpine-minirootfs',
    '  file: alpine-minirootfs-3.20.3-x86_64.tar.gz',
  ].join('\n');
  t.is(minirootfsVersion(yaml), '3.20.3');
  t.is(minirootfsVersion('---\n'), undefined);
});
