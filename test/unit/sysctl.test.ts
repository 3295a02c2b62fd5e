import test from 'ava';
import { parseSysctls } from '../../src/runtime/sysctl';

test('Docker\'s whitelist: net.*, fs.mqueue.* and the IPC kernel keys; the last value of a key wins', (t) => {
  t.deepEqual(parseSysctls(['net.ipv4.ip_forward=1', 'kernel.sem=250 32000 100 128', 'fs.mqueue.msg_max=20', 'kernel.shm_rmid_forced=1', 'net.ipv4.ip_forward=0', 'net.core.somaxconn=a=b'], false), {
    'net.ipv4.ip_forward': '0',
    'kernel.sem': '250 32000 100 128',
    'fs.mqueue.msg_max': '20',
    'kernel.shm_rmid_forced': '1',
    'net.core.somaxconn': 'a=b',
  });
  t.deepEqual(parseSysctls(['kernel.msgmax=1'], true), { 'kernel.msgmax': '1' });
});

test('the rest is refused in Docker\'s and runc\'s words', (t) => {
  for (const bad of ['kernel.hostname=x', 'vm.swappiness=1', 'net.ipv4.ip_forward', 'kernel.shmmaxx=1']) {
    t.throws(() => parseSysctls([bad], false), { message: new RegExp(`^invalid argument "${bad}" for "--sysctl" flag: sysctl '${bad}' is not whitelisted \\(`) });
  }
  t.throws(() => parseSysctls(['net.ipv4/../../kernel.x=1'], false), { message: /is not a sysctl name/ });
  t.throws(() => parseSysctls(['net..x=1'], false), { message: /is not a sysctl name/ });
  t.throws(() => parseSysctls(['net.ipv4.ip_forward=1'], true), { message: /^sysctl "net.ipv4.ip_forward" not allowed in host network namespace \(/ });
});
