/**
 * tsrun-cni driven as a container runtime drives a CNI plugin: namespaces made with
 * `ip netns add`, the configuration piped in, CNI_* set. The sandbox must get what
 * `tsrun run --net` gives, addresses must come from and go back to tsrun's IPAM, and every
 * refusal must be the spec's error JSON with its code.
 */
import test, { type ExecutionContext } from 'ava';
import { withLab } from '../helpers/lab';
import { TestNetns } from '../helpers/netns';
import { runInBackground } from '../helpers/background';
import { cni, netConf } from '../helpers/cni';
import { isRoot, type StateRoot } from '../helpers/tsrun';

test.beforeEach((t) => {
  if (!isRoot) t.fail('needs root: run the suite with sudo');
});

function createPubNet(t: ExecutionContext, s: StateRoot, parent: string): void {
  const r = s.run(['network', 'create', '-d', 'macvlan', '--subnet=172.16.86.0/24', '--gateway=172.16.86.1', '-o', `parent=${parent}`, 'pub_net']);
  t.is(r.code, 0, r.stderr);
}

function containers(s: StateRoot, net: string): Record<string, Record<string, string>> {
  return JSON.parse(s.run(['network', 'inspect', net]).stdout)[0].Containers;
}

/** eth0's MAC and addresses and the routes, as `ip` prints them (the parts both sides must share). */
const view = (addr: string, route: string): string =>
  [...addr.split('\n').filter((l) => /link\/ether|inet /.test(l)).map((l) => l.trim().replace(/ link-netnsid \d+$/, '')), ...route.trim().split('\n').map((l) => l.replace(/ proto kernel/, '').replace(/\s+/g, ' ').trim())].join('\n');

test('ADD gives the sandbox what tsrun run --net gives; CHECK passes; inspect lists it; DEL twice succeeds', async (t) => {
  await withLab(['172.16.86.1/24'], (s, lab) => {
    createPubNet(t, s, lab.parent);
    const ns = new TestNetns('cni');
    try {
      const add = cni(s, { command: 'ADD', containerId: 'sandbox1', netns: ns.path }, netConf('pub_net'));
      t.is(add.code, 0, add.stdout + add.stderr);
      t.deepEqual(add.json, {
        cniVersion: '1.0.0',
        interfaces: [{ name: 'eth0', mac: '02:42:ac:10:56:02', sandbox: ns.path }],
        ips: [{ address: '172.16.86.2/24', gateway: '172.16.86.1', interface: 0 }],
        routes: [{ dst: '0.0.0.0/0', gw: '172.16.86.1' }],
        dns: {},
      });
      t.like(containers(s, 'pub_net').sandbox1, { Name: 'cni-sandbox1', MacAddress: '02:42:ac:10:56:02', IPv4Address: '172.16.86.2/24' });
      // tsrun's own container at the next address shows the same thing, one address on.
      const run = s.run(['run', '--rm', '--net', 'pub_net', 'alpine', 'sh', '-c', 'ip addr show eth0; echo ---; ip route']);
      t.is(run.code, 0, run.stderr);
      const [runAddr, runRoute] = run.stdout.split('---\n');
      const mine = view(ns.ip(['addr', 'show', 'eth0']).out, ns.ip(['route']).out);
      t.is(mine.replace(/:02 brd/, ':03 brd').replace(/172\.16\.86\.2\b/g, '172.16.86.3'), view(runAddr!, runRoute!));
      t.is(cni(s, { command: 'CHECK', containerId: 'sandbox1', netns: ns.path }, { ...netConf('pub_net'), prevResult: add.json }).code, 0);
      for (let i = 0; i < 2; i++) {
        const del = cni(s, { command: 'DEL', containerId: 'sandbox1', netns: ns.path }, netConf('pub_net'));
        t.is(del.code, 0, del.stdout);
        t.is(del.stdout, '');
      }
      t.deepEqual(containers(s, 'pub_net'), {});
      t.is(ns.ip(['link', 'show', 'eth0']).code, 1, 'the interface is gone');
      t.is(cni(s, { command: 'CHECK', containerId: 'sandbox1', netns: ns.path }, netConf('pub_net')).json.code, 3, 'CHECK after DEL: unknown container');
    } finally {
      ns.remove();
    }
  });
});

