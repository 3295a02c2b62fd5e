/**
 * The VM scenarios, written once for both drivers. Hosts: host1 and host2 run tsrun; router
 * plays the LAN's router (and switch-side observer). Every scenario asserts; each cleans up
 * what it made in the guests, even when it fails, so the next one starts clean.
 */
import type { Ctx } from './check';

export interface Scenario {
  name: string;
  run(c: Ctx): Promise<void>;
  /** Commands that undo the scenario in each host (errors ignored). */
  cleanup: Record<string, string>;
}

const TSRUN_CLEAN = 'T=$TSRUN; $T rm -f $($T ps -aq) >/dev/null 2>&1; $T network prune -f >/dev/null 2>&1; true';

/** ping from a new container on `net` in `host`; true if it got an answer. */
async function pingFrom(c: Ctx, host: string, net: string, target: string, extra = ''): Promise<boolean> {
  const r = await c.tsrunTry(host, `run --rm --net ${net} ${extra} alpine ping -c 2 -W 3 ${target}`);
  return r.code === 0;
}

/**
 * The LAN most scenarios start from: the router's NIC up with `routerAddresses` (IPv6 ones
 * without DAD), host1's and host2's NICs up, and `tsrun network create CREATE` on both.
 */
async function lan(c: Ctx, routerAddresses: string[], create: string): Promise<void> {
  const add = routerAddresses.map((a) => ` && ip addr add ${a} dev $NIC${a.includes(':') ? ' nodad' : ''}`).join('');
  await c.sh('router', `ip link set $NIC up${add}`);
  for (const h of ['host1', 'host2']) {
    await c.sh(h, 'ip link set $NIC up');
    await c.tsrun(h, `network create ${create}`);
  }
}

