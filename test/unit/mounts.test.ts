import test from 'ava';
import { TsrunError } from '../../src/sys/error';
import { mountOrder, parseMountFlag, parseMounts, parseTmpfsFlag, parseVolumeFlag, validateVolumeName } from '../../src/runtime/mounts';

test('-v HOST:DST[:MODE] is a bind when HOST is absolute, rprivate, read-only with ro', (t) => {
  const m = parseVolumeFlag('/srv/data/:/data:ro');
  t.like(m, { origin: 'volume', type: 'bind', source: '/srv/data', target: '/data', readonly: true, mode: 'ro', propagation: 'rprivate', createSource: true });
  t.like(parseVolumeFlag('/a:/b//c/'), { target: '/b/c', readonly: false, mode: '' });
  t.like(parseVolumeFlag('/a:/b:rshared,rw'), { propagation: 'rshared', readonly: false });
});

test('-v NAME:DST is a named volume (Mode z), -v DST a new anonymous one with a 64-hex name', (t) => {
  t.like(parseVolumeFlag('cache:/var/cache'), { type: 'volume', source: 'cache', target: '/var/cache', mode: 'z' });
  const anon = parseVolumeFlag('/data');
  t.is(anon.type, 'volume');
  t.true(anon.anonymous);
  t.regex(anon.source, /^[0-9a-f]{64}$/);
  t.like(parseVolumeFlag('v1:/x:nocopy'), { noCopy: true });
});

test('-v refusals are Docker\'s words', (t) => {
  const refuse = (raw: string, message: string): void => {
    t.throws(() => parseVolumeFlag(raw), { instanceOf: TsrunError, message }, raw);
  };
  refuse('./x:/t', 'create ./x: "./x" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path');
  refuse('/tmp:x', "invalid volume specification: '/tmp:x': invalid mount config for type \"bind\": invalid mount path: 'x' mount path must be absolute");
  refuse('/tmp:/', "invalid volume specification: '/tmp:/': invalid mount config for type \"bind\": invalid specification: destination can't be '/'");
  refuse('/data:ro', "invalid volume specification: '/data:ro'");
  refuse('/a:/b:c:d', "invalid volume specification: '/a:/b:c:d'");
  refuse(':/b', "invalid volume specification: ':/b'");
  refuse('/a:/b:rw,ro', 'invalid mode: rw,ro');
  refuse('/a:/b:bogus', 'invalid mode: bogus');
  refuse('x:/b', 'create x: volume name is too short, names should be at least two alphanumeric characters');
});

test('volume names follow the local driver\'s rule', (t) => {
  for (const ok of ['ab', 'my_vol.1', 'A-b']) t.notThrows(() => validateVolumeName(ok));
  for (const bad of ['_x', '.x', 'a/b', '..', 'a b']) t.throws(() => validateVolumeName(bad), { message: /includes invalid characters/ }, bad);
});

test('--mount reads Docker\'s keys, a volume by default', (t) => {
  t.like(parseMountFlag('type=bind,source=/srv,target=/data,readonly,bind-propagation=rslave'), {
    origin: 'mount', type: 'bind', source: '/srv', target: '/data', readonly: true, propagation: 'rslave', api: { Type: 'bind', Source: '/srv', Target: '/data', ReadOnly: true, BindOptions: { Propagation: 'rslave' } },
  });
  t.like(parseMountFlag('src=v1,dst=/x'), { type: 'volume', source: 'v1', target: '/x', mode: 'z' });
  t.like(parseMountFlag('type=bind,src=/a,dst=/b,ro=false'), { readonly: false });
  const tmpfs = parseMountFlag('type=tmpfs,target=/t,tmpfs-size=64m,tmpfs-mode=1770');
  t.deepEqual(tmpfs.tmpfs, { flags: 0x2 | 0x4 | 0x8, data: 'mode=1770,size=64m' });
  t.deepEqual(tmpfs.api, { Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 64 * 1024 * 1024, Mode: 0o1770 } });
});

test('--mount refusals are Docker\'s words', (t) => {
  const refuse = (raw: string, message: string): void => {
    t.throws(() => parseMountFlag(raw), { instanceOf: TsrunError, message }, raw);
  };
  refuse('type=bind,source=/a', 'invalid argument "type=bind,source=/a" for "--mount" flag: target is required');
  refuse('type=bind,src=/a,dst=/b,colour=red', `invalid argument "type=bind,src=/a,dst=/b,colour=red" for "--mount" flag: unexpected key 'colour' in 'colour=red'`);
  refuse('type=bind,src=/a,dst=/b,oops', `invalid argument "type=bind,src=/a,dst=/b,oops" for "--mount" flag: invalid field 'oops' must be a key=value pair`);
  refuse('type=bind,src=/a,dst=/b,readonly=maybe', 'invalid argument "type=bind,src=/a,dst=/b,readonly=maybe" for "--mount" flag: invalid value for readonly: maybe');
  refuse('type=volume,src=v1,dst=/b,bind-propagation=shared', `invalid argument "type=volume,src=v1,dst=/b,bind-propagation=shared" for "--mount" flag: cannot mix 'bind-*' options with mount type 'volume'`);
  refuse('type=bind,dst=/b', 'invalid mount config for type "bind": field Source must not be empty');
  refuse('type=bind,src=rel,dst=/b', "invalid mount config for type \"bind\": invalid mount path: 'rel' mount path must be absolute");
  refuse('type=bind,src=/a,dst=b', "invalid mount config for type \"bind\": invalid mount path: 'b' mount path must be absolute");
  refuse('type=bind,src=/a,dst=/b,bind-propagation=sideways', 'invalid mount config for type "bind": invalid propagation mode: sideways');
  refuse('type=tmpfs,src=/a,dst=/b', 'invalid mount config for type "tmpfs": field Source must not be specified');
  refuse('type=nfs,dst=/b', 'invalid mount config for type "nfs": mount type unknown');
  refuse('type=volume,dst=/b,readonly', 'invalid mount config for type "volume": must not set ReadOnly mode when using anonymous volumes');
});

test('--tmpfs takes Docker\'s noexec,nosuid,nodev and lets the options given override them', (t) => {
  t.like(parseTmpfsFlag('/run'), { type: 'tmpfs', target: '/run', tmpfs: { flags: 0x2 | 0x4 | 0x8, data: '' } });
  t.like(parseTmpfsFlag('/run:exec,size=1m,mode=700'), { tmpfs: { flags: 0x2 | 0x4, data: 'size=1m,mode=700' } });
  t.like(parseTmpfsFlag('/run:ro'), { readonly: true });
  t.throws(() => parseTmpfsFlag('/run:bogus'), { message: /^invalid tmpfs option \["bogus"\]/ });
  t.throws(() => parseTmpfsFlag('run'), { message: "invalid mount path: 'run' mount path must be absolute" });
});

test('one target twice is refused whichever flags name it; parents are mounted first', (t) => {
  t.throws(() => parseMounts({ volumes: ['/a:/x'], tmpfs: ['/x/'] }), { message: 'Duplicate mount point: /x' });
  t.throws(() => parseMounts({ volumes: ['/a:/x'], mounts: ['type=bind,src=/b,dst=/x'] }), { message: 'Duplicate mount point: /x' });
  t.deepEqual(mountOrder([{ target: '/a/b/c' }, { target: '/a' }, { target: '/a/b' }]).map((m) => m.target), ['/a', '/a/b', '/a/b/c']);
});