test('ADD with an address in use fails with the error JSON and leaves nothing; a free static IP and MAC are given', async (t) => {
  await withLab(['172.16.86.1/24'], (s, lab) => {
    createPubNet(t, s, lab.parent);
    const [a, b] = [new TestNetns('cni'), new TestNetns('cni')];
    try {
      const first = cni(s, { command: 'ADD', containerId: 'a', netns: a.path }, { ...netConf('pub_net'), explain: true, runtimeConfig: { ips: ['172.16.86.20/24'], mac: '02:00:00:00:00:20' } });
      t.is(first.code, 0, first.stdout);
      t.regex(first.stderr, new RegExp(`^\\+ ip -n ${a.name} addr add 172\\.16\\.86\\.20/24 brd \\+ dev eth0$`, 'm'), '"explain": true logs the iproute2 equivalents');
      t.like(first.json.interfaces[0], { mac: '02:00:00:00:00:20' });
      t.like(first.json.ips[0], { address: '172.16.86.20/24' });
      const taken = cni(s, { command: 'ADD', containerId: 'b', netns: b.path, args: 'IgnoreUnknown=1;IP=172.16.86.20' }, netConf('pub_net'));
      t.not(taken.code, 0);
      t.deepEqual(taken.json, { cniVersion: '1.0.0', code: 101, msg: 'Address already in use: 172.16.86.20' });
      t.is(b.ip(['link', 'show', 'eth0']).code, 1, 'no interface was left in the sandbox');
      t.deepEqual(Object.keys(containers(s, 'pub_net')), ['a']);
      const outside = cni(s, { command: 'ADD', containerId: 'b', netns: b.path, args: 'IP=10.9.9.9' }, netConf('pub_net'));
      t.like(outside.json, { code: 100, msg: "Invalid address 10.9.9.9: It does not belong to any of this network's subnets" });
      t.is(cni(s, { command: 'DEL', containerId: 'a', netns: a.path }, netConf('pub_net')).code, 0);
    } finally {
      a.remove();
      b.remove();
    }
  });
});

test('DEL after the namespace is gone (a reboot) releases the address; a namespace gone without DEL frees it too; DEL of what was never added succeeds', async (t) => {
  await withLab(['172.16.86.1/24'], (s, lab) => {
    createPubNet(t, s, lab.parent);
    const [ns, lost] = [new TestNetns('cni'), new TestNetns('cni')];
    const add = cni(s, { command: 'ADD', containerId: 'gone', netns: ns.path }, netConf('pub_net'));
    t.is(cni(s, { command: 'ADD', containerId: 'lost', netns: lost.path }, netConf('pub_net')).code, 0);
    ns.remove();
    t.is(add.code, 0, add.stdout);
    t.is(cni(s, { command: 'DEL', containerId: 'gone', netns: ns.path }, netConf('pub_net')).code, 0);
    // container prune reconciles (as run, rm and stop do): tsrun's own bookkeeping runs.
    t.is(s.run(['container', 'prune', '-f']).code, 0);
    t.deepEqual(Object.keys(containers(s, 'pub_net')), ['lost'], 'a live sandbox keeps its address through tsrun commands');
    lost.remove();
    t.is(s.run(['container', 'prune', '-f']).code, 0);
    t.deepEqual(containers(s, 'pub_net'), {}, 'the next tsrun command released the address of a namespace that vanished without DEL');
    t.is(cni(s, { command: 'DEL', containerId: 'never', netns: '' }, netConf('pub_net')).code, 0);
    t.is(cni(s, { command: 'DEL', containerId: 'never' }, netConf('no_such_net')).code, 0, 'DEL on a removed network');
  });
});

test('a tsrun container and a CNI sandbox on one network reach each other', async (t) => {
  await withLab(['172.16.86.1/24'], async (s, lab) => {
    createPubNet(t, s, lab.parent);
    const ns = new TestNetns('cni');
    try {
      t.is(cni(s, { command: 'ADD', containerId: 'peer', netns: ns.path, args: 'IP=172.16.86.40' }, netConf('pub_net')).code, 0);
      const c = await runInBackground(s, ['--net', 'pub_net', '--ip', '172.16.86.41']);
      try {
        const ping = ns.ip(['netns', 'exec', ns.name, 'ping', '-c1', '-W2', '172.16.86.41']);
        t.is(ping.code, 0, ping.out);
        const back = s.run(['run', '--rm', '--net', 'pub_net', 'alpine', 'ping', '-c1', '-W2', '172.16.86.40']);
        t.is(back.code, 0, back.stdout + back.stderr);
      } finally {
        t.is(await c.stop(), 0);
      }
      t.is(cni(s, { command: 'DEL', containerId: 'peer', netns: ns.path }, netConf('pub_net')).code, 0);
    } finally {
      ns.remove();
    }
  });
});

