import test from 'ava';
import { resolveUser } from '../../src/runtime/user';

const PASSWD = 'root:x:0:0:root:/root:/bin/ash\n\n  daemon:x:2:2:daemon:/sbin:/sbin/nologin\nweb:x:1000:1000::/home/web:/bin/sh\n';
const GROUP = 'root:x:0:root\nbin:x:1:root,bin,daemon\ndaemon:x:2:root,bin,daemon\nweb:x:1000:\nwheel:x:10:root,web\n';

test('names and uids in passwd, groups from group, as runc resolves them', (t) => {
  t.deepEqual(resolveUser('', PASSWD, GROUP), { uid: 0, gid: 0, groups: [0, 1, 2, 10], home: '/root' });
  t.deepEqual(resolveUser('web', PASSWD, GROUP), { uid: 1000, gid: 1000, groups: [10], home: '/home/web' });
  t.deepEqual(resolveUser('1000', PASSWD, GROUP), { uid: 1000, gid: 1000, groups: [10], home: '/home/web' });
  // A uid not in passwd: group 0, home /, no supplementary groups.
  t.deepEqual(resolveUser('4242', PASSWD, GROUP), { uid: 4242, gid: 0, groups: [], home: '/' });
  // A group given replaces the user's and brings no supplementary ones.
  t.deepEqual(resolveUser('web:bin', PASSWD, GROUP), { uid: 1000, gid: 1, groups: [], home: '/home/web' });
  t.deepEqual(resolveUser('web:777', PASSWD, GROUP), { uid: 1000, gid: 777, groups: [], home: '/home/web' });
  t.deepEqual(resolveUser('daemon', PASSWD, null), { uid: 2, gid: 2, groups: [], home: '/sbin' }, 'no group file: no groups');
});

test('what cannot be resolved is refused in runc\'s words', (t) => {
  t.throws(() => resolveUser('nosuch', PASSWD, GROUP), { message: 'unable to find user nosuch: no matching entries in passwd file' });
  t.throws(() => resolveUser('nosuch', null, null), { message: 'unable to find user nosuch: no matching entries in passwd file' });
  t.throws(() => resolveUser('web:nosuch', PASSWD, GROUP), { message: 'unable to find group nosuch: no matching entries in group file' });
  t.throws(() => resolveUser('-1', PASSWD, GROUP), { message: 'uids and gids must be in range 0-2147483647' });
  t.throws(() => resolveUser('0:3000000000', PASSWD, GROUP), { message: 'uids and gids must be in range 0-2147483647' });
});
