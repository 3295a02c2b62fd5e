/** run's container options as Docker 20.10 has them: --sysctl, --label, --env-file, --entrypoint, -u. */
import test, { type ExecutionContext } from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot, StateRoot } from '../helpers/tsrun';

const state = new StateRoot();

test.before(() => {
  if (isRoot) state.importAlpine();
});
test.after.always(() => state.remove());

/** Removes containers; a failure shows what tsrun said. */
function removed(t: ExecutionContext, args: string[]): void {
  const r = state.run(args);
  t.is(r.code, 0, r.stderr);
}

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
  removed(t, ['rm', 'sysctl-ok']);
  // Without --sysctl the container cannot change them: /proc/sys is read-only inside, as under Docker.
  const plain = state.run(['run', '--name', 'sysctl-none', 'alpine', 'sh', '-c', 'echo 5 > /proc/sys/net/ipv4/ip_default_ttl']);
  t.is(plain.code, 1);
  t.regex(plain.stderr, /Read-only file system/);
  t.false('Sysctls' in inspect('sysctl-none').HostConfig);
  removed(t, ['rm', 'sysctl-none']);
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

test('-l/--label and --label-file label the container: ps filters by them, inspect shows Config.Labels', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  const file = join(state.dir, 'labels');
  writeFileSync(file, '# a comment\n\n  tier=web\nbare\nnote= kept as is \n');
  const r = state.run(['run', '-d', '--label', 'lab=1', '-l', 'solo', '--label-file', file, '--label', 'tier=db', 'alpine', 'sleep', '60']);
  t.is(r.code, 0, r.stderr);
  const ids = state.run(['ps', '-aq', '--filter', 'label=lab=1']).stdout.trim().split('\n');
  t.deepEqual(ids, [r.stdout.trim().slice(0, 12)]);
  t.deepEqual(inspect(ids[0]!).Config.Labels, { lab: '1', solo: '', tier: 'db', note: ' kept as is ' });
  removed(t, ['rm', '-f', ...ids]);
  t.is(state.run(['ps', '-aq', '--filter', 'label=lab=1']).stdout, '');
  const plain = state.run(['create', '--name', 'nolabels', 'alpine']);
  t.is(plain.code, 0, plain.stderr);
  t.deepEqual(inspect('nolabels').Config.Labels, {});
  removed(t, ['rm', 'nolabels']);
});

test('bad labels and label files are refused with Docker\'s words, exit 125, and nothing is created', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  const bad = join(state.dir, 'bad-labels');
  writeFileSync(bad, 'x y=1\n');
  const cases: Array<[string[], string]> = [
    [['-l', '=x'], 'tsrun: invalid argument "=x" for "-l, --label" flag: invalid label \'=x\': empty name\n'],
    [['--label', 'a b=x'], 'tsrun: invalid argument "a b=x" for "-l, --label" flag: label \'a b\' contains whitespaces\n'],
    [['--label-file', join(state.dir, 'missing')], `tsrun: open ${join(state.dir, 'missing')}: no such file or directory\n`],
    [['--label-file', bad], 'tsrun: poorly formatted environment: variable \'x y\' contains whitespaces\n'],
  ];
  for (const [flags, stderr] of cases) {
    for (const verb of ['run', 'create']) {
      const r = state.run([verb, ...flags, 'alpine', 'true']);
      t.is(r.code, 125, `${verb} ${flags.join(' ')}`);
      t.is(r.stderr, stderr);
    }
  }
  t.deepEqual(state.containerIds(), []);
});

test('--env-file sets the environment before -e, as Docker merges them', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  const file = join(state.dir, 'env');
  writeFileSync(file, '# settings\n\nA=from-file\n  B=two words \nFROM_HOST\nNOT_SET_ANYWHERE\nPATH=/usr/bin:/bin\n');
  const r = state.run(['run', '--rm', '--env-file', file, '-e', 'A=from-flag', 'alpine', 'env'], { env: { FROM_HOST: 'host-value' } });
  t.is(r.code, 0, r.stderr);
  const env = r.stdout.split('\n');
  t.true(env.includes('A=from-flag'));
  t.true(env.includes('B=two words '));
  t.true(env.includes('FROM_HOST=host-value'));
  t.true(env.includes('PATH=/usr/bin:/bin'));
  t.false(env.some((e) => e.startsWith('NOT_SET_ANYWHERE')));
  const bad = join(state.dir, 'bad-env');
  writeFileSync(bad, 'x y=1\n');
  const refused = state.run(['run', '--rm', '--env-file', bad, 'alpine', 'true']);
  t.is(refused.code, 125);
  t.is(refused.stderr, "tsrun: poorly formatted environment: variable 'x y' contains whitespaces\n");
  t.deepEqual(state.containerIds(), []);
});

