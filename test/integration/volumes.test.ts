/**
 * -v, --mount, --tmpfs and named volumes, as a Docker 20.10 user sees them: what the
 * container reads and writes, what the host keeps, what is refused (Docker's words, exit 125,
 * nothing left behind), and that an image cannot aim a mount at a host path.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRoot, StateRoot } from '../helpers/tsrun';
import { importShapedAlpine } from '../helpers/shaped-image';

const state = new StateRoot();
const host = mkdtempSync(join(tmpdir(), 'tsrun-vol-host-'));

test.before(() => {
  if (isRoot) state.importAlpine();
});
test.after.always(() => {
  state.remove();
  rmSync(host, { recursive: true, force: true });
});

function root(t: { fail: (m: string) => void }): boolean {
  if (!isRoot) t.fail('needs root: run the suite with sudo');
  return isRoot;
}

/** The host's mounts that name any of `paths` (other tests on this machine may mount elsewhere meanwhile). */
const hostMountsOf = (...paths: string[]): string[] => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => paths.some((p) => l.includes(p)));
const volumes = (): string[] => (existsSync(join(state.dir, 'volumes')) ? readdirSync(join(state.dir, 'volumes')) : []);

/** An Alpine image shaped by `shape`, imported as `ref`. */
const image = (ref: string, shape: (rootfs: string) => void): void => importShapedAlpine(state, ref, shape);

test('-v binds a host directory: its files are visible, what the container writes is on the host, a missing one is made', (t) => {
  if (!root(t)) return;
  const dir = join(host, 'bind');
  mkdirSync(dir);
  writeFileSync(join(dir, 'from-host'), 'hello\n');
  const r = state.run(['run', '--rm', '-v', `${dir}:/data`, 'alpine', 'sh', '-c', 'cat /data/from-host && echo written > /data/from-container']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'hello\n');
  t.is(readFileSync(join(dir, 'from-container'), 'utf8'), 'written\n');
  const missing = join(host, 'made', 'by', 'run');
  const m = state.run(['run', '--rm', '-v', `${missing}:/m`, 'alpine', 'sh', '-c', 'echo x > /m/f']);
  t.is(m.code, 0, m.stderr);
  t.is(readFileSync(join(missing, 'f'), 'utf8'), 'x\n', 'the missing host directory was made, as Docker makes it');
  t.deepEqual(state.mounts(), []);
});

test(':ro and --mount readonly refuse writes (EROFS) and keep the source mount\'s nosuid/nodev', (t) => {
  if (!root(t)) return;
  const dir = join(host, 'ro');
  mkdirSync(dir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'nosuid,nodev,size=1m', 'tsrun-vol-test', dir]);
  try {
    writeFileSync(join(dir, 'f'), 'keep\n');
    const r = state.run(['run', '--rm', '-v', `${dir}:/ro:ro`, '--mount', `type=bind,src=${dir},dst=/ro2,readonly`, 'alpine', 'sh', '-c',
      'cat /ro/f; echo x > /ro/f || echo refused; touch /ro2/g || echo refused; grep -E " /ro2? " /proc/mounts']);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stderr, /Read-only file system/);
    const lines = r.stdout.trim().split('\n');
    t.deepEqual(lines.slice(0, 3), ['keep', 'refused', 'refused']);
    for (const l of lines.slice(3)) t.regex(l, /\bro,nosuid,nodev\b/, 'read-only, and still nosuid and nodev as the source is');
    t.is(lines.length, 5);
    t.is(readFileSync(join(dir, 'f'), 'utf8'), 'keep\n');
  } finally {
    execFileSync('umount', [dir]);
  }
});

test('a file can be bound over a file, and onto a path the image lacks', (t) => {
  if (!root(t)) return;
  const file = join(host, 'motd');
  writeFileSync(file, 'bound file\n');
  const r = state.run(['run', '--rm', '-v', `${file}:/etc/motd`, '-v', `${file}:/new/dir/file`, 'alpine', 'sh', '-c', 'cat /etc/motd /new/dir/file']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'bound file\nbound file\n');
});