function mac(ip: string): string {
  return ['02', '42', ...ip.split('.').map((b) => Number(b).toString(16).padStart(2, '0'))].join(':');
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'macvlan bridge across hosts: containers reach each other and the router with their own 02:42 MACs',
    cleanup: { router: 'ip addr flush dev $NIC; ip neigh flush dev $NIC', host1: TSRUN_CLEAN, host2: TSRUN_CLEAN },
    async run(c) {
      await lan(c, ['10.10.0.1/24'], '-d macvlan --subnet=10.10.0.0/24 --gateway=10.10.0.1 -o parent=$NIC pub_net');
      await c.tsrun('host2', 'run -d --name c2 --net pub_net --ip 10.10.0.12 alpine sleep 600');
      const out = await c.tsrun('host1', "run --rm --net pub_net --ip 10.10.0.11 alpine sh -c 'ip addr show eth0; ping -c 2 -W 3 10.10.0.12 && echo PEER-OK; ping -c 2 -W 3 10.10.0.1 && echo ROUTER-OK'");
      c.match(out, new RegExp(`link/ether ${mac('10.10.0.11')} `), 'the container shows its 02:42 MAC');
      c.match(out, /inet 10\.10\.0\.11\/24 brd 10\.10\.0\.255 scope global eth0/, 'the container shows its address');
      c.match(out, /PEER-OK/, 'host1 container reaches host2 container');
      c.match(out, /ROUTER-OK/, 'host1 container reaches the router');
      const neigh = await c.sh('router', 'ip neigh show dev $NIC');
      c.match(neigh, new RegExp(`10\\.10\\.0\\.11 lladdr ${mac('10.10.0.11')}`), "the router saw host1 container's own MAC");
      c.is(await pingFrom(c, 'host2', 'pub_net', '10.10.0.1', '--ip 10.10.0.13'), true, 'host2 container reaches the router');
      const neigh2 = await c.sh('router', 'ip neigh show dev $NIC');
      c.match(neigh2, new RegExp(`10\\.10\\.0\\.13 lladdr ${mac('10.10.0.13')}`), "the router saw host2 container's own MAC");
    },
  },
  {
    name: '802.1Q: same VLAN across hosts, not across VLANs; tags on the wire; rm deletes only what tsrun made; a vanished parent comes back',
    cleanup: {
      router: 'pkill tcpdump; ip link del $NIC.10; ip link del $NIC.20; true',
      host1: `${TSRUN_CLEAN}; ip link del $NIC.30 2>/dev/null; true`,
      host2: TSRUN_CLEAN,
    },
    async run(c) {
      await c.sh('router', 'ip link set $NIC up && for v in 10 20; do ip link add link $NIC name $NIC.$v type vlan id $v && ip addr add 10.1$v.0.1/24 dev $NIC.$v && ip link set $NIC.$v up; done');
      for (const h of ['host1', 'host2']) {
        await c.sh(h, 'ip link set $NIC up');
        await c.tsrun(h, 'network create -d macvlan --subnet=10.110.0.0/24 --gateway=10.110.0.1 -o parent=$NIC.10 v10');
        await c.tsrun(h, 'network create -d macvlan --subnet=10.120.0.0/24 --gateway=10.120.0.1 -o parent=$NIC.20 v20');
      }
      c.match(await c.sh('host1', 'ip -d link show $NIC.10'), /vlan protocol 802\.1Q id 10 /, 'tsrun created the 802.1Q sub-interface');
      await c.tsrun('host2', 'run -d --name c10 --net v10 --ip 10.110.0.12 alpine sleep 600');
      await c.tsrun('host2', 'run -d --name c20 --net v20 --ip 10.120.0.12 alpine sleep 600');
      await c.sh('router', "(timeout 60 tcpdump -c 1 -e -nn -i $NIC 'vlan 10 and icmp' > /tmp/vlan10.cap 2>&1 &) ; sleep 2");
      c.is(await pingFrom(c, 'host1', 'v10', '10.110.0.12'), true, 'same VLAN across hosts');
      c.is(await pingFrom(c, 'host1', 'v10', '10.110.0.1'), true, 'the router on the same VLAN');
      c.is(await pingFrom(c, 'host1', 'v10', '10.120.0.12'), false, 'another VLAN is not reachable');
      await c.sh('router', 'for i in $(seq 50); do grep -q "vlan 10" /tmp/vlan10.cap && break; sleep 0.2; done; cat /tmp/vlan10.cap');
      c.match(await c.sh('router', 'cat /tmp/vlan10.cap'), /ethertype 802\.1Q \(0x8100\), length \d+: vlan 10, p 0, ethertype IPv4/, 'frames on the switch carry tag 10');
      // A sub-interface the user made is used and kept.
      await c.sh('host1', 'ip link add link $NIC name $NIC.30 type vlan id 30');
      await c.tsrun('host1', 'network create -d macvlan --subnet=10.130.0.0/24 -o parent=$NIC.30 v30');
      await c.tsrun('host1', 'network rm v30 v10');
      c.is((await c.try('host1', 'ip link show $NIC.30')).code, 0, "rm keeps the user's own sub-interface");
      c.is((await c.try('host1', 'ip link show $NIC.10')).code !== 0, true, 'rm deletes the sub-interface tsrun created');
      // A created parent that vanished (a reboot) is re-created when a container needs it.
      await c.tsrun('host2', 'rm -f c10');
      await c.sh('host2', 'ip link del $NIC.10');
      c.is(await pingFrom(c, 'host2', 'v10', '10.110.0.1'), true, 'the vanished sub-interface was re-created');
      c.match(await c.sh('host2', 'ip -d link show $NIC.10'), /vlan protocol 802\.1Q id 10 /, 'and it is an 802.1Q link again');
    },
  },
  {
    name: "ipvlan l2: the parent's MAC, peers across hosts and the router; a second network and macvlan on the parent are refused",
    cleanup: { router: 'ip addr flush dev $NIC', host1: TSRUN_CLEAN, host2: TSRUN_CLEAN },
    async run(c) {
      await lan(c, ['10.30.0.1/24'], '-d ipvlan --subnet=10.30.0.0/24 --gateway=10.30.0.1 -o parent=$NIC db_net');
      await c.tsrun('host1', 'run -d --name ipv1 --net db_net --ip 10.30.0.11 alpine sleep 600');
      await c.tsrun('host2', 'run -d --name ipv2 --net db_net --ip 10.30.0.12 alpine sleep 600');
      const nicMac = (await c.sh('host1', 'cat /sys/class/net/$NIC/address')).trim();
      const out = await c.tsrun('host1', "run --rm --net db_net alpine sh -c 'cat /sys/class/net/eth0/address; ping -c 2 -W 3 ipv1 >/dev/null && echo NAME-OK; ping -c 2 -W 3 10.30.0.12 >/dev/null && echo CROSS-OK; ping -c 2 -W 3 10.30.0.1 >/dev/null && echo ROUTER-OK'");
      c.is(out, `${nicMac}\nNAME-OK\nCROSS-OK\nROUTER-OK\n`, "the parent's MAC; a peer by name, one across the switch, the router");
      c.match((await c.tsrunTry('host1', 'network create -d ipvlan --subnet=10.31.0.0/24 -o parent=$NIC db2')).out, /network db_net is already using parent interface/, 'a second ipvlan network on the parent');
      c.match((await c.tsrunTry('host1', 'network create -d macvlan --subnet=10.32.0.0/24 -o parent=$NIC mv')).out, /macvlan and ipvlan cannot share a parent \(the kernel refuses\)/, 'macvlan on an ipvlan parent');
      c.match((await c.tsrunTry('host1', 'run --rm --net db_net --mac-address 02:42:00:00:00:01 alpine true')).out, /--mac-address is not supported on ipvlan networks/, '--mac-address on ipvlan');
    },
  },
  ...(['l3', 'l3s'] as const).map((mode) => ({
    name: `ipvlan ${mode}: two subnets on one parent reach each other with default dev eth0; gateways ignored`,
    cleanup: { host1: TSRUN_CLEAN },
    async run(c: Ctx) {
      await c.sh('host1', 'ip link set $NIC up');
      await c.tsrun('host1', `network create -d ipvlan -o ipvlan_mode=${mode} --subnet=192.168.214.0/24 --subnet=10.1.214.0/24 -o parent=$NIC ipnet`);
      await c.tsrun('host1', 'run -d --name l3a --net ipnet --ip 192.168.214.10 alpine sleep 600');
      const out = await c.tsrun('host1', "run --rm --net ipnet --ip 10.1.214.9 alpine sh -c 'ip route; ping -c 2 -W 3 192.168.214.10 >/dev/null && echo CROSS-SUBNET-OK'");
      c.is(out, 'default dev eth0 scope link \n10.1.214.0/24 dev eth0 scope link  src 10.1.214.9 \nCROSS-SUBNET-OK\n', `${mode} routes and reachability`);
    },
  })),
  {
    name: 'ipvlan flags private and vepa, macvlan modes private, vepa and passthru, as the kernel documents them',
    cleanup: { router: 'ip addr flush dev $NIC', host1: TSRUN_CLEAN },
    async run(c) {
      await c.sh('router', 'ip link set $NIC up && ip addr add 10.50.0.1/24 dev $NIC');
      await c.sh('host1', 'ip link set $NIC up');
      const cases = [
        ['ipvlan', '-o ipvlan_flag=private'],
        ['ipvlan', '-o ipvlan_flag=vepa'],
        ['macvlan', '-o macvlan_mode=private'],
        ['macvlan', '-o macvlan_mode=vepa'],
      ];
      for (const [driver, opt] of cases) {
        await c.tsrun('host1', `network create -d ${driver} ${opt} --subnet=10.50.0.0/24 --gateway=10.50.0.1 -o parent=$NIC isolated`);
        await c.tsrun('host1', 'run -d --name p1 --net isolated --ip 10.50.0.11 alpine sleep 600');
        // private: never to each other; vepa: only if the switch sends frames back out the port they came in (a Linux bridge does not).
        c.is(await pingFrom(c, 'host1', 'isolated', '10.50.0.11', '--ip 10.50.0.12'), false, `${driver} ${opt}: containers on one parent cannot reach each other`);
        c.is(await pingFrom(c, 'host1', 'isolated', '10.50.0.1', '--ip 10.50.0.13'), true, `${driver} ${opt}: the router is reachable`);
        await c.tsrun('host1', 'rm -f p1');
        await c.tsrun('host1', 'network rm isolated');
      }
      await c.tsrun('host1', 'network create -d macvlan -o macvlan_mode=passthru --subnet=10.50.0.0/24 --gateway=10.50.0.1 -o parent=$NIC pt');
      await c.tsrun('host1', 'run -d --name pt1 --net pt alpine sleep 600');
      const second = await c.tsrunTry('host1', 'run --rm --net pt alpine true');
      c.is(second.code, 125, 'a second passthru container is refused');
      c.match(second.out, /^tsrun: network pt is a passthru macvlan, which takes the whole parent \S+: container pt1 is already on it\n$/, 'with a clear error');
    },
  },
  {
    name: 'no parent and --internal: a dummy parent of its own; containers reach each other and nothing else',
    cleanup: { router: 'ip addr flush dev $NIC', host1: TSRUN_CLEAN },
    async run(c) {
      await c.sh('router', 'ip link set $NIC up && ip addr add 10.70.0.1/24 dev $NIC');
      for (const internal of ['', '--internal']) {
        const id = (await c.tsrun('host1', `network create -d macvlan --subnet=10.70.0.0/24 ${internal} iso`)).trim();
        c.match(await c.sh('host1', `ip -d link show dm-${id.slice(0, 12)}`), /dummy/, `${internal || 'no parent'}: the dummy parent exists`);
        await c.tsrun('host1', 'run -d --name iso1 --net iso alpine sleep 600');
        const out = await c.tsrun('host1', "run --rm --net iso alpine sh -c 'ping -c 1 -W 2 iso1 >/dev/null && echo PEER-OK; ping -c 1 -W 2 10.70.0.1 >/dev/null && echo ROUTER-REACHED; ip route | grep -c default; true'");
        c.is(out, `PEER-OK\n${internal ? 0 : 1}\n`, `${internal || 'no parent'}: peers yes, the LAN no`);
        await c.tsrun('host1', 'rm -f iso1');
        await c.tsrun('host1', 'network rm iso');
        c.is((await c.try('host1', `ip link show dm-${id.slice(0, 12)}`)).code !== 0, true, 'the dummy goes with the network');
      }
    },
  },
  {
    name: 'a container on a macvlan and an ipvlan network at once reaches both LANs; the default route follows libnetwork; disconnect takes one away',
    cleanup: { router: 'ip addr flush dev $NIC; ip link del $NIC.40; true', host1: `${TSRUN_CLEAN}; ip link del $NIC.40 2>/dev/null; true` },
    async run(c) {
      await c.sh('router', 'ip link set $NIC up && ip addr add 10.140.0.1/24 dev $NIC && ip link add link $NIC name $NIC.40 type vlan id 40 && ip addr add 10.141.0.1/24 dev $NIC.40 && ip link set $NIC.40 up');
      await c.sh('host1', 'ip link set $NIC up');
      // macvlan and ipvlan cannot share a parent: the ipvlan LAN is VLAN 40 of the same NIC.
      await c.tsrun('host1', 'network create -d macvlan --subnet=10.140.0.0/24 -o parent=$NIC mv_lan');
      await c.tsrun('host1', 'network create -d ipvlan --subnet=10.141.0.0/24 -o parent=$NIC.40 ipv_lan');
      await c.tsrun('host1', 'run -d --name both --net mv_lan --ip 10.140.0.20 alpine sleep 600');
      await c.tsrun('host1', 'network connect --ip 10.141.0.20 ipv_lan both');
      const nicMac = (await c.sh('host1', 'cat /sys/class/net/$NIC/address')).trim();
      const out = await c.tsrun('host1', "exec both sh -c 'cat /sys/class/net/eth0/address /sys/class/net/eth1/address; ip -o -4 addr show eth1; ip route show default; ping -c 2 -W 3 10.140.0.1 >/dev/null && echo MACVLAN-LAN-OK; ping -c 2 -W 3 10.141.0.1 >/dev/null && echo IPVLAN-LAN-OK'");
      c.match(out, new RegExp(`^${mac('10.140.0.20')}\n${nicMac}\n`), "eth0 has its own 02:42 MAC, eth1 the parent's (ipvlan)");
      c.match(out, /eth1 +inet 10\.141\.0\.20\/24 /, 'eth1 has the --ip address');
      // ipv_lan sorts before mv_lan: libnetwork makes it the gateway endpoint.
      c.match(out, /^default via 10\.141\.0\.1 dev eth1 *$/m, 'the default route moved to the network whose name sorts first');
      c.match(out, /MACVLAN-LAN-OK\nIPVLAN-LAN-OK\n$/, 'both LANs reached at once');
      await c.tsrun('host1', 'network disconnect ipv_lan both');
      // busybox's ip lists every route for `ip route show default`: grep keeps the default one.
      const after = await c.tsrun('host1', "exec both sh -c 'ip route | grep ^default; ip link show eth1 >/dev/null 2>&1 || echo NO-ETH1; ping -c 2 -W 3 10.140.0.1 >/dev/null && echo MACVLAN-LAN-OK'");
      c.match(after, /^default via 10\.140\.0\.1 dev eth0 *\nNO-ETH1\nMACVLAN-LAN-OK\n$/, 'eth1 gone, the default route back on eth0');
    },
  },
  {
    name: 'IPv6 dual stack across hosts: --ip6, the v6 default route, ping6 to a peer and the router',
    cleanup: { router: 'ip addr flush dev $NIC', host1: TSRUN_CLEAN, host2: TSRUN_CLEAN },
    async run(c) {
      await lan(c, ['10.86.0.1/24', '2001:db8:86::1/64'], '-d macvlan --ipv6 --subnet=10.86.0.0/24 --subnet=2001:db8:86::/64 --gateway=10.86.0.1 --gateway=2001:db8:86::1 -o parent=$NIC v6');
      await c.tsrun('host2', 'run -d --name six --net v6 --ip 10.86.0.12 --ip6 2001:db8:86::12 alpine sleep 600');
      const out = await c.tsrun('host1', "run --rm --net v6 --ip6 2001:db8:86::11 alpine sh -c 'ip -6 addr show eth0 scope global; ip -6 route show default; ping6 -c 2 -W 3 2001:db8:86::12 >/dev/null && echo PEER6-OK; ping6 -c 2 -W 3 2001:db8:86::1 >/dev/null && echo ROUTER6-OK'");
      c.match(out, /inet6 2001:db8:86::11\/64 scope global flags 02/, 'the --ip6 address, nodad');
      c.match(out, /default via 2001:db8:86::1 dev eth0/, 'the v6 default route');
      c.match(out, /PEER6-OK\nROUTER6-OK\n$/, 'a peer across the switch and the router over IPv6');
    },
  },
  {
    name: "the netlink library's and the networks' ipvlan, 802.1Q and dummy tests, the lab's 802.1Q test and the 802.1Q crash test (ava), pass for real",
    cleanup: {},
    async run(c) {
      const h = c.host('host1');
      // The lab's other tests need no kernel feature the CI machine lacks: they run there.
      const runs = [
        'dist/test/integration/netlink-kinds.test.js dist/test/integration/network-kinds.test.js',
        "dist/test/integration/lab.test.js --match '*lab down waits for its networks'",
        "dist/test/integration/network-crash.test.js --match '*802.1Q parent*'",
      ];
      for (const files of runs) {
        const r = await c.try('host1', `cd ${h.repo} && node node_modules/ava/entrypoints/cli.mjs --tap ${files} 2>&1`, 900_000);
        c.match(r.out, /^# fail 0$/m, `${files}: no test failed`);
        c.match(r.out, /^# pass [1-9]\d*$/m, `${files}: tests passed`);
        c.noMatch(r.out, /this kernel has no/, `${files}: every test ran its positive path (the kernel has the kinds)`);
        c.is(r.code, 0, `${files}: ava exit code`);
      }
    },
  },
  {
    name: 'cgroup v2: limits, the devices eBPF program and stats (ava) pass on a unified hierarchy',
    cleanup: {},
    async run(c) {
      const h = c.host('host1');
      // The CI machine has cgroup v1; the guests, like most current distributions, v2 only.
      const layout = await c.try('host1', 'stat -f -c %T /sys/fs/cgroup', 30_000);
      c.match(layout.out, /^cgroup2fs$/m, 'the guest has the unified hierarchy at /sys/fs/cgroup');
      // seccomp needs no cgroup: its tests run on the CI machine only.
      const files = 'dist/test/integration/limits.test.js dist/test/security/devices.test.js';
      // Each file imports an image of its own first (the probe is the one the ava stage compiled, in .cache): minutes under emulation.
      const r = await c.try('host1', `cd ${h.repo} && node node_modules/ava/entrypoints/cli.mjs --tap --timeout=20m ${files} 2>&1`, 1_800_000);
      c.match(r.out, /^# fail 0$/m, `${files}: no test failed`);
      c.match(r.out, /^# pass [1-9]\d*$/m, `${files}: tests passed`);
      c.is(r.code, 0, `${files}: ava exit code`);
    },
  },
];
