/**
 * Seccomp. The attack: the calls Docker's default profile refuses with EPERM (keyctl and
 * add_key reach the host root's user keyring; unshare(CLONE_NEWUSER) opens new mount, net
 * and pid namespaces; perf_event_open, userfaultfd, personality(ADDR_NO_RANDOMIZE), kcmp,
 * move_pages, AF_VSOCK sockets, clone with namespace flags) through the x86_64 entry point
 * and through i386's int 0x80. Docker: EPERM for each (clone3: ENOSYS), and the same calls
 * work with --security-opt seccomp=unconfined.
 */
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from '../helpers/tsrun';
import { setUpProbe } from './probe';

const setup = setUpProbe(test);
const state = setup.state;

function calls(args: string[]): Record<string, string> {
  const r = state.run(['run', '--rm', ...args, 'probe', '/probe', 'syscalls']);
  return Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.split('=') as [string, string]));
}

const REFUSED = ['keyctl', 'add_key', 'unshare_user', 'perf_event_open', 'userfaultfd', 'personality_addr_no_randomize', 'kcmp', 'move_pages', 'socket_vsock', 'clone_newns', 'i386_keyctl'];
const ALLOWED = ['personality_query', 'socket_inet', 'clone_plain', 'getpid', 'i386_getpid'];

test('the default profile refuses what Docker\'s refuses, with Docker\'s errno, and allows the rest', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  const got = calls([]);
  for (const name of REFUSED) t.is(got[name], 'EPERM', name);
  t.is(got.clone3, 'ENOSYS', 'clone3 answers ENOSYS so libc falls back to clone');
  for (const name of ALLOWED) t.is(got[name], 'ok', name);
  t.is(state.run(['run', '--rm', 'probe', 'grep', '^Seccomp:', '/proc/self/status']).stdout, 'Seccomp:\t2\n');
});

test('exec\'d processes get the same filter', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  t.is(state.run(['run', '-d', '--name', 'filtered', 'probe', 'sleep', '300']).code, 0);
  const out = state.run(['exec', 'filtered', '/probe', 'syscalls']).stdout;
  t.regex(out, /^keyctl=EPERM$/m);
  t.regex(out, /^unshare_user=EPERM$/m);
  t.regex(out, /^getpid=ok$/m);
  t.is(state.run(['rm', '-f', 'filtered']).code, 0);
});

test('seccomp=unconfined: no filter, so unshare -U works; --cap-add SYS_ADMIN brings Docker\'s additions', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  const free = calls(['--security-opt', 'seccomp=unconfined']);
  for (const name of ['keyctl', 'unshare_user', 'kcmp', 'personality_addr_no_randomize']) t.is(free[name], 'ok', name);
  t.is(state.run(['run', '--rm', '--security-opt', 'seccomp=unconfined', 'probe', 'unshare', '-U', 'true']).code, 0);
  t.not(state.run(['run', '--rm', 'probe', 'unshare', '-U', 'true']).code, 0);
  const admin = calls(['--cap-add', 'SYS_ADMIN']);
  t.is(admin.unshare_user, 'ok');
  t.is(admin.clone_newns, 'ok');
  t.is(admin.keyctl, 'EPERM', 'keyctl stays refused whatever the capabilities');
});

test('a profile in Docker\'s JSON format: its rules apply; a bad one is one line and exit 125', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  const profile = join(setup.probe.dir, 'no-mkdir.json');
  writeFileSync(profile, JSON.stringify({
    defaultAction: 'SCMP_ACT_ALLOW',
    archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] }],
    syscalls: [
      { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
      { names: ['socket'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 2, op: 'SCMP_CMP_EQ' }] },
    ],
  }));
  const r = state.run(['run', '--rm', '--security-opt', `seccomp=${profile}`, 'probe', 'sh', '-c', 'mkdir /tmp/x; /probe syscalls | grep -E "^(keyctl|socket_)"']);
  t.is(r.stderr, "mkdir: can't create directory '/tmp/x': Permission denied\n");
  t.is(r.stdout, 'keyctl=ok\nsocket_vsock=ok\nsocket_inet=EPERM\n', 'the default allows; socket(AF_INET) alone is refused by its argument rule');
  const broken = join(setup.probe.dir, 'broken.json');
  writeFileSync(broken, '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_MAYBE"}]}');
  const bad = state.run(['run', '--rm', '--security-opt', `seccomp=${broken}`, 'probe', 'true']);
  t.is(bad.code, 125);
  t.is(bad.stderr, `tsrun: invalid --security-opt seccomp=${broken}: unknown action "SCMP_ACT_MAYBE"\n`);
});
