/**
 * Vector 7, credentials as Docker 20.10 gives them: an empty inheritable set, no_new_privs
 * off unless --security-opt no-new-privileges (so setuid and file-capability binaries work
 * as under Docker), and Docker's --cap-add / --cap-drop.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { isRoot } from '../helpers/tsrun';
import { setUpProbe } from './probe';

const setup = setUpProbe(test);
const state = setup.state;

const capEff = (args: string[]): string => state.run(['run', '--rm', ...args, 'probe', 'grep', 'CapEff', '/proc/self/status']).stdout.trim().split('\t')[1] ?? '';

test('a setuid-root binary run by nobody gets euid 0 as under Docker; no-new-privileges keeps it nobody', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  t.is(state.run(['run', '--rm', 'probe', '/probe', 'drop-exec', '/probe-suid', 'euid']).stdout, 'euid=0\n');
  for (const opt of ['no-new-privileges', 'no-new-privileges:true']) {
    t.is(state.run(['run', '--rm', '--security-opt', opt, 'probe', '/probe', 'drop-exec', '/probe-suid', 'euid']).stdout, 'euid=65534\n');
  }
  t.is(state.run(['run', '--rm', '--security-opt', 'no-new-privileges=false', 'probe', 'grep', 'NoNewPrivs', '/proc/self/status']).stdout, 'NoNewPrivs:\t0\n');
});

test('--cap-add NET_ADMIN lets the container change its own network; without it the kernel refuses', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  const without = state.run(['run', '--rm', 'probe', 'ip', 'addr', 'add', '10.255.0.1/32', 'dev', 'lo']);
  t.not(without.code, 0);
  t.regex(without.stderr, /Operation not permitted/);
  for (const name of ['NET_ADMIN', 'cap_net_admin']) {
    t.is(state.run(['run', '--rm', '--cap-add', name, 'probe', 'ip', 'addr', 'add', '10.255.0.1/32', 'dev', 'lo']).code, 0);
  }
});

test('--cap-drop and --cap-add with ALL, as Docker computes them', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  // ALL is every capability the kernel has, of those tsrun itself holds (a sandbox may withhold some).
  const last = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
  const held = BigInt(`0x${/^CapPrm:\t(\w+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]}`);
  const all = ((1n << BigInt(last + 1)) - 1n) & held;
  t.is(capEff([]), '00000000a80425fb');
  t.is(capEff(['--cap-drop', 'CHOWN']), '00000000a80425fa');
  t.is(capEff(['--cap-drop', 'ALL']), '0000000000000000');
  t.is(capEff(['--cap-drop', 'ALL', '--cap-add', 'NET_RAW']), '0000000000002000');
  t.is(capEff(['--cap-add', 'ALL']), all.toString(16).padStart(16, '0'));
  t.is(capEff(['--cap-add', 'ALL', '--cap-drop', 'SYS_ADMIN']), (all & ~(1n << 21n)).toString(16).padStart(16, '0'));
});

test('exec runs with the container\'s privileges; inspect shows CapAdd, CapDrop and SecurityOpt as given, null when not', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  t.is(state.run(['run', '-d', '--name', 'capped', '--cap-add', 'NET_ADMIN', '--cap-drop', 'MKNOD', '--security-opt', 'no-new-privileges', 'probe', 'sleep', '300']).code, 0);
  t.is(state.run(['exec', 'capped', 'grep', '-E', '^(CapInh|CapEff|NoNewPrivs)', '/proc/self/status']).stdout, 'CapInh:\t0000000000000000\nCapEff:\t00000000a00435fb\nNoNewPrivs:\t1\n');
  const host = JSON.parse(state.run(['inspect', 'capped']).stdout)[0].HostConfig;
  t.like(host, { CapAdd: ['NET_ADMIN'], CapDrop: ['MKNOD'], SecurityOpt: ['no-new-privileges'] });
  t.is(state.run(['run', '-d', '--name', 'plain', 'probe', 'sleep', '300']).code, 0);
  t.like(JSON.parse(state.run(['inspect', 'plain']).stdout)[0].HostConfig, { CapAdd: null, CapDrop: null, SecurityOpt: null });
  t.is(state.run(['rm', '-f', 'capped', 'plain']).code, 0);
});

test('an unknown capability or security option: one line, exit 125, nothing created', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  const before = state.containerIds();
  const cap = state.run(['run', '--rm', '--cap-add', 'NOPE', 'probe', 'true']);
  t.is(cap.code, 125);
  t.is(cap.stderr, 'tsrun: invalid --cap-add: unknown capability: "CAP_NOPE" (use a name from capabilities(7) such as NET_ADMIN, with or without CAP_, or ALL)\n');
  const opt = state.run(['run', '--rm', '--security-opt', 'bogus', 'probe', 'true']);
  t.is(opt.code, 125);
  t.is(opt.stderr, 'tsrun: invalid --security-opt: "bogus" (tsrun understands no-new-privileges[:true|false], seccomp=unconfined and seccomp=PROFILE.json)\n');
  t.deepEqual(state.containerIds(), before);
});