test('inline driver options make a tsrun network; prevResult is extended; TSRUN_EXPLAIN prints iproute2', async (t) => {
  await withLab(['10.7.0.1/24'], (s, lab) => {
    const ns = new TestNetns('cni');
    const conf = { cniVersion: '1.0.0', name: 'inline_net', type: 'tsrun-cni', driver: 'macvlan', parent: lab.parent, subnet: '10.7.0.0/24', ipRange: '10.7.0.64/26' };
    try {
      const prevResult = { cniVersion: '1.0.0', interfaces: [{ name: 'lo', sandbox: ns.path }], ips: [{ address: '127.0.0.1/8', interface: 0 }] };
      const add = cni(s, { command: 'ADD', containerId: 'inl', netns: ns.path, env: { TSRUN_EXPLAIN: '1' } }, { ...conf, prevResult });
      t.is(add.code, 0, add.stdout + add.stderr);
      t.deepEqual(add.json.interfaces, [{ name: 'lo', sandbox: ns.path }, { name: 'eth0', mac: '02:42:0a:07:00:40', sandbox: ns.path }]);
      t.deepEqual(add.json.ips, [{ address: '127.0.0.1/8', interface: 0 }, { address: '10.7.0.64/24', gateway: '10.7.0.1', interface: 1 }]);
      t.regex(add.stderr, new RegExp(`^\\+ ip link add link ${lab.parent} name tmp[0-9a-f]{8} netns ${ns.name} address 02:42:0a:07:00:40 type macvlan mode bridge$`, 'm'));
      t.regex(add.stderr, new RegExp(`^\\+ ip -n ${ns.name} route add default via 10\\.7\\.0\\.1 dev eth0$`, 'm'));
      const net = JSON.parse(s.run(['network', 'inspect', 'inline_net']).stdout)[0];
      t.like(net, { Driver: 'macvlan', Options: { parent: lab.parent }, Labels: { 'tsrun.cni.inline': '' } });
      t.deepEqual(net.IPAM.Config, [{ Subnet: '10.7.0.0/24', IPRange: '10.7.0.64/26', Gateway: '10.7.0.1' }]);
      const other = cni(s, { command: 'ADD', containerId: 'x', netns: ns.path, ifname: 'eth1' }, { ...conf, subnet: '10.8.0.0/24' });
      t.like(other.json, { code: 7, msg: 'tsrun network inline_net exists with subnets 10.7.0.0/24, not 10.8.0.0/24: make the configuration match it, or name it with "network": "inline_net" alone' });
      t.is(cni(s, { command: 'DEL', containerId: 'inl', netns: ns.path }, conf).code, 0);
    } finally {
      ns.remove();
    }
    t.is(s.run(['network', 'rm', 'inline_net']).code, 0);
  });
});

test('VERSION lists the versions; bad input gets the spec\'s codes', async (t) => {
  await withLab(['172.16.86.1/24'], (s, lab) => {
    createPubNet(t, s, lab.parent);
    const v = cni(s, { command: 'VERSION' }, { cniVersion: '1.0.0' });
    t.is(v.code, 0);
    t.deepEqual(v.json, { cniVersion: '1.0.0', supportedVersions: ['1.0.0', '1.1.0'] });
    const ns = new TestNetns('cni');
    try {
      const call = { command: 'ADD' as const, containerId: 'bad', netns: ns.path };
      const code = (c: Parameters<typeof cni>[1], conf: unknown): number => {
        const r = cni(s, c, conf);
        t.not(r.code, 0);
        t.is(typeof r.json.msg, 'string');
        return r.json.code;
      };
      t.is(code(call, { ...netConf('pub_net'), cniVersion: '0.3.1' }), 1);
      t.is(code({ ...call, args: 'FOO=1' }, netConf('pub_net')), 2);
      t.is(code({ ...call, netns: '/run/netns/tsrun-no-such-ns' }, netConf('pub_net')), 3);
      t.is(code({ ...call, env: { CNI_CONTAINERID: undefined } }, netConf('pub_net')), 4);
      t.is(code(call, '{"cniVersion": '), 6);
      t.is(code(call, netConf('no_such_net')), 7);
      t.is(code(call, { ...netConf('pub_net'), network: undefined }), 7);
      t.deepEqual(containers(s, 'pub_net'), {}, 'no refusal reserved an address');
      t.is(ns.ip(['link', 'show', 'eth0']).code, 1);
    } finally {
      ns.remove();
    }
  });
});

test('tsrun cni conflist prints a ready conflist; install writes a wrapper that runs the plugin', async (t) => {
  await withLab(['172.16.86.1/24'], (s, lab) => {
    createPubNet(t, s, lab.parent);
    const r = s.run(['cni', 'conflist', 'pub_net']);
    t.is(r.code, 0, r.stderr);
    t.deepEqual(JSON.parse(r.stdout), { cniVersion: '1.0.0', name: 'pub_net', plugins: [{ type: 'tsrun-cni', network: 'pub_net', capabilities: { ips: true, mac: true } }] });
    t.like(s.run(['cni', 'conflist', 'nope']), { code: 1, stderr: "tsrun: network nope not found (see 'tsrun network ls')\n" });
    const dir = `${s.dir}/cni-bin`;
    const inst = s.run(['cni', 'install', '--dir', dir]);
    t.is(inst.code, 0, inst.stderr);
    t.is(inst.stdout, `${dir}/tsrun-cni\n`);
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    const v = spawnSync(`${dir}/tsrun-cni`, [], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', CNI_COMMAND: 'VERSION' }, input: '{"cniVersion":"1.1.0"}', encoding: 'utf8' });
    t.is(v.stdout, '{"cniVersion":"1.1.0","supportedVersions":["1.0.0","1.1.0"]}\n');
  });
});