test('--entrypoint runs its program with the command as arguments; "" clears it; inspect shows Entrypoint, Cmd, Path, Args', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  const r = state.run(['run', '--name', 'ep-echo', '--entrypoint', '/bin/echo', 'alpine', 'hello', 'world']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'hello world\n');
  t.like(inspect('ep-echo'), { Path: '/bin/echo', Args: ['hello', 'world'], Config: { Entrypoint: ['/bin/echo'], Cmd: ['hello', 'world'] } });
  t.is(state.run(['ps', '-a', '--filter', 'name=ep-echo', '--format', '{{.Command}}']).stdout, '"/bin/echo hello wor…"\n');
  // Without a command the image's /bin/sh is not added: Docker's daemon keeps the image's Cmd only without an entrypoint.
  const bare = state.run(['run', '--name', 'ep-bare', '--entrypoint', 'echo', 'alpine']);
  t.is(bare.code, 0, bare.stderr);
  t.is(bare.stdout, '\n');
  t.like(inspect('ep-bare'), { Path: 'echo', Args: [], Config: { Entrypoint: ['echo'], Cmd: null } });
  const cleared = state.run(['run', '--name', 'ep-none', '--entrypoint', '', 'alpine', 'echo', 'x']);
  t.is(cleared.code, 0, cleared.stderr);
  t.is(cleared.stdout, 'x\n');
  t.like(inspect('ep-none'), { Path: 'echo', Args: ['x'], Config: { Entrypoint: null, Cmd: ['echo', 'x'] } });
  const plain = state.run(['create', '--name', 'ep-default', 'alpine']);
  t.is(plain.code, 0, plain.stderr);
  t.like(inspect('ep-default'), { Path: '/bin/sh', Args: [], Config: { Entrypoint: null, Cmd: ['/bin/sh'] } });
  removed(t, ['rm', 'ep-echo', 'ep-bare', 'ep-none', 'ep-default']);

  const none = state.run(['run', '--rm', '--entrypoint=', 'alpine']);
  t.is(none.code, 125);
  t.is(none.stderr, 'tsrun: No command specified (--entrypoint "" leaves none: give a command after the image)\n');
  const missing = state.run(['run', '--rm', '--entrypoint', '/no/such', 'alpine']);
  t.is(missing.code, 127);
  t.deepEqual(state.containerIds(), []);
});

/** `id` and the kernel's view of the command's credentials. */
const WHO = 'id; echo "HOME=$HOME"; grep -E "^(Groups|CapPrm|CapEff|CapBnd):" /proc/self/status';
const ROOT_GROUPS = 'groups=0(root),1(bin),2(daemon),3(sys),4(adm),6(disk),10(wheel),11(floppy),20(dialout),26(tape),27(video)';

