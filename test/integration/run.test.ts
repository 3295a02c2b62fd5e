import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, isRoot, StateRoot } from '../helpers/tsrun';

const state = new StateRoot();

test.before(() => {
  if (isRoot) state.importAlpine();
});
test.after.always(() => state.remove());

/** Every test here runs containers: without root they fail, loudly, rather than skip. */
function root(t: { fail: (m: string) => void }): boolean {
  if (!isRoot) t.fail('needs root: run the suite with sudo');
  return isRoot;
}

test('--net=none shows exactly what Docker shows: lo with 127.0.0.1/8, no ::1', (t) => {
  if (!root(t)) return;
  const r = state.run(['run', '--rm', '--net=none', 'alpine', 'ip', 'addr']);
  t.is(r.code, 0, r.stderr);
  t.is(
    r.stdout,
    [
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN qlen 1000',
      '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
      '    inet 127.0.0.1/8 scope host lo',
      '       valid_lft forever preferred_lft forever',
      '',
    ].join('\n'),
  );
});

test('none is the default network, and lo answers ping', (t) => {
  if (!root(t)) return;
  const r = state.run(['run', '--rm', 'alpine', 'sh', '-c', 'ip -o link | wc -l; ping -c1 -W2 127.0.0.1 >/dev/null && echo pong']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, '1\npong\n');
});

test('the command is PID 1 and the only process; no host process is visible', (t) => {
  if (!root(t)) return;
  const r = state.run(['run', '--rm', 'alpine', 'ps', '-o', 'pid,args']);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(r.stdout.trim().split('\n').map((l) => l.trim()), ['PID   COMMAND', '1 ps -o pid,args']);
});

test('the hostname is the short container id, or --hostname', (t) => {
  if (!root(t)) return;
  const r = state.run(['run', 'alpine', 'hostname']);
  t.is(r.code, 0, r.stderr);
  const ids = state.containerIds();
  const id = ids.find((i) => r.stdout.trim() === i.slice(0, 12));
  t.truthy(id, `hostname ${r.stdout} is not a container's short id (${ids.join(',')})`);
  t.is(state.run(['run', '--rm', '--hostname', 'web-1', 'alpine', 'sh', '-c', 'hostname; cat /etc/hostname']).stdout, 'web-1\nweb-1\n');
});

test('a container without --rm stays recorded as exited with its code; --rm leaves nothing', (t) => {
  if (!root(t)) return;
  const before = new Set(state.containerIds());
  t.is(state.run(['run', '--name', 'keeper', 'alpine', 'sh', '-c', 'exit 5']).code, 5);
  const added = state.containerIds().filter((i) => !before.has(i));
  t.is(added.length, 1);
  const rec = JSON.parse(readFileSync(join(state.dir, 'containers', added[0]!, 'config.json'), 'utf8'));
  t.is(rec.name, 'keeper');
  t.is(rec.state.status, 'exited');
  t.is(rec.state.exitCode, 5);
  const dup = state.run(['run', '--name', 'keeper', 'alpine', 'true']);
  t.is(dup.code, 125);
  t.regex(dup.stderr, /^tsrun: the container name "keeper" is already in use/);
  const count = state.containerIds().length;
  t.is(state.run(['run', '--rm', 'alpine', 'true']).code, 0);
  t.is(state.containerIds().length, count);
  t.deepEqual(state.mounts(), []);
});

