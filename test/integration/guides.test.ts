/**
 * Docker's "Networking using a macvlan network" tutorial, typed as the guide types it with
 * `docker` replaced by `tsrun` (through sh, backslash continuations and all) and `eth0`
 * replaced by the lab's link; each output checked, field by field, against what the guide
 * prints. docs/docker-compat.md ("The guides, command by command") lists every command of
 * this tutorial and of the IPvlan guide with the test that types it; the ipvlan and 802.1Q
 * ones run in the VM scenario "Docker's guides, typed" (test/vm/scenarios.ts).
 *
 *   Bridge example (1-5), 802.1Q trunked bridge example (1-5):
 *     $ tsrun network create -d macvlan --subnet=172.16.86.0/24 --gateway=172.16.86.1 -o parent=eth0 my-macvlan-net
 *     $ tsrun network ls
 *     $ tsrun network inspect my-macvlan-net
 *     $ tsrun run --rm -dit --network my-macvlan-net --name my-macvlan-alpine alpine:latest ash
 *     $ tsrun container inspect my-macvlan-alpine
 *     $ tsrun exec my-macvlan-alpine ip addr show eth0
 *     $ tsrun exec my-macvlan-alpine ip route
 *     $ tsrun container stop my-macvlan-alpine
 *     $ tsrun network rm my-macvlan-net
 *   and the trunk's same steps with -o parent=eth0.10, my-8021q-macvlan-net,
 *   `run --rm -itd` and my-second-macvlan-alpine; then the cleanup the issue names:
 *     $ tsrun rm -f $(tsrun ps -qa)
 */
import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, isRoot, withState, type Result, type StateRoot } from '../helpers/tsrun';
import { hostLinks, Lab, withLab } from '../helpers/lab';

test.beforeEach((t) => {
  if (!isRoot) t.fail('needs root: run the suite with sudo');
});

/** A directory holding `tsrun`, put first on PATH so the guide's lines run as typed. */
let bin = '';
test.before(() => {
  bin = mkdtempSync(join(tmpdir(), 'tsrun-guides-bin-'));
  symlinkSync(BIN, join(bin, 'tsrun'));
});
test.after.always(() => rmSync(bin, { recursive: true, force: true }));

