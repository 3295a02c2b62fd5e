/**
 * `tsrun lab`, --explain and --host-access: the lab leaves the host as it found it; the
 * guides' walk-throughs run on it; explained operations replayed with iproute2 build the
 * same configuration; host access lets the host reach a container and goes with its network.
 */
import test, { type ExecutionContext } from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isRoot, withState } from '../helpers/tsrun';

test.beforeEach((t) => {
  if (!isRoot) t.fail('needs root: run the suite with sudo');
});

let counter = 0;
const labName = (): string => `t${process.pid % 10000}${counter++}`;

const SYSCTLS = [
  'net/ipv4/ip_forward',
  'net/ipv6/conf/all/forwarding',
  'net/ipv6/conf/all/disable_ipv6',
  'net/ipv6/conf/default/disable_ipv6',
  'net/ipv4/conf/all/rp_filter',
];

/**
 * What the lab must leave as it found it. Test files run concurrently, so what the others
 * make is left out: their one-machine LANs (tsl<n>, with VLAN links tsl<n>.<id>, and
 * tsrun-router-<n>), their throwaway namespaces (tsrun-t-<pid>-<n>), the dummy parents of
 * their parentless networks (dm-/di-<12 hex>; the lab tests make no such network), the crash
 * tests' labs (router tsrun-tsl<n>) and shims on tsl<n> parents, and the routes on those links.
 */
function hostState(): Record<string, unknown> {
  const ip = (args: string[]): unknown => JSON.parse(execFileSync('ip', ['-j', ...args], { encoding: 'utf8' }) || '[]');
  // The crash tests' labs (tsl<n>, router tsrun-tsl<n>) and the --host-access shims on tsl<n> parents.
  const otherShims = new Set((ip(['link', 'show']) as Array<{ ifname: string; link?: string }>).filter((l) => /^tsl\d+$/.test(l.link ?? '')).map((l) => l.ifname));
  const mine = (name: string): boolean =>
    !/^tsl\d+(\.\d+)?$/.test(name) && !/^d[mi]-[0-9a-f]{12}$/.test(name) && !/^tsrun-(router|t)-/.test(name) && !/^tsrun-tsl\d+$/.test(name) && !otherShims.has(name);
  const routes = (family: string): unknown[] => (ip([family, 'route', 'show']) as Array<{ dev?: string }>).filter((r) => r.dev === undefined || mine(r.dev));
  return {
    links: (ip(['link', 'show']) as Array<{ ifname: string; flags: string[]; mtu: number }>).filter((l) => mine(l.ifname)).map((l) => `${l.ifname} ${l.mtu} ${l.flags.join(',')}`).sort(),
    netns: execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0]!).filter((n) => n && mine(n)).sort(),
    routes4: routes('-4'),
    routes6: routes('-6'),
    sysctls: SYSCTLS.map((k) => `${k}=${readFileSync(`/proc/sys/${k}`, 'utf8').trim()}`),
  };
}

function ok(t: ExecutionContext, r: { code: number; stderr: string }): void {
  t.is(r.code, 0, r.stderr);
}

test.serial('lab up, then down, leaves links, namespaces, routes and sysctls exactly as before', async (t) => {
  await withState((s) => {
    const before = hostState();
    const name = labName();
    ok(t, s.run(['lab', 'up', '--name', name, '--subnet', '172.16.86.0/24', '--subnet', '2001:db8:abc8::/64', '--gateway', '2001:db8:abc8::10']));
    const status = s.run(['lab', 'status', '--name', name]).stdout;
    t.regex(status, new RegExp(`parent: +${name}0 `));
    t.regex(status, /subnet: +172\.16\.86\.0\/24 +gateway 172\.16\.86\.1\n/);
    t.regex(status, /subnet: +2001:db8:abc8::\/64 +gateway 2001:db8:abc8::10\n/);
    const router = JSON.parse(execFileSync('ip', ['-n', `tsrun-${name}`, '-j', 'addr', 'show', 'lan0'], { encoding: 'utf8' }))[0];
    t.deepEqual(router.addr_info.map((a: { local: string }) => a.local).filter((a: string) => !a.startsWith('fe80')), ['172.16.86.1', '2001:db8:abc8::10']);
    t.is(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim(), (before.sysctls as string[])[0]!.split('=')[1], 'forwarding is on in the router only');
    t.regex(s.run(['lab', 'up', '--name', name]).stderr, new RegExp(`^tsrun: lab ${name} is already up`));
    ok(t, s.run(['lab', 'down', '--name', name]));
    t.deepEqual(hostState(), before);
    t.regex(s.run(['lab', 'down', '--name', name]).stderr, new RegExp(`^tsrun: there is no lab ${name}`));
  });
});

