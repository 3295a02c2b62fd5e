/**
 * ipvlan networks, 802.1Q parents and dummy parents. The CI machine's kernel lacks ipvlan,
 * 802.1Q and dummy: there each test asserts tsrun's one-line error and that nothing was
 * left behind. The VM harness (test/vm) runs this same file in guests whose kernel has
 * them, where the scenarios run for real.
 */
import test, { type ExecutionContext } from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { isRoot, StateRoot } from '../helpers/tsrun';
import { hostLinks, withLab, type Lab } from '../helpers/lab';
import { runInBackground } from '../helpers/background';

test.beforeEach((t) => {
  if (!isRoot) t.fail('needs root: run the suite with sudo');
});

const CONFIG = { ipvlan: 'CONFIG_IPVLAN', vlan: 'CONFIG_VLAN_8021Q', dummy: 'CONFIG_DUMMY' } as const;

/**
 * `network create ARGS`; on a kernel without `kind`, asserts the error, that iproute2 agrees
 * the kind is missing, and that no network or link was left; returns whether it was created.
 */
function createOrAssertMissing(t: ExecutionContext, s: StateRoot, lab: Lab, kind: keyof typeof CONFIG, args: string[]): boolean {
  const links = hostLinks(lab);
  const r = s.run(['network', 'create', ...args]);
  if (r.code === 0) return true;
  t.log(`this kernel has no ${kind}: asserted tsrun's error (the scenario runs in the VM harness)`);
  t.is(r.code, 1);
  t.regex(r.stderr, new RegExp(`^tsrun: this kernel has no ${kind} support \\(${CONFIG[kind]}\\): .*Unknown device type\\n$`));
  const onParent = kind === 'dummy' ? [] : ['link', lab.parent];
  const probe = spawnSync('ip', ['link', 'add', ...onParent, 'name', 'tsrun-probe', 'type', kind, ...(kind === 'vlan' ? ['id', '5'] : [])], { encoding: 'utf8' });
  t.regex(probe.stderr, /Unknown device type/, 'iproute2 must agree that the kernel lacks it');
  t.deepEqual(hostLinks(lab), links, 'no link left behind');
  t.is(s.run(['network', 'ls', '-q']).stdout.split('\n').filter(Boolean).length, 2, 'only host and none');
  return false;
}

test('ipvlan l2: containers carry the parent\'s MAC and reach each other and the router', async (t) => {
  await withLab(['192.168.1.1/24'], async (s, lab) => {
    if (!createOrAssertMissing(t, s, lab, 'ipvlan', ['-d', 'ipvlan', '--subnet=192.168.1.0/24', '--gateway=192.168.1.1', '-o', `parent=${lab.parent}`, 'db_net'])) return;
    const parentMac = execFileSync('cat', [`/sys/class/net/${lab.parent}/address`], { encoding: 'utf8' }).trim();
    const ipv1 = await runInBackground(s, ['--name', 'ipv1', '--net', 'db_net']);
    try {
      const r = s.run(['run', '--rm', '--net', 'db_net', 'alpine', 'sh', '-c', 'cat /sys/class/net/eth0/address; ip route; ping -c1 -W2 ipv1 >/dev/null && echo peer-ok; ping -c1 -W2 192.168.1.1 >/dev/null && echo router-ok']);
      t.is(r.stdout, `${parentMac}\ndefault via 192.168.1.1 dev eth0 \n192.168.1.0/24 dev eth0 scope link  src 192.168.1.3 \npeer-ok\nrouter-ok\n`);
      const mac = s.run(['run', '--rm', '--net', 'db_net', '--mac-address', '02:42:00:00:00:01', 'alpine', 'true']);
      t.is(mac.stderr, `tsrun: --mac-address is not supported on ipvlan networks: ipvlan ports share the parent's MAC (${lab.parent})\n`);
      const second = s.run(['network', 'create', '-d', 'ipvlan', '--subnet=192.168.2.0/24', '-o', `parent=${lab.parent}`, 'db_net2']);
      t.is(second.stderr, `tsrun: network db_net is already using parent interface ${lab.parent}\n`);
      const mixed = s.run(['network', 'create', '-d', 'macvlan', '--subnet=192.168.3.0/24', '-o', `parent=${lab.parent}`, 'mv_net']);
      t.regex(mixed.stderr, /^tsrun: network db_net uses .* as a ipvlan parent: macvlan and ipvlan cannot share a parent \(the kernel refuses\)/);
    } finally {
      await ipv1.stop();
    }
  });
});

