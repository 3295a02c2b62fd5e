/**
 * Podman (Debian's 4.3, CNI backend) runs containers on a tsrun network through tsrun-cni:
 * they get what `tsrun run --net` would give, reach a tsrun container and each other, and
 * `podman rm` gives their addresses back to tsrun's IPAM.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { withLab } from '../helpers/lab';
import { runInBackground } from '../helpers/background';
import { Podman } from '../helpers/podman';
import { isRoot, type StateRoot } from '../helpers/tsrun';

test.beforeEach((t) => {
  if (!isRoot) t.fail('needs root: run the suite with sudo');
  if (spawnSync('podman', ['--version']).status !== 0) t.fail('needs podman (apt-get install podman runc; .ci/run installs them)');
});

const containers = (s: StateRoot): Record<string, Record<string, string>> => JSON.parse(s.run(['network', 'inspect', 'pub_net']).stdout)[0].Containers;

test('podman run --network pub_net: tsrun\'s MAC, address and routes; podman, podman and tsrun containers reach each other; podman rm releases', async (t) => {
  await withLab(['172.16.86.1/24'], async (s, lab) => {
    t.is(s.run(['network', 'create', '-d', 'macvlan', '--subnet=172.16.86.0/24', '--gateway=172.16.86.1', '-o', `parent=${lab.parent}`, 'pub_net']).code, 0);
    const podman = new Podman(s);
    try {
      podman.addNetwork('pub_net');
      podman.importAlpine();
      const show = podman.run(['run', '--rm', '--network', 'pub_net', 'alpine', 'sh', '-c', 'ip addr show eth0; echo ---; ip route']);
      t.is(show.code, 0, show.stderr);
      const [addr, route] = show.stdout.split('---\n');
      t.regex(addr!, /^\d+: eth0@if\d+: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue state UP qlen 1000\n    link\/ether 02:42:ac:10:56:02 brd ff:ff:ff:ff:ff:ff\n    inet 172\.16\.86\.2\/24 brd 172\.16\.86\.255 scope global eth0\n/);
      t.is(route, 'default via 172.16.86.1 dev eth0 \n172.16.86.0/24 dev eth0 scope link  src 172.16.86.2 \n', 'the routes tsrun run gives (network.test.ts)');
      t.deepEqual(containers(s), {}, 'podman run --rm released the address');

      const p1 = podman.run(['run', '-d', '--name', 'p1', '--network', 'pub_net', 'alpine', 'sleep', '300']);
      t.is(p1.code, 0, p1.stderr);
      const p2 = podman.run(['run', '-d', '--name', 'p2', '--network', 'pub_net', '--ip', '172.16.86.20', 'alpine', 'sleep', '300']);
      t.is(p2.code, 0, p2.stderr);
      const eps = Object.values(containers(s)).map((e) => `${e.Name} ${e.IPv4Address} ${e.MacAddress}`).sort();
      t.deepEqual(eps, ['p1 172.16.86.2/24 02:42:ac:10:56:02', 'p2 172.16.86.20/24 02:42:ac:10:56:14']);
      const c = await runInBackground(s, ['--net', 'pub_net']);
      try {
        const tsrunIp = Object.values(containers(s)).find((e) => !['p1', 'p2'].includes(e.Name!))!.IPv4Address!.split('/')[0]!;
        t.is(tsrunIp, '172.16.86.3', 'tsrun\'s IPAM skipped the addresses Podman\'s containers hold');
        for (const [from, to] of [['p1', '172.16.86.20'], ['p2', '172.16.86.2'], ['p1', tsrunIp]]) {
          const ping = podman.run(['exec', from!, 'ping', '-c1', '-W2', to!]);
          t.is(ping.code, 0, `${from} -> ${to}: ${ping.stdout}${ping.stderr}`);
        }
        const back = s.run(['run', '--rm', '--net', 'pub_net', 'alpine', 'sh', '-c', 'ping -c1 -W2 172.16.86.2 && ping -c1 -W2 172.16.86.20']);
        t.is(back.code, 0, back.stdout + back.stderr);
      } finally {
        t.is(await c.stop(), 0);
      }
      t.is(podman.run(['rm', '-f', '-t', '0', 'p1', 'p2']).code, 0);
      t.deepEqual(containers(s), {}, 'podman rm released both addresses');
      t.is(s.run(['network', 'rm', 'pub_net']).code, 0);
    } finally {
      podman.remove();
    }
  });
});
