/** run's container options as Docker 20.10 has them: --sysctl, --label, --env-file, --entrypoint, -u. */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { isRoot, StateRoot } from '../helpers/tsrun';

const state = new StateRoot();

test.before(() => {
  if (isRoot) state.importAlpine();
});
test.after.always(() => state.remove());

function inspect(name: string): { HostConfig: Record<string, unknown>; Config: Record<string, unknown>; Path: string; Args: string[] } {
  return (JSON.parse(state.run(['inspect', name]).stdout) as Array<ReturnType<typeof inspect>>)[0]!;
}

test('--sysctl sets the container\'s own net and IPC settings; the host\'s stay as they were', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  const hostTtl = readFileSync('/proc/sys/net/ipv4/ip_default_ttl', 'utf8');
  const hostShm = readFileSync('/proc/sys/kernel/shmmni', 'utf8');
  const flags = ['--sysctl', 'net.ipv4.ip_default_ttl=99', '--sysctl', 'kernel.shmmni=1234', '--sysctl', 'fs.mqueue.msg_max=20', '--sysctl', 'kernel.sem=250 32000 100 128'];
  const r = state.run(['run', '--name', 'sysctl-ok', ...flags, 'alpine', 'cat', '/proc/sys/net/ipv4/ip_default_ttl', '/proc/sys/kernel/shmmni', '/proc/sys/fs/mqueue/msg_max', '/proc/sys/kernel/sem']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, '99\n1234\n20\n250\t32000\t100\t128\n');
  t.is(readFileSync('/proc/sys/net/ipv4/ip_default_ttl', 'utf8'), hostTtl);
  t.is(readFileSync('/proc/sys/kernel/shmmni', 'utf8'), hostShm);
  // A start writes them again, in the new namespaces.
  const again = state.run(['start', '-a', 'sysctl-ok']);
  t.is(again.code, 0, again.stderr);
  t.is(again.stdout, r.stdout);
  t.deepEqual(inspect('sysctl-ok').HostConfig.Sysctls, { 'net.ipv4.ip_default_ttl': '99', 'kernel.shmmni': '1234', 'fs.mqueue.msg_max': '20', 'kernel.sem': '250 32000 100 128' });
  t.is(state.run(['rm', 'sysctl-ok']).code, 0);
  // Without --sysctl the container cannot change them: /proc/sys is read-only inside, as under Docker.
  const plain = state.run(['run', '--name', 'sysctl-none', 'alpine', 'sh', '-c', 'echo 5 > /proc/sys/net/ipv4/ip_default_ttl']);
  t.is(plain.code, 1);
  t.regex(plain.stderr, /Read-only file system/);
  t.false('Sysctls' in inspect('sysctl-none').HostConfig);
  t.is(state.run(['rm', 'sysctl-none']).code, 0);
});

test('--sysctl refuses what Docker refuses, with exit 125 and nothing left behind', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  const cases: Array<[string[], string]> = [
    [['--sysctl', 'kernel.hostname=x'], `tsrun: invalid argument "kernel.hostname=x" for "--sysctl" flag: sysctl 'kernel.hostname=x' is not whitelisted (`],
    [['--sysctl', 'net.ipv4.ip_forward'], `tsrun: invalid argument "net.ipv4.ip_forward" for "--sysctl" flag: sysctl 'net.ipv4.ip_forward' is not whitelisted (`],
    [['--sysctl', 'net.ipv4..ip_forward=1'], 'tsrun: invalid argument "net.ipv4..ip_forward=1" for "--sysctl" flag: "net.ipv4..ip_forward" is not a sysctl name'],
    [['--net=host', '--sysctl', 'net.ipv4.ip_forward=1'], 'tsrun: sysctl "net.ipv4.ip_forward" not allowed in host network namespace ('],
    [['--sysctl', 'net.ipv4.no_such_thing=1'], 'tsrun: open /proc/sys/net/ipv4/no_such_thing in the container: ENOENT'],
    [['--sysctl', 'net.ipv4.ip_default_ttl=abc'], 'tsrun: sysctl net.ipv4.ip_default_ttl=abc: write /proc/sys/net/ipv4/ip_default_ttl in the container: EINVAL'],
  ];
  for (const [flags, stderr] of cases) {
    const r = state.run(['run', '--rm', ...flags, 'alpine', 'true']);
    t.is(r.code, 125, flags.join(' '));
    t.true(r.stderr.startsWith(stderr), r.stderr);
    t.is(r.stderr.split('\n').length, 2, r.stderr);
  }
  t.deepEqual(state.containerIds(), []);
});