test.serial('lab refuses bad input and leaves nothing; lab down waits for its networks', async (t) => {
  await withState((s) => {
    const before = hostState();
    t.is(s.run(['lab', 'up', '--name', 'Bad']).stderr, 'tsrun: invalid lab name "Bad": 1-9 lowercase letters and digits, starting with a letter\n');
    t.is(s.run(['lab', 'up', '--subnet', '10.0.0.0/8', '--subnet', '10.1.0.0/16', '--name', 'x']).stderr, 'tsrun: lab subnets 10.0.0.0/8 and 10.1.0.0/16 overlap\n');
    t.is(s.run(['lab', 'up', '--vlan', '10', '--name', 'x']).stderr, 'tsrun: invalid --vlan "10": use ID=CIDR, e.g. --vlan 10=192.168.10.0/24\n');
    t.is(s.run(['lab', 'up', '--vlan', '5000=10.5.0.0/24', '--name', 'x']).stderr, 'tsrun: invalid VLAN id 5000: use 1-4094\n');
    const name = labName();
    const vlan = s.run(['lab', 'up', '--name', name, '--vlan', '10=192.168.10.0/24']);
    if (vlan.code !== 0) {
      // This kernel has no 802.1Q: the lab is rolled back whole (the VM harness runs the positive case).
      t.log('this kernel has no vlan: asserted tsrun\'s error and the rollback (the positive path runs in the VM harness)');
      t.regex(vlan.stderr, /^tsrun: this kernel has no vlan support \(CONFIG_VLAN_8021Q\)/);
    } else {
      ok(t, s.run(['network', 'create', '-d', 'macvlan', '--subnet', '192.168.10.0/24', '-o', `parent=${name}0.10`, 'v10']));
      t.is(s.run(['run', '--rm', '--net', 'v10', 'alpine', 'sh', '-c', 'ping -c1 -W2 192.168.10.1 >/dev/null && echo tagged-ok']).stdout, 'tagged-ok\n');
      t.is(s.run(['lab', 'down', '--name', name]).stderr, `tsrun: networks still use lab ${name}: v10 (remove them first with 'tsrun network rm')\n`);
      ok(t, s.run(['network', 'rm', 'v10']));
      ok(t, s.run(['lab', 'down', '--name', name]));
    }
    t.deepEqual(hostState(), before);
  });
});

test.serial("the guides' walk-through on the lab: containers reach each other and the router, and the router routes between subnets", async (t) => {
  await withState(async (s) => {
    const name = labName();
    ok(t, s.run(['lab', 'up', '--name', name, '--subnet', '172.16.86.0/24', '--subnet', '10.1.10.0/24']));
    ok(t, s.run(['network', 'create', '-d', 'macvlan', '--subnet=172.16.86.0/24', '--subnet=10.1.10.0/24', '--gateway=172.16.86.1', '--gateway=10.1.10.1', '-o', `parent=${name}0`, 'pub_net']));
    ok(t, s.run(['run', '-d', '--name', 'alpine1', '--net=pub_net', '--ip=172.16.86.10', 'alpine', 'sleep', '300']));
    ok(t, s.run(['run', '-d', '--name', 'alpine2', '--net=pub_net', '--ip=10.1.10.20', 'alpine', 'sleep', '300']));
    const r = s.run(['exec', 'alpine1', 'sh', '-c', 'ping -c1 -W2 172.16.86.1 | grep -o "ttl=[0-9]*"; ping -c1 -W2 alpine2 | grep -o "ttl=[0-9]*"']);
    t.is(r.stdout, 'ttl=64\nttl=63\n', 'the router answers directly; the other subnet is one routed hop away');
  });
});

test.serial('two run -d --explain at once, through one supervisor: each launcher prints the operations of its own container only', async (t) => {
  await withState(async (s) => {
    const name = labName();
    ok(t, s.run(['lab', 'up', '--name', name]));
    ok(t, s.run(['network', 'create', '-d', 'macvlan', '--subnet=172.16.86.0/24', '-o', `parent=${name}0`, 'pub_net']));
    ok(t, s.run(['run', '-d', '--name', 'first', 'alpine', 'sleep', '300']));
    const [a, b] = await Promise.all(['11', '12'].map((n) => s.runAsync(['--explain', 'run', '-d', '--name', `c${n}`, '--net', 'pub_net', '--ip', `172.16.86.${n}`, 'alpine', 'sleep', '300'])));
    t.is(a!.code, 0, a!.stderr);
    t.is(b!.code, 0, b!.stderr);
    t.is(s.supervisors().length, 1, 'one supervisor served both');
    t.regex(a!.stderr, /ip addr add 172\.16\.86\.11\/24 /);
    t.notRegex(a!.stderr, /172\.16\.86\.12/);
    t.regex(b!.stderr, /ip addr add 172\.16\.86\.12\/24 /);
    t.notRegex(b!.stderr, /172\.16\.86\.11/);
  });
});