test('ipvlan l3: two subnets on one parent reach each other with default dev eth0; gateways are ignored', async (t) => {
  await withLab([], async (s, lab) => {
    if (!createOrAssertMissing(t, s, lab, 'ipvlan', ['-d', 'ipvlan', '--subnet=192.168.214.0/24', '--subnet=10.1.214.0/24', '-o', 'ipvlan_mode=l3', '-o', `parent=${lab.parent}`, 'ipnet210'])) return;
    const a = await runInBackground(s, ['--name', 'l3a', '--net', 'ipnet210', '--ip', '192.168.214.10']);
    try {
      const r = s.run(['run', '--rm', '--net', 'ipnet210', '--ip', '10.1.214.9', 'alpine', 'sh', '-c', 'ip route; ping -c1 -W2 192.168.214.10 >/dev/null && echo cross-subnet-ok']);
      t.is(r.stdout, 'default dev eth0 scope link \n10.1.214.0/24 dev eth0 scope link  src 10.1.214.9 \ncross-subnet-ok\n');
    } finally {
      await a.stop();
    }
  });
});

test('802.1Q parent: eth.10 is created, used, deleted by rm; a user\'s own sub-interface is kept; a vanished one is re-created', async (t) => {
  await withLab([], async (s, lab) => {
    const vlanParent = `${lab.parent}.10`;
    if (!createOrAssertMissing(t, s, lab, 'vlan', ['-d', 'macvlan', '--subnet=192.168.10.0/24', '-o', `parent=${vlanParent}`, 'vlan10'])) return;
    const info = JSON.parse(execFileSync('ip', ['-d', '-j', 'link', 'show', vlanParent], { encoding: 'utf8' }))[0];
    t.is(info.linkinfo.info_kind, 'vlan');
    t.is(info.linkinfo.info_data.id, 10);
    t.true(info.flags.includes('UP'));
    lab.inRouter(['link', 'add', 'link', 'lan0', 'name', 'lan0.10', 'type', 'vlan', 'id', '10']);
    lab.inRouter(['addr', 'add', '192.168.10.1/24', 'dev', 'lan0.10']);
    lab.inRouter(['link', 'set', 'lan0.10', 'up']);
    t.is(s.run(['run', '--rm', '--net', 'vlan10', 'alpine', 'sh', '-c', 'ping -c1 -W2 192.168.10.1 >/dev/null && echo tagged-ok']).stdout, 'tagged-ok\n');
    execFileSync('ip', ['link', 'del', vlanParent]);
    t.is(s.run(['run', '--rm', '--net', 'vlan10', 'alpine', 'sh', '-c', 'ping -c1 -W2 192.168.10.1 >/dev/null && echo recreated-ok']).stdout, 'recreated-ok\n');
    t.is(s.run(['network', 'rm', 'vlan10']).code, 0);
    t.false(hostLinks(lab).includes(vlanParent), 'rm deletes the sub-interface tsrun created');
    execFileSync('ip', ['link', 'add', 'link', lab.parent, 'name', `${lab.parent}.20`, 'type', 'vlan', 'id', '20']);
    create(t, s, ['-d', 'macvlan', '--subnet=192.168.20.0/24', '-o', `parent=${lab.parent}.20`, 'vlan20']);
    t.is(s.run(['network', 'rm', 'vlan20']).code, 0);
    t.true(hostLinks(lab).includes(`${lab.parent}.20`), 'rm keeps a sub-interface the user made');
  });
});

function create(t: ExecutionContext, s: StateRoot, args: string[]): void {
  const r = s.run(['network', 'create', ...args]);
  t.is(r.code, 0, r.stderr);
}

for (const internal of [false, true]) {
  test(`no parent${internal ? ' and --internal' : ''}: a dummy parent of the network's own, removed with it`, async (t) => {
    await withLab([], async (s, lab) => {
      const args = ['-d', 'macvlan', '--subnet=10.77.0.0/24', ...(internal ? ['--internal'] : []), 'isolated'];
      if (!createOrAssertMissing(t, s, lab, 'dummy', args)) return;
      const id = JSON.parse(s.run(['network', 'inspect', 'isolated']).stdout)[0].Id as string;
      const dummy = `dm-${id.slice(0, 12)}`;
      t.true(hostLinks(lab).includes(dummy));
      const a = await runInBackground(s, ['--name', 'iso1', '--net', 'isolated']);
      try {
        const r = s.run(['run', '--rm', '--net', 'isolated', 'alpine', 'sh', '-c', 'ping -c1 -W2 iso1 >/dev/null && echo peer-ok; ip route | grep -c default']);
        t.is(r.stdout, `peer-ok\n${internal ? 0 : 1}\n`);
      } finally {
        await a.stop();
      }
      t.is(s.run(['network', 'rm', 'isolated']).code, 0);
      t.false(hostLinks(lab).includes(dummy));
    });
  });
}