test('a named volume is made on first use with the image\'s content copied up, and persists across containers', (t) => {
  if (!root(t)) return;
  const a = state.run(['run', '--rm', '-v', 'apkvol:/etc/apk', 'alpine', 'sh', '-c', 'cat /etc/apk/arch && echo mine > /etc/apk/added']);
  t.is(a.code, 0, a.stderr);
  t.is(a.stdout, 'x86_64\n', 'the image\'s /etc/apk was copied into the new volume');
  const b = state.run(['run', '--rm', '--mount', 'type=volume,src=apkvol,dst=/v', 'alpine', 'cat', '/v/added', '/v/arch']);
  t.is(b.code, 0, b.stderr);
  t.is(b.stdout, 'mine\nx86_64\n');
  t.is(readFileSync(join(state.dir, 'volumes', 'apkvol', '_data', 'added'), 'utf8'), 'mine\n');
  const inspect = JSON.parse(state.run(['volume', 'inspect', 'apkvol']).stdout) as Array<Record<string, unknown>>;
  t.like(inspect[0], { Driver: 'local', Labels: null, Mountpoint: join(state.dir, 'volumes', 'apkvol', '_data'), Name: 'apkvol', Options: null, Scope: 'local' });
  t.regex(String(inspect[0]!.CreatedAt), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  t.is(state.run(['volume', 'rm', 'apkvol']).code, 0);
  t.false(volumes().includes('apkvol'));
});

test('volume create, ls, inspect -f, rm: in use refused with Docker\'s words, prune keeps what is used', (t) => {
  if (!root(t)) return;
  t.is(state.run(['volume', 'create', '--label', 'team=net', 'labvol']).stdout, 'labvol\n');
  t.is(state.run(['volume', 'create', 'idle1']).code, 0);
  t.is(state.run(['volume', 'inspect', '-f', '{{.Labels.team}} {{.Driver}} {{json .Options}}', 'labvol']).stdout, 'net local null\n');
  t.is(state.run(['volume', 'inspect', '-f', '{{json .Labels}}', 'idle1']).stdout, 'null\n');
  const ls = state.run(['volume', 'ls']).stdout.split('\n');
  t.regex(ls[0]!, /^DRIVER\s+VOLUME NAME$/);
  t.true(ls.some((l) => /^local\s+labvol$/.test(l)));
  t.is(state.run(['volume', 'ls', '-q', '--filter', 'label=team=net']).stdout, 'labvol\n');
  const id = state.run(['create', '-v', 'labvol:/data', 'alpine', 'true']).stdout.trim();
  t.regex(id, /^[0-9a-f]{64}$/);
  t.is(state.run(['ps', '-aq', '--no-trunc', '--filter', 'volume=labvol']).stdout, `${id}\n`);
  t.is(state.run(['ps', '-a', '--filter', 'volume=/data', '--format', '{{.Mounts}} {{.LocalVolumes}}']).stdout, 'labvol 1\n');
  const rm = state.run(['volume', 'rm', 'labvol']);
  t.is(rm.code, 1);
  t.is(rm.stderr, `tsrun: remove labvol: volume is in use - [${id}]\n`);
  t.false(state.run(['volume', 'ls', '-q', '--filter', 'dangling=true']).stdout.includes('labvol'));
  const prune = state.run(['volume', 'prune', '-f']);
  t.is(prune.code, 0, prune.stderr);
  t.regex(prune.stdout, /^Deleted Volumes:\n(.*\n)*idle1\n/);
  t.true(volumes().includes('labvol'), 'prune leaves a volume a container uses');
  t.is(state.run(['rm', id]).code, 0);
  t.is(state.run(['volume', 'rm', 'labvol']).stdout, 'labvol\n');
  const missing = state.run(['volume', 'rm', 'nosuchvol']);
  t.is(missing.code, 1);
  t.is(missing.stderr, 'tsrun: No such volume: nosuchvol\n');
  t.is(state.run(['volume', 'rm', '-f', 'nosuchvol']).code, 0);
});

test('anonymous volumes: a 64-hex name, removed with run --rm, kept by rm, removed by rm -v', (t) => {
  if (!root(t)) return;
  const before = volumes();
  t.is(state.run(['run', '--rm', '-v', '/scratch', 'alpine', 'sh', '-c', 'echo x > /scratch/f']).code, 0);
  t.deepEqual(volumes(), before, 'run --rm removed its anonymous volume');
  const id = state.run(['create', '-v', '/scratch', 'alpine', 'true']).stdout.trim();
  const mounts = JSON.parse(state.run(['inspect', '-f', '{{json .Mounts}}', id]).stdout) as Array<{ Name: string }>;
  const name = mounts[0]!.Name;
  t.regex(name, /^[0-9a-f]{64}$/);
  t.true(volumes().includes(name), 'made when the container is created, as Docker makes it');
  t.is(state.run(['inspect', '-f', '{{json .Config.Volumes}} {{json .HostConfig.Binds}}', id]).stdout, '{"/scratch":{}} null\n');
  t.is(state.run(['start', '-a', id]).code, 0);
  t.true(volumes().includes(name));
  const keep = state.run(['create', '-v', '/scratch', 'alpine', 'true']).stdout.trim();
  const kept = (JSON.parse(state.run(['inspect', '-f', '{{json .Mounts}}', keep]).stdout) as Array<{ Name: string }>)[0]!.Name;
  t.is(state.run(['start', '-a', keep]).code, 0);
  t.is(state.run(['rm', keep]).code, 0);
  t.true(volumes().includes(kept), 'rm without -v keeps the anonymous volume, as Docker does');
  t.is(state.run(['rm', '-v', id]).code, 0);
  t.false(volumes().includes(name), 'rm -v removed it');
  t.is(state.run(['volume', 'rm', kept]).code, 0);
});

test('--tmpfs and --mount type=tmpfs: their size, mode and Docker\'s noexec,nosuid,nodev', (t) => {
  if (!root(t)) return;
  const r = state.run(['run', '--rm', '--tmpfs', '/t1:size=1m,mode=1770', '--mount', 'type=tmpfs,dst=/t2,tmpfs-size=2m', 'alpine', 'sh', '-c',
    'grep " /t1 " /proc/mounts; grep " /t2 " /proc/mounts; stat -c %a /t1; df -k /t2 | tail -1 | awk "{print \\$2}"']);
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.regex(lines[0]!, /^tmpfs \/t1 tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k,mode=1770 /);
  t.regex(lines[1]!, /^tmpfs \/t2 tmpfs rw,nosuid,nodev,noexec,relatime,size=2048k /);
  t.is(lines[2], '1770');
  t.is(lines[3], '2048');
  const inspect = state.run(['create', '--tmpfs', '/run:size=1m', '--mount', 'type=tmpfs,dst=/t2,tmpfs-size=2m', 'alpine', 'true']).stdout.trim();
  t.is(state.run(['inspect', '-f', '{{json .HostConfig.Tmpfs}} {{json .HostConfig.Mounts}} {{len .Mounts}}', inspect]).stdout,
    '{"/run":"size=1m"} [{"Type":"tmpfs","Target":"/t2","TmpfsOptions":{"SizeBytes":2097152}}] 1\n');
  state.run(['rm', inspect]);
});

test('inspect shows Mounts and HostConfig.Binds as Docker does', (t) => {
  if (!root(t)) return;
  const dir = join(host, 'inspect');
  mkdirSync(dir);
  const id = state.run(['create', '-v', `${dir}:/b:ro`, '-v', 'insvol:/v', 'alpine', 'true']).stdout.trim();
  t.is(state.run(['start', '-a', id]).code, 0);
  t.deepEqual(JSON.parse(state.run(['inspect', '-f', '{{json .Mounts}}', id]).stdout), [
    { Type: 'bind', Source: dir, Destination: '/b', Mode: 'ro', RW: false, Propagation: 'rprivate' },
    { Type: 'volume', Name: 'insvol', Source: join(state.dir, 'volumes', 'insvol', '_data'), Destination: '/v', Driver: 'local', Mode: 'z', RW: true, Propagation: '' },
  ]);
  t.is(state.run(['inspect', '-f', '{{json .HostConfig.Binds}}', id]).stdout, `["${dir}:/b:ro","insvol:/v"]\n`);
  state.run(['rm', id]);
  state.run(['volume', 'rm', 'insvol']);
});

test('each refusal: Docker\'s message, exit 125, and nothing left (no container, volume, host path or mount)', (t) => {
  if (!root(t)) return;
  const gone = join(host, 'never-made');
  const cases: Array<[string[], string]> = [
    [['--mount', `type=bind,source=${gone},target=/x`], `invalid mount config for type "bind": bind source path does not exist: ${gone}`],
    [['-v', './rel:/x'], 'create ./rel: "./rel" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'],
    [['-v', `${gone}:x`], `invalid volume specification: '${gone}:x': invalid mount config for type "bind": invalid mount path: 'x' mount path must be absolute`],
    [['-v', `${host}:/x`, '--tmpfs', '/x'], 'Duplicate mount point: /x'],
    [['--mount', 'type=bind,src=/tmp'], 'invalid argument "type=bind,src=/tmp" for "--mount" flag: target is required'],
    [['--mount', 'type=volume,src=refvol,dst=/x,size=1'], `invalid argument "type=volume,src=refvol,dst=/x,size=1" for "--mount" flag: unexpected key 'size' in 'size=1'`],
    [['--tmpfs', 'rel'], `invalid mount path: 'rel' mount path must be absolute`],
    [['--tmpfs', '/t:bogus'], `invalid tmpfs option ["bogus"] in --tmpfs /t:bogus (flags: rw, ro, exec, noexec, suid, nosuid, dev, nodev; data: size=, mode=, uid=, gid=, nr_inodes=, nr_blocks=, mpol=)`],
  ];
  const before = volumes();
  for (const [flags, message] of cases) {
    const r = state.run(['run', '--rm', ...flags, '-v', 'refvol:/never', 'alpine', 'true']);
    t.is(r.code, 125, flags.join(' '));
    t.is(r.stderr, `tsrun: ${message}\n`, flags.join(' '));
  }
  t.deepEqual(state.containerIds(), []);
  t.deepEqual(volumes(), before, 'no volume was made');
  t.false(existsSync(gone), '--mount never makes a bind source');
  t.deepEqual(state.mounts(), []);
  t.deepEqual(hostMountsOf(host, state.dir), []);
});

test('a mount init cannot make (a directory onto a file, a file onto a directory): exit 125, nothing left', (t) => {
  if (!root(t)) return;
  const file = join(host, 'a-file');
  writeFileSync(file, 'x');
  const before = volumes();
  const cases: Array<[string, string]> = [
    [`${host}:/etc/passwd`, `cannot mount the directory ${host} on /etc/passwd in the container: that path is not a directory (or one of its parents is a file)`],
    [`${file}:/etc`, `cannot mount the file ${file} on /etc in the container: that path is not a file (or one of its parents is a file)`],
  ];
  for (const [bind, message] of cases) {
    const r = state.run(['run', '--rm', '-v', '/anon-never', '-v', bind, 'alpine', 'true']);
    t.is(r.code, 125, bind);
    t.is(r.stderr, `tsrun: ${message}\n`, bind);
  }
  t.deepEqual(state.containerIds(), []);
  t.deepEqual(volumes(), before, 'the anonymous volume made for the run is gone with it');
  t.deepEqual(state.mounts(), []);
  t.deepEqual(hostMountsOf(host, state.dir), []);
});

for (const [kind, link] of [['a path climbing out of the root', '/../../../../../../../../../../VICTIM'], ['/etc', '/etc']] as const) {
  test(`an image whose /data is a symlink to ${kind}: -v DIR:/data/sub lands inside the container, never on the host`, (t) => {
    if (!root(t)) return;
    const victim = mkdtempSync(join(tmpdir(), 'tsrun-vol-victim-'));
    try {
      writeFileSync(join(victim, 'precious'), 'keep me\n');
      const target = link.replace('VICTIM', victim.slice(1));
      const ref = `data-link-${kind === '/etc' ? 'etc' : 'out'}`;
      image(ref, (rootfs) => symlinkSync(target, join(rootfs, 'data')));
      const src = join(host, `attack-${ref}`);
      mkdirSync(src);
      writeFileSync(join(src, 'payload'), 'from the bind\n');
      const inside = kind === '/etc' ? '/etc/sub/payload' : `${victim}/sub/payload`;
      const r = state.run(['run', '--rm', '-v', `${src}:/data/sub`, ref, 'cat', inside]);
      t.is(r.code, 0, r.stderr);
      t.is(r.stdout, 'from the bind\n', 'the bind is where the link leads inside the container');
      t.deepEqual(readdirSync(victim), ['precious'], 'nothing was made in the host directory');
      t.false(existsSync('/etc/sub'), 'nothing was made in the host\'s /etc');
      t.deepEqual(hostMountsOf(victim, src, ' /etc'), [], 'no mount on the host over the victim, the source or /etc');
      t.deepEqual(state.mounts(), []);
    } finally {
      rmSync(victim, { recursive: true, force: true });
    }
  });
}
