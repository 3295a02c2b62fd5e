/**
 * Docker's command forms: the management commands (`container ...`, `image ...`), the
 * shorthands (`images`, `rmi`, `import`), prune with its prompt, image inspect, and the
 * grouped top-level help, each as a guide or a Docker user types it.
 */
import test from 'ava';
import { ALPINE_TARBALL, isRoot, withState } from '../helpers/tsrun';

test.beforeEach((t) => {
  if (!isRoot) t.fail('needs root: run the suite with sudo');
});

test('the container management forms run, list, inspect, stop and remove as the short forms do', async (t) => {
  await withState((s) => {
    t.is(s.run(['container', 'run', '--rm', 'alpine', 'echo', 'hi']).stdout, 'hi\n');
    t.is(s.run(['container', 'run', '-d', '--name', 'my-macvlan-alpine', 'alpine', 'sleep', '60']).code, 0);
    t.is(s.run(['container', 'exec', 'my-macvlan-alpine', 'hostname']).code, 0);
    for (const verb of ['ls', 'ps', 'list']) t.regex(s.run(['container', verb]).stdout, /Up .* my-macvlan-alpine$/m, verb);
    t.is(JSON.parse(s.run(['container', 'inspect', 'my-macvlan-alpine']).stdout)[0].State.Status, 'running');
    t.is(s.run(['container', 'stop', '-t', '1', 'my-macvlan-alpine']).stdout, 'my-macvlan-alpine\n');
    t.is(s.run(['container', 'wait', 'my-macvlan-alpine']).stdout, '137\n', 'sleep as PID 1 ignores SIGTERM: killed after -t 1');
    t.is(s.run(['container', 'rm', 'my-macvlan-alpine']).stdout, 'my-macvlan-alpine\n');
    t.is(s.run(['container', 'ls', '-aq']).stdout, '');
  });
});

test('container prune asks first (no on empty input), then removes every stopped container and says what it freed', async (t) => {
  await withState((s) => {
    t.is(s.run(['run', '--name', 'done1', 'alpine', 'sh', '-c', 'head -c 5000 /dev/zero > /big']).code, 0);
    t.is(s.run(['run', '--name', 'done2', 'alpine', 'true']).code, 0);
    t.is(s.run(['run', '-d', '--name', 'up', 'alpine', 'sleep', '60']).code, 0);
    const declined = s.run(['container', 'prune']);
    t.is(declined.stdout, 'WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ');
    t.is(s.run(['ps', '-aq']).stdout.split('\n').filter(Boolean).length, 3, 'nothing removed without a yes');
    const ids = ['done1', 'done2'].map((n) => JSON.parse(s.run(['inspect', n]).stdout)[0].Id as string);
    const r = s.run(['container', 'prune'], { input: 'y\n' });
    t.is(r.code, 0, r.stderr);
    const [listing, total] = r.stdout.split('\n\n');
    const [warning, prompt, ...deleted] = listing!.split('\n');
    t.is(`${warning}\n${prompt}`, 'WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] Deleted Containers:');
    t.deepEqual(deleted.sort(), ids.sort());
    t.regex(total!, /^Total reclaimed space: [5-9]\.\d+kB\n$/, 'the 5 kB written inside done1 (and the /etc files)');
    t.regex(s.run(['ps', '-a']).stdout, /up$/m, 'the running one stays');
    t.is(s.run(['container', 'prune', '-f']).stdout, 'Total reclaimed space: 0B\n');
  });
});

test('images, rmi, import and image inspect/prune: the image verbs as Docker names them', async (t) => {
  await withState((s) => {
    t.regex(s.run(['images']).stdout, /^alpine +latest +[0-9a-f]{12} /m);
    t.regex(s.run(['import', ALPINE_TARBALL, 'other:1']).stdout, /^sha256:[0-9a-f]{64}\n$/);
    const [img] = JSON.parse(s.run(['image', 'inspect', 'alpine']).stdout);
    t.like(img, { RepoTags: ['alpine:latest', 'other:1'], Os: 'linux', RootFS: { Type: 'layers' } });
    t.regex(img.Id, /^sha256:[0-9a-f]{64}$/);
    t.is(s.run(['image', 'inspect', '-f', '{{join .RepoTags ","}}', 'alpine']).stdout, 'alpine:latest,other:1\n');
    const missing = s.run(['image', 'inspect', 'nosuch']);
    t.is(missing.code, 1);
    t.is(missing.stderr, 'tsrun: No such image: nosuch\n');
    t.is(s.run(['rmi', 'other:1']).stdout, 'Untagged: other:1\n');
    t.is(s.run(['image', 'prune', '-f']).stdout, 'Total reclaimed space: 0B\n', 'nothing dangling: alpine is tagged');
    t.is(s.run(['run', '--name', 'user', 'alpine', 'true']).code, 0);
    t.is(s.run(['image', 'prune', '-a', '-f']).stdout, 'Total reclaimed space: 0B\n', 'a container uses it');
    t.is(s.run(['rm', 'user']).code, 0);
    const pruned = s.run(['image', 'prune', '-a', '-f']);
    t.regex(pruned.stdout, /^Deleted Images:\nuntagged: alpine:latest\ndeleted: sha256:[0-9a-f]{64}\n\nTotal reclaimed space: \d+(\.\d+)?MB\n$/);
    t.is(s.run(['images', '-q']).stdout, '');
  });
});

test('--help groups the commands as Docker does, and every command it lists has help of its own', async (t) => {
  await withState((s) => {
    const help = s.run(['--help']);
    t.is(help.code, 0);
    t.regex(help.stdout, /^Usage: {2}tsrun \[OPTIONS\] COMMAND\n/);
    const section = (name: string): string[] => [...help.stdout.split(new RegExp(`^${name}:\n`, 'm'))[1]!.split('\n\n')[0]!.matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]!);
    t.deepEqual(section('Management Commands'), ['container', 'image', 'network', 'volume', 'lab', 'cni']);
    const commands = section('Commands');
    t.true(commands.includes('run') && commands.includes('images') && commands.includes('rmi'));
    for (const c of [...commands, 'container ls', 'container prune', 'image inspect', 'image prune', 'volume create', 'volume ls', 'cni install', 'cni conflist']) {
      const r = s.run([...c.split(' '), '--help']);
      t.is(r.code, 0, `${c} --help: ${r.stderr}`);
    }
  });
});
