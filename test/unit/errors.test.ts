import test from 'ava';
import { errnoName, sysErrorMessage, TsrunError, fromNodeError } from '../../src/sys/error';

test('errno numbers map to their names', (t) => {
  t.is(errnoName(1), 'EPERM');
  t.is(errnoName(2), 'ENOENT');
  t.is(errnoName(22), 'EINVAL');
  t.is(errnoName(9999), 'E9999');
});

test('a failed call names the call, the object and the errno', (t) => {
  t.is(
    sysErrorMessage('mount', 'overlay on /var/lib/tsrun/containers/3f2a/rootfs', 1),
    'mount overlay on /var/lib/tsrun/containers/3f2a/rootfs: EPERM (operation not permitted)',
  );
  t.is(sysErrorMessage('setsid', '', 1), 'setsid: EPERM (operation not permitted)');
});

test('a real failing syscall through src/sys throws that one-line error', async (t) => {
  const { mount } = await import('../../src/sys/mount');
  const err = t.throws(() => mount('tmpfs', '/nonexistent-tsrun-test/x', 'tmpfs', 0), { instanceOf: TsrunError });
  t.is(err?.message, 'mount tmpfs on /nonexistent-tsrun-test/x: ENOENT (no such file or directory)');
  t.is(err?.errno, 'ENOENT');
});

test('unshare of a user namespace from multithreaded Node fails with a named EINVAL', async (t) => {
  const { unshare, CLONE } = await import('../../src/sys/namespace');
  const err = t.throws(() => unshare(CLONE.NEWUSER, 'user namespace'), { instanceOf: TsrunError });
  t.is(err?.message, 'unshare user namespace: EINVAL (invalid argument)');
});

test("Node's fs errors become one line with the code", (t) => {
  const e = Object.assign(new Error("ENOENT: no such file or directory, open '/x'"), { code: 'ENOENT', errno: -2 });
  t.is(fromNodeError(e, 'cannot import /x').message, 'cannot import /x: ENOENT (no such file or directory)');
});