/** Types one guide command (a shell line, `\` continuations allowed) as a user's shell runs it. */
function typed(s: StateRoot, line: string): Result {
  const r = spawnSync('sh', ['-c', line], { env: s.env({ PATH: `${bin}:${process.env.PATH}` }), encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
}

function ok(t: ExecutionContext, r: Result, what: string): string {
  t.is(r.code, 0, `${what}: ${r.stderr}`);
  return r.stdout;
}

interface Example {
  parent: string;
  net: string;
  name: string;
  /** The guide writes `-dit` in the bridge example and `-itd` in the trunk one. */
  flags: string;
}

/** Steps 1-5 of one of the tutorial's examples, with the outputs the guide shows. */
async function tutorial(t: ExecutionContext, s: StateRoot, lab: Lab, ex: Example): Promise<void> {
  // 1. Create the network; network ls and network inspect show it is a macvlan network.
  const id = ok(t, typed(s, `tsrun network create -d macvlan \\
  --subnet=172.16.86.0/24 \\
  --gateway=172.16.86.1 \\
  -o parent=${ex.parent} \\
  ${ex.net}`), 'network create');
  t.regex(id, /^[0-9a-f]{64}\n$/, 'network create prints the network id');
  const ls = ok(t, typed(s, 'tsrun network ls'), 'network ls').split('\n');
  t.regex(ls[0]!, /^NETWORK ID {5}NAME {2,}DRIVER {4}SCOPE$/);
  t.true(ls.some((l) => new RegExp(`^${id.slice(0, 12)} {3}${ex.net} {3}macvlan {3}local$`).test(l)), `a row for ${ex.net}:\n${ls.join('\n')}`);
  const [net] = JSON.parse(ok(t, typed(s, `tsrun network inspect ${ex.net}`), 'network inspect'));
  t.like(net, {
    Name: ex.net,
    Id: id.trim(),
    Scope: 'local',
    Driver: 'macvlan',
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: {} },
    Internal: false,
    Containers: {},
    Options: { parent: ex.parent },
  });
  t.deepEqual(net.IPAM.Config, [{ Subnet: '172.16.86.0/24', Gateway: '172.16.86.1' }]);

  // 2. Start an alpine container on it, in the background with a terminal (-dit), removed when stopped.
  const cid = ok(t, typed(s, `tsrun run --rm ${ex.flags} \\
  --network ${ex.net} \\
  --name ${ex.name} \\
  alpine:latest \\
  ash`), 'run').trim();
  t.regex(cid, /^[0-9a-f]{64}$/, 'run -d prints the container id');
  // -t: ash, PID 1, holds a terminal of its own and stays up at its prompt.
  t.is(ok(t, s.run(['exec', ex.name, 'readlink', '/proc/1/fd/0']), 'readlink'), '/dev/pts/0\n');

  // 3. container inspect: the Networks key, field by field and in the guide's order.
  const [c] = JSON.parse(ok(t, typed(s, `tsrun container inspect ${ex.name}`), 'container inspect'));
  const ep = c.NetworkSettings.Networks[ex.net];
  t.deepEqual(Object.keys(ep), ['IPAMConfig', 'Links', 'Aliases', 'NetworkID', 'EndpointID', 'Gateway', 'IPAddress', 'IPPrefixLen', 'IPv6Gateway', 'GlobalIPv6Address', 'GlobalIPv6PrefixLen', 'MacAddress', 'DriverOpts']);
  t.regex(ep.EndpointID, /^[0-9a-f]{64}$/);
  t.deepEqual({ ...ep, EndpointID: 'E' }, {
    IPAMConfig: null,
    Links: null,
    Aliases: [cid.slice(0, 12)],
    NetworkID: id.trim(),
    EndpointID: 'E',
    Gateway: '172.16.86.1',
    IPAddress: '172.16.86.2',
    IPPrefixLen: 24,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    MacAddress: '02:42:ac:10:56:02',
    DriverOpts: null,
  });

  // 4. How the container sees its own interfaces (the guide's `9: eth0@tunl0:` index and peer name are its machine's).
  const addr = ok(t, typed(s, `tsrun exec ${ex.name} ip addr show eth0`), 'exec ip addr').split('\n');
  t.regex(addr[0]!, /^\d+: eth0@\S+: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue state UP\b/);
  t.deepEqual(addr.slice(1).map((l) => l.trim()), [
    'link/ether 02:42:ac:10:56:02 brd ff:ff:ff:ff:ff:ff',
    'inet 172.16.86.2/24 brd 172.16.86.255 scope global eth0',
    'valid_lft forever preferred_lft forever',
    '',
  ]);
  t.deepEqual(ok(t, typed(s, `tsrun exec ${ex.name} ip route`), 'exec ip route').split('\n').map((l) => l.trimEnd()), [
    'default via 172.16.86.1 dev eth0',
    '172.16.86.0/24 dev eth0 scope link  src 172.16.86.2',
    '',
  ]);
  // The LAN sees the container with that MAC (the router's neighbour table).
  ok(t, s.run(['exec', ex.name, 'ping', '-c', '1', '-W', '2', '172.16.86.1']), 'ping the gateway');
  t.is(lab.neighbours().get('172.16.86.2'), '02:42:ac:10:56:02');

  // 5. Stop it (--rm removes it: interactive ash ignores SIGTERM, so after the 10 s grace, as in Docker), remove the network.
  t.is(ok(t, typed(s, `tsrun container stop ${ex.name}`), 'container stop'), `${ex.name}\n`);
  t.is(await eventually(() => typed(s, 'tsrun ps -aq').stdout), '', '--rm removed the container');
  t.is(ok(t, typed(s, `tsrun network rm ${ex.net}`), 'network rm'), `${ex.net}\n`);
  t.false(ok(t, typed(s, 'tsrun network ls'), 'network ls').includes(ex.net));
}

/** fn's result once it is empty, polling for up to 20 s (a --rm container goes just after stop returns). */
async function eventually(fn: () => string): Promise<string> {
  let out = fn();
  for (let i = 0; i < 200 && out !== ''; i++) {
    await new Promise((r) => setTimeout(r, 100));
    out = fn();
  }
  return out;
}

test.serial("macvlan tutorial, bridge example: every command as the guide types it, with the guide's outputs", async (t) => {
  await withLab(['172.16.86.1/24'], async (s, lab) => {
    const before = hostLinks(lab);
    await tutorial(t, s, lab, { parent: lab.parent, net: 'my-macvlan-net', name: 'my-macvlan-alpine', flags: '-dit' });
    t.deepEqual(hostLinks(lab), before, 'nothing left on the host');
  });
});

test.serial('macvlan tutorial, 802.1Q trunked bridge example: as typed where the kernel has 802.1Q; one clear line and nothing made where not', async (t) => {
  // The trunk's gateway sits on VLAN 10 of the router's end, made below once the kernel is known to have 802.1Q.
  await withLab([], async (s, lab) => {
    const before = hostLinks(lab);
    const vlan = spawnSync('ip', ['-n', lab.router, 'link', 'add', 'link', 'lan0', 'name', 'lan0.10', 'type', 'vlan', 'id', '10'], { encoding: 'utf8' });
    if (vlan.status !== 0) {
      t.log('this kernel has no 802.1Q: asserted the error (the VM scenario "Docker\'s guides, typed" runs the example)');
      const r = typed(s, `tsrun network create -d macvlan \\
  --subnet=172.16.86.0/24 \\
  --gateway=172.16.86.1 \\
  -o parent=${lab.parent}.10 \\
  my-8021q-macvlan-net`);
      t.is(r.code, 1);
      t.regex(r.stderr, /^tsrun: this kernel has no vlan support \(CONFIG_VLAN_8021Q\)[^\n]*\n$/);
      t.is(typed(s, 'tsrun network ls -q').stdout.split('\n').filter(Boolean).length, 2, 'only host and none');
    } else {
      lab.inRouter(['addr', 'add', '172.16.86.1/24', 'dev', 'lan0.10']);
      lab.inRouter(['link', 'set', 'lan0.10', 'up']);
      await tutorial(t, s, lab, { parent: `${lab.parent}.10`, net: 'my-8021q-macvlan-net', name: 'my-second-macvlan-alpine', flags: '-itd' });
    }
    t.deepEqual(hostLinks(lab), before, `${lab.parent}.10 is gone with the network that made it`);
  });
});

test.serial('rm -f $(tsrun ps -qa) removes every container, running, stopped or --rm, and prints each id it was given', async (t) => {
  await withState((s) => {
    ok(t, typed(s, 'tsrun run --rm -dit --name my-macvlan-alpine alpine:latest ash'), 'run -dit');
    ok(t, typed(s, 'tsrun run -d --name up alpine sleep 60'), 'run -d');
    ok(t, typed(s, 'tsrun run --name done alpine true'), 'run');
    const ids = typed(s, 'tsrun ps -qa').stdout;
    t.is(ids.split('\n').filter((l) => /^[0-9a-f]{12}$/.test(l)).length, 3, 'ps -qa lists the three by short id');
    const r = typed(s, 'tsrun rm -f $(tsrun ps -qa)');
    t.is(r.code, 0, r.stderr);
    t.is(r.stdout, ids, 'rm prints each argument as given, in order');
    t.is(typed(s, 'tsrun ps -qa').stdout, '');
    t.deepEqual(s.mounts(), [], 'no container mount left');
  });
});