test('-u runs the command as a user of the container\'s /etc/passwd, with its groups, its HOME and no capabilities left', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  const who = (flags: string[]): string => {
    const r = state.run(['run', '--rm', ...flags, 'alpine', 'sh', '-c', WHO]);
    t.is(r.code, 0, r.stderr);
    return r.stdout;
  };
  const none = 'CapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapBnd:\t00000000a80425fb\n';
  // As under Docker, root gets its supplementary groups from the image's /etc/group.
  t.is(who([]), `uid=0(root) gid=0(root) ${ROOT_GROUPS}\nHOME=/root\nGroups:\t0 1 2 3 4 6 10 11 20 26 27 \nCapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\n`);
  t.is(who(['-u', 'daemon']), `uid=2(daemon) gid=2(daemon) groups=1(bin),2(daemon),4(adm)\nHOME=/sbin\nGroups:\t1 2 4 \n${none}`);
  t.is(who(['--user', 'nobody']), `uid=65534(nobody) gid=65534(nobody)\nHOME=/\nGroups:\t \n${none}`);
  t.is(who(['-u', '1000:daemon']), `uid=1000 gid=2(daemon)\nHOME=/\nGroups:\t \n${none}`);
  t.is(who(['-u', 'daemon:10', '-e', 'HOME=/tmp']), `uid=2(daemon) gid=10(wheel)\nHOME=/tmp\nGroups:\t \n${none}`);
  // Its stdio is given to it, as runc does: it may reopen its own stdout and stderr.
  const reopen = state.run(['run', '--rm', '-u', 'nobody', 'alpine', 'sh', '-c', 'echo out > /dev/stdout; echo err > /dev/stderr']);
  t.is(reopen.code, 0, reopen.stderr);
  t.is(reopen.stdout, 'out\n');
  t.is(reopen.stderr, 'err\n');
  // --cap-drop SETUID does not keep the change of user from happening (runc changes it first).
  t.regex(who(['-u', 'nobody', '--cap-drop', 'SETUID', '--cap-drop', 'SETGID']), /^uid=65534\(nobody\)/);
});

test('-u with a user or group the image lacks fails as Docker\'s run (125) and exec (126) do; exec -u and inspect Config.User', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  const cases: Array<[string, string]> = [
    ['nosuch', 'tsrun: unable to find user nosuch: no matching entries in passwd file\n'],
    ['root:nosuch', 'tsrun: unable to find group nosuch: no matching entries in group file\n'],
    ['4294967296', 'tsrun: uids and gids must be in range 0-2147483647\n'],
  ];
  for (const [user, stderr] of cases) {
    const r = state.run(['run', '--rm', '-u', user, 'alpine', 'true']);
    t.is(r.code, 125, user);
    t.is(r.stderr, stderr);
  }
  t.deepEqual(state.containerIds(), []);

  const d = state.run(['run', '-d', '--name', 'user-exec', '-u', 'daemon', 'alpine', 'sleep', '60']);
  t.is(d.code, 0, d.stderr);
  t.is(inspect('user-exec').Config.User, 'daemon');
  const same = state.run(['exec', 'user-exec', 'id']);
  t.is(same.stdout, 'uid=2(daemon) gid=2(daemon) groups=1(bin),2(daemon),4(adm)\n');
  const other = state.run(['exec', '-u', 'nobody', 'user-exec', 'sh', '-c', WHO]);
  t.is(other.code, 0, other.stderr);
  t.regex(other.stdout, /^uid=65534\(nobody\) gid=65534\(nobody\)\nHOME=\/\nGroups:\t \nCapPrm:\t0{16}\nCapEff:\t0{16}\n/);
  const reopen = state.run(['exec', '-u', 'nobody', 'user-exec', 'sh', '-c', 'echo out > /dev/stdout']);
  t.is(reopen.stdout, 'out\n', reopen.stderr);
  t.is(state.run(['exec', '-u', '0', 'user-exec', 'id']).stdout, `uid=0(root) gid=0(root) ${ROOT_GROUPS}\n`);
  const missing = state.run(['exec', '-u', 'nosuch', 'user-exec', 'id']);
  t.is(missing.code, 126);
  t.is(missing.stderr, 'tsrun: unable to find user nosuch: no matching entries in passwd file\n');
  removed(t, ['rm', '-f', 'user-exec']);
  const plain = state.run(['create', '--name', 'user-none', 'alpine']);
  t.is(plain.code, 0, plain.stderr);
  t.is(inspect('user-none').Config.User, '');
  removed(t, ['rm', 'user-none']);
});