test('exit codes: 0, the command\'s own, 125, 126, 127 as Docker gives them', (t) => {
  if (!root(t)) return;
  t.is(state.run(['run', '--rm', 'alpine', 'true']).code, 0);
  t.is(state.run(['run', '--rm', 'alpine', 'sh', '-c', 'exit 3']).code, 3);
  const missing = state.run(['run', '--rm', 'alpine', 'no-such-command']);
  t.is(missing.code, 127);
  t.is(missing.stderr, 'tsrun: exec: "no-such-command": executable file not found in $PATH\n');
  const missingPath = state.run(['run', '--rm', 'alpine', '/no/such/file']);
  t.is(missingPath.code, 127);
  t.is(missingPath.stderr, 'tsrun: exec: "/no/such/file": no such file or directory\n');
  const notExec = state.run(['run', '--rm', 'alpine', '/etc/passwd']);
  t.is(notExec.code, 126);
  t.is(notExec.stderr, 'tsrun: exec: "/etc/passwd": permission denied\n');
  const noImage = state.run(['run', '--rm', 'nosuchimage', 'true']);
  t.is(noImage.code, 125);
  t.regex(noImage.stderr, /^tsrun: no such image: nosuchimage \(import one with/);
});

test('bad input: one line, exit 125, and no record, directory or mount left', (t) => {
  if (!root(t)) return;
  const before = state.containerIds().length;
  const cases: Array<[string[], RegExp]> = [
    [['run', 'nosuchimage'], /^tsrun: no such image: nosuchimage/],
    [['run', 'alpine', 'no-such-command'], /^tsrun: exec: "no-such-command": executable file not found in \$PATH\n$/],
    [['run', '--hostname', 'bad_name', 'alpine', 'true'], /^tsrun: invalid hostname "bad_name"/],
    [['run', '-e', '=x', 'alpine', 'true'], /^tsrun: invalid environment variable "=x"/],
    [['run', '-w', 'relative', 'alpine', 'true'], /^tsrun: invalid working directory "relative"/],
    [['run', '--net', 'bridge', 'alpine', 'true'], /^tsrun: network bridge not found/],
    [['run', '--bogus', 'alpine'], /^tsrun: unknown flag: --bogus \(see 'tsrun run --help'\)\n$/],
    [['run'], /^tsrun: run needs an image/],
  ];
  for (const [args, message] of cases) {
    const r = state.run(args);
    t.not(r.code, 0, args.join(' '));
    t.true(r.code === 125 || r.code === 127, `${args.join(' ')} exited ${r.code}`);
    t.is(r.stderr.split('\n').length, 2, `one line for ${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, message);
  }
  t.is(state.containerIds().length, before);
  t.deepEqual(state.mounts(), []);
});

test('not running as root is a clear error', (t) => {
  if (!root(t)) return;
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, 'run', 'alpine'], {
    env: state.env(),
    encoding: 'utf8',
  });
  t.is(r.status, 125);
  t.is(r.stderr, 'tsrun: tsrun needs root to create namespaces and mounts: run it with sudo\n');
});

test('the container sees its own mounts only, and a read-only /sys', (t) => {
  if (!root(t)) return;
  const r = state.run(['run', '--rm', 'alpine', 'sh', '-c', 'cat /proc/mounts; touch /sys/x 2>&1; mount | grep -c " /sys "']);
  t.is(r.code, 0, r.stderr);
  const mountPoints = r.stdout.split('\n').filter((l) => /^\S+ \/\S* /.test(l)).map((l) => l.split(' ')[1]);
  t.is(mountPoints[0], '/');
  for (const mp of mountPoints) t.false(/^\/(work|var|home|boot|run|tmp)/.test(mp!), `host mount ${mp} visible`);
  t.true(mountPoints.includes('/proc'));
  t.true(mountPoints.includes('/dev/pts'));
  t.true(mountPoints.includes('/dev/shm'));
  t.regex(r.stdout, /sysfs \/sys sysfs ro,/);
  t.regex(r.stdout, /touch: \/sys\/x: Read-only file system/);
});

test('root is an overlay: writes reach neither the image nor another container', (t) => {
  if (!root(t)) return;
  t.is(state.run(['run', '--rm', 'alpine', 'sh', '-c', 'echo secret > /root/note && rm /bin/ls && cat /root/note']).stdout, 'secret\n');
  const r = state.run(['run', '--rm', 'alpine', 'sh', '-c', 'cat /root/note 2>&1; test -e /bin/ls && echo ls-present']);
  t.is(r.stdout, 'cat: can\'t open \'/root/note\': No such file or directory\nls-present\n');
  const imageId = JSON.parse(readFileSync(join(state.dir, 'images', 'index.json'), 'utf8')).images[0].id;
  t.false(existsSync(join(state.dir, 'images', imageId, 'rootfs', 'root', 'note')));
  t.true(lstatSync(join(state.dir, 'images', imageId, 'rootfs', 'bin', 'ls')).isSymbolicLink());
});

test('Docker\'s protections: masked /proc files, read-only /proc/sys, default capabilities, no inheritable set, no_new_privs off', (t) => {
  if (!root(t)) return;
  const script = [
    'echo kcore=$(cat /proc/kcore 2>/dev/null | head -c 16 | wc -c)',
    'echo keys=$(cat /proc/keys 2>/dev/null | wc -c)',
    'echo timer_list=$(cat /proc/timer_list 2>/dev/null | wc -c)',
    'echo 1 > /proc/sys/kernel/domainname 2>/dev/null || echo proc-sys-ro',
    'echo h > /proc/sysrq-trigger 2>/dev/null || echo sysrq-ro',
    'grep -E "^(CapInh|CapBnd|CapEff|NoNewPrivs)" /proc/self/status',
    'mount -t tmpfs none /mnt 2>/dev/null || echo no-mount',
  ].join('; ');
  const r = state.run(['run', '--rm', 'alpine', 'sh', '-c', script]);
  t.is(r.code, 0, r.stderr);
  t.is(
    r.stdout,
    [
      'kcore=0',
      'keys=0',
      'timer_list=0',
      'proc-sys-ro',
      'sysrq-ro',
      // Docker 20.10: an empty inheritable set, its 14 default capabilities (0xa80425fb), no_new_privs off.
      'CapInh:\t0000000000000000',
      'CapEff:\t00000000a80425fb',
      'CapBnd:\t00000000a80425fb',
      'NoNewPrivs:\t0',
      'no-mount',
      '',
    ].join('\n'),
  );
});

test('-e, -w and the default environment', (t) => {
  if (!root(t)) return;
  const r = state.run(['run', '--rm', '-e', 'GREETING=hello world', '-e', 'FROM_HOST', '-w', '/srv/app', 'alpine', 'sh', '-c', 'pwd; echo "$GREETING"; echo $FROM_HOST; echo $PATH; echo $HOME'], {
    env: { FROM_HOST: 'passed' },
  });
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, '/srv/app\nhello world\npassed\n/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n/root\n');
});

test('/etc/hosts and /etc/resolv.conf are written for the container', (t) => {
  if (!root(t)) return;
  const r = state.run(['run', '--rm', '--hostname', 'box', 'alpine', 'sh', '-c', 'cat /etc/hosts; grep -c nameserver /etc/resolv.conf; grep -c "nameserver 127\\." /etc/resolv.conf']);
  t.regex(r.stdout, /^127\.0\.0\.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n/);
  const [, count, loopback] = r.stdout.trim().split('\n').slice(-3);
  t.true(Number(count) >= 1);
  t.is(loopback, '0');
});

test('stdin passes through with -i and is empty without it', (t) => {
  if (!root(t)) return;
  t.is(state.run(['run', '--rm', '-i', 'alpine', 'cat'], { input: 'through\n' }).stdout, 'through\n');
  t.is(state.run(['run', '--rm', 'alpine', 'cat'], { input: 'dropped\n' }).stdout, '');
  const err = state.run(['run', '--rm', 'alpine', 'sh', '-c', 'echo out; echo err >&2']);
  t.is(err.stdout, 'out\n');
  t.is(err.stderr, 'err\n');
});

test('--net=host shares the host network namespace and hostname', (t) => {
  if (!root(t)) return;
  const host = spawnSync('ip', ['-o', 'link'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).length;
  const r = state.run(['run', '--rm', '--net=host', 'alpine', 'sh', '-c', 'ip -o link | wc -l; hostname']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, `${host}\n${hostname()}\n`);
});

test('SIGTERM to tsrun reaches the container, and tsrun exits with its code', async (t) => {
  if (!root(t)) return;
  const p = spawn(BIN, ['run', '--rm', 'alpine', 'sh', '-c', 'trap "echo got-term; exit 7" TERM; echo ready; sleep 30 & wait'], {
    env: state.env(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  await new Promise<void>((resolve) => p.stdout.on('data', (d) => ((out += d), out.includes('ready') && resolve())));
  p.kill('SIGTERM');
  const code = await new Promise((resolve) => p.on('close', resolve));
  t.is(code, 7);
  t.is(out, 'ready\ngot-term\n');
});

test('-it gives an interactive shell a terminal of its own; Ctrl-C reaches the container', async (t) => {
  if (!root(t)) return;
  // script(1) plays the user's terminal.
  const p = spawn('script', ['-q', '-e', '-c', `${BIN} run -it --rm alpine sh`, '/dev/null'], {
    env: state.env(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  const waitFor = async (text: string): Promise<void> => {
    for (let i = 0; i < 200 && !out.includes(text); i++) await new Promise((r) => setTimeout(r, 50));
  };
  await waitFor('/ # ');
  p.stdin.write('tty; echo TERM=$TERM\n');
  await waitFor('TERM=xterm');
  p.stdin.write('sleep 30\n');
  await new Promise((r) => setTimeout(r, 300));
  p.stdin.write('\x03');
  await new Promise((r) => setTimeout(r, 300));
  p.stdin.write('echo sleep-status=$?\n');
  await waitFor('sleep-status=');
  p.stdin.write('exit 4\n');
  const code = await new Promise((resolve) => p.on('close', resolve));
  t.is(code, 4);
  t.regex(out, /\/dev\/pts\/0\r\nTERM=xterm/);
  t.regex(out, /sleep-status=130/);
});