test.serial('--explain lists the operations of a macvlan run in order; replayed with iproute2 they build the same configuration', async (t) => {
  await withState((s) => {
    const name = labName();
    ok(t, s.run(['lab', 'up', '--name', name]));
    ok(t, s.run(['network', 'create', '-d', 'macvlan', '--subnet=172.16.86.0/24', '-o', `parent=${name}0`, 'pub_net']));
    const run = s.run(['--explain', 'run', '-d', '--name', 'ex', '--net', 'pub_net', '--ip', '172.16.86.10', 'alpine', 'sleep', '300']);
    ok(t, run);
    const ops = run.stderr.split('\n').filter((l) => l.startsWith('+ ')).map((l) => l.slice(2));
    const pid = JSON.parse(s.run(['inspect', 'ex']).stdout)[0].State.Pid as number;
    const p = `nsenter -t ${pid} -n`;
    t.deepEqual(
      ops.map((o) => o.replace(/tmp[0-9a-f]{8}/g, 'TMP')),
      [
        `${p} sysctl -w net.ipv6.conf.all.disable_ipv6=1`,
        `${p} sysctl -w net.ipv6.conf.default.disable_ipv6=1`,
        `${p} sysctl -w net.ipv6.conf.lo.disable_ipv6=1`,
        `${p} ip link set dev lo up`,
        `ip link add link ${name}0 name TMP netns ${pid} address 02:42:ac:10:56:0a type macvlan mode bridge`,
        `${p} ip link set dev TMP name eth0`,
        `${p} ip addr add 172.16.86.10/24 brd + dev eth0`,
        `${p} ip link set dev eth0 up`,
        `${p} ip route add default via 172.16.86.1 dev eth0`,
      ],
    );
    const view = (prefix: string[]): unknown => {
      const ipj = (args: string[]): any => JSON.parse(execFileSync(prefix[0]!, [...prefix.slice(1), 'ip', '-j', '-d', ...args], { encoding: 'utf8' }));
      const eth0 = ipj(['link', 'show', 'eth0'])[0];
      const lo = ipj(['link', 'show', 'lo'])[0];
      return {
        eth0: { kind: eth0.linkinfo.info_kind, mode: eth0.linkinfo.info_data.mode, mac: eth0.address, mtu: eth0.mtu, flags: eth0.flags },
        lo: lo.flags,
        addrs: ipj(['addr', 'show']).flatMap((l: any) => l.addr_info.map((a: any) => `${l.ifname} ${a.local}/${a.prefixlen} ${a.broadcast ?? ''}`)),
        routes: ipj(['route', 'show']).map((r: any) => `${r.dst} ${r.gateway ?? ''} ${r.dev} ${r.scope ?? ''}`),
        disableIpv6: execFileSync(prefix[0]!, [...prefix.slice(1), 'sysctl', '-n', 'net.ipv6.conf.default.disable_ipv6'], { encoding: 'utf8' }).trim(),
      };
    };
    const container = view(['nsenter', '-t', String(pid), '-n']);
    // The container goes first: a second macvlan with the same MAC on one parent is refused.
    ok(t, s.run(['rm', '-f', 'ex']));
    const replay = `tsrun-replay-${process.pid}`;
    execFileSync('ip', ['netns', 'add', replay]);
    try {
      for (const op of ops) {
        const cmd = op.replace(new RegExp(`^nsenter -t ${pid} -n ip `), `ip -n ${replay} `).replace(new RegExp(`^nsenter -t ${pid} -n `), `ip netns exec ${replay} `).replace(` netns ${pid} `, ` netns ${replay} `);
        const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
        t.is(r.status, 0, `${cmd}: ${r.stderr}`);
      }
      t.deepEqual(view(['ip', 'netns', 'exec', replay]), container);
    } finally {
      spawnSync('ip', ['netns', 'del', replay]);
    }
  });
});

test.serial('--host-access: the host reaches a container through the shim, which goes with the network', async (t) => {
  await withState((s) => {
    const name = labName();
    ok(t, s.run(['lab', 'up', '--name', name]));
    const before = hostState();
    const created = s.run(['--explain', 'network', 'create', '-d', 'macvlan', '--subnet=172.16.86.0/24', '--ip-range=172.16.86.192/27', '-o', `parent=${name}0`, '--host-access', 'pub_net']);
    ok(t, created);
    const id = created.stdout.trim();
    const shim = `sh-${id.slice(0, 12)}`;
    t.deepEqual(created.stderr.split('\n').filter(Boolean), [
      `+ ip link add link ${name}0 name ${shim} type macvlan mode bridge`,
      `+ ip addr add 172.16.86.192/32 dev ${shim}`,
      `+ ip link set dev ${shim} up`,
      `+ ip route add 172.16.86.192/27 dev ${shim}`,
    ]);
    t.deepEqual(JSON.parse(s.run(['network', 'inspect', 'pub_net']).stdout)[0].IPAM.Config[0].AuxiliaryAddresses, { 'host-access': '172.16.86.192' });
    ok(t, s.run(['run', '-d', '--name', 'web', '--net', 'pub_net', 'alpine', 'sleep', '300']));
    t.is(JSON.parse(s.run(['inspect', 'web']).stdout)[0].NetworkSettings.Networks.pub_net.IPAddress, '172.16.86.193', 'the shim\'s address is never given to a container');
    const ping = spawnSync('ping', ['-c', '1', '-W', '2', '172.16.86.193'], { encoding: 'utf8' });
    t.is(ping.status, 0, ping.stdout + ping.stderr);
    ok(t, s.run(['rm', '-f', 'web']));
    ok(t, s.run(['network', 'rm', 'pub_net']));
    t.deepEqual(hostState(), before, 'shim link and route are gone');
  });
});