test('--read-only: the root and the /etc files are read-only, /dev, /dev/shm and /proc are not; inspect ReadonlyRootfs', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  const script = 'for f in /newfile /tmp/x /etc/hosts /etc/resolv.conf /dev/shm/x /dev/x; do if (: > $f) 2>/dev/null; then echo "$f rw"; else echo "$f ro"; fi; done; echo 1 > /proc/self/comm && echo "/proc rw"';
  const ro = state.run(['run', '--name', 'readonly', '--read-only', '-w', '/made/by/tsrun', 'alpine', 'sh', '-c', script]);
  t.is(ro.code, 0, ro.stderr);
  t.is(ro.stdout, '/newfile ro\n/tmp/x ro\n/etc/hosts ro\n/etc/resolv.conf ro\n/dev/shm/x rw\n/dev/x rw\n/proc rw\n');
  t.is(inspect('readonly').HostConfig.ReadonlyRootfs, true);
  const rw = state.run(['run', '--name', 'readwrite', 'alpine', 'sh', '-c', script]);
  t.is(rw.stdout, '/newfile rw\n/tmp/x rw\n/etc/hosts rw\n/etc/resolv.conf rw\n/dev/shm/x rw\n/dev/x rw\n/proc rw\n');
  t.is(inspect('readwrite').HostConfig.ReadonlyRootfs, false);
  removed(t, ['rm', 'readonly', 'readwrite']);
});

test('--privileged gives up isolation as Docker does: every capability and host device, no seccomp, writable /sys, nothing masked', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  // Every capability tsrun holds itself (a sandbox may withhold some).
  const held = /^CapPrm:\t(\w+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1];
  const script = [
    'grep -E "^(CapEff|CapBnd|Seccomp):" /proc/self/status',
    'awk \'$5 == "/sys" || $5 == "/sys/fs/cgroup" { print $5, $6 }\' /proc/self/mountinfo',
    // Masked for an ordinary container (a bind of /dev/null), here the kernel's own file.
    'grep -c " /proc/keys " /proc/self/mountinfo',
    // A host device outside Docker's default allowlist, opened through the devices cgroup.
    'stat -c "%t:%T" /dev/kmsg && dd if=/dev/kmsg of=/dev/null count=0 2>/dev/null && echo kmsg-opened',
  ].join('; ');
  const r = state.run(['run', '--name', 'privileged', '--privileged', '--cap-drop', 'ALL', 'alpine', 'sh', '-c', script]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, `CapEff:\t${held}\nCapBnd:\t${held}\nSeccomp:\t0\n/sys rw,nosuid,nodev,noexec,relatime\n/sys/fs/cgroup rw,nosuid,nodev,noexec,relatime\n0\n1:b\nkmsg-opened\n`);
  t.is(inspect('privileged').HostConfig.Privileged, true);
  const plain = state.run(['run', '--name', 'unprivileged', 'alpine', 'sh', '-c', script]);
  t.regex(plain.stdout, /^CapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nSeccomp:\t2\n\/sys ro,nosuid,nodev,noexec,relatime\n\/sys\/fs\/cgroup ro,nosuid,nodev,noexec,relatime\n1\n$/);
  t.is(inspect('unprivileged').HostConfig.Privileged, false);
  removed(t, ['rm', 'privileged', 'unprivileged']);
});

test('-u reads the image\'s user database safely: a FIFO or an oversized /etc/passwd is refused, never waited on or read whole', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  const made = state.run(['create', '--name', 'hostile-passwd', '-u', 'nobody', 'alpine', 'id']);
  t.is(made.code, 0, made.stderr);
  const etc = join(state.dir, 'containers', made.stdout.trim(), 'upper', 'etc');
  mkdirSync(etc, { recursive: true });
  execFileSync('mkfifo', [join(etc, 'passwd')]);
  const fifo = state.run(['start', '-a', 'hostile-passwd']);
  // start fails as Docker's does, with 1.
  t.is(fifo.code, 1);
  t.is(fifo.stderr, 'tsrun: /etc/passwd in the container is not a regular file: the image\'s user database cannot be read\n');
  rmSync(join(etc, 'passwd'));
  writeFileSync(join(etc, 'passwd'), Buffer.alloc(5 << 20, 'x'));
  const big = state.run(['start', '-a', 'hostile-passwd']);
  t.is(big.code, 1);
  t.is(big.stderr, 'tsrun: /etc/passwd in the container is larger than 4 MiB: tsrun does not read a user database that size\n');
  removed(t, ['rm', 'hostile-passwd']);
});
