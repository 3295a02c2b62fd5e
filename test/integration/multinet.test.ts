/**
 * Several networks per container: `network connect` plugs eth1 into a running container
 * (it reaches the second LAN's router, its peers' /etc/hosts name it), `disconnect` takes
 * it away again; a stopped container's connection is recorded for its next start; aliases;
 * Docker 20.10's refusals; and a connect killed midway leaves the container connected or
 * not, never an address reserved without a link.
 */
import test, { type ExecutionContext } from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, withLab, hostLinks } from '../helpers/lab';
import { runInBackground } from '../helpers/background';
import { isRoot, type StateRoot } from '../helpers/tsrun';

test.beforeEach((t) => {
  if (!isRoot) t.fail('needs root: run the suite with sudo');
});

const KILLED = 128; // the helper's code for a process ended by a signal

function ok(t: ExecutionContext, s: StateRoot, args: string[]): string {
  const r = s.run(args);
  t.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function inspect(s: StateRoot, what: 'network' | 'container', name: string): Record<string, any> {
  const r = s.run(what === 'network' ? ['network', 'inspect', name] : ['inspect', name]);
  return JSON.parse(r.stdout)[0];
}

/** `ps --format FORMAT` of one container, by name. */
function psOf(t: ExecutionContext, s: StateRoot, name: string, format: string): string {
  return ok(t, s, ['ps', '-a', '-f', `name=${name}`, '--format', format]);
}

/** Runs `sh -c script` in the running container through nsenter (tsrun exec sees the same namespaces). */
function inside(s: StateRoot, name: string, script: string): string {
  const r = s.run(['exec', name, 'sh', '-c', script]);
  return r.stdout + r.stderr;
}

/** A second lab (another veth LAN and router) for the second network; removed afterwards. */
async function withSecondLab(gateways: string[], fn: (lab: Lab) => Promise<void>): Promise<void> {
  const lab = new Lab(gateways);
  try {
    await fn(lab);
  } finally {
    lab.remove();
  }
}

test('connect a running container to a second LAN: eth1, the router, peers\' hosts; disconnect frees it all', async (t) => {
  await withLab(['10.71.0.1/24'], (s, lab1) =>
    withSecondLab(['10.72.0.1/24'], async (lab2) => {
      const links = hostLinks(lab1);
      ok(t, s, ['network', 'create', '-d', 'macvlan', '--subnet=10.71.0.0/24', '-o', `parent=${lab1.parent}`, 'lan_b']);
      ok(t, s, ['network', 'create', '-d', 'macvlan', '--subnet=10.72.0.0/24', '-o', `parent=${lab2.parent}`, 'lan_c']);
      const peer = await runInBackground(s, ['--name', 'mpeer', '--net', 'lan_c']);
      const web = await runInBackground(s, ['--name', 'mweb', '--net', 'lan_b']);
      try {
        t.is(ok(t, s, ['network', 'connect', '--ip', '10.72.0.50', '--alias', 'www', '--alias', 'front', 'lan_c', 'mweb']), '');
        const out = inside(s, 'mweb', 'ip -o -4 addr show eth1; ip route; ping -c1 -W2 10.72.0.1 >/dev/null && echo router2-ok; ping -c1 -W2 mpeer >/dev/null && echo peer-ok');
        t.regex(out, /^\d+: eth1 +inet 10\.72\.0\.50\/24 /m, out);
        // lan_b sorts before lan_c: the default route stays with eth0, as libnetwork orders endpoints.
        t.regex(out, /^default via 10\.71\.0\.1 dev eth0 $/m, out);
        t.notRegex(out, /default via 10\.72/, out);
        t.regex(out, /^router2-ok$/m);
        t.regex(out, /^peer-ok$/m);
        t.is(lab2.neighbours().get('10.72.0.50'), '02:42:0a:48:00:32', 'the second LAN saw the endpoint\'s own MAC');
        t.regex(inside(s, 'mpeer', 'cat /etc/hosts'), /^10\.72\.0\.50\tmweb www front [0-9a-f]{12}$/m, 'the peer names it, with its aliases and short id');
        const net = inspect(s, 'container', 'mweb').NetworkSettings;
        t.deepEqual(Object.keys(net.Networks).sort(), ['lan_b', 'lan_c']);
        t.like(net.Networks.lan_c, { IPAMConfig: { IPv4Address: '10.72.0.50' }, IPAddress: '10.72.0.50', IPPrefixLen: 24, Gateway: '10.72.0.1', MacAddress: '02:42:0a:48:00:32' });
        t.deepEqual(net.Networks.lan_c.Aliases.slice(0, 2), ['www', 'front']);
        t.is(net.Networks.lan_c.Aliases[2], inspect(s, 'container', 'mweb').Id.slice(0, 12), 'Docker adds the short id');
        t.is(net.IPAddress, net.Networks.lan_b.IPAddress, 'the top-level fields are the gateway endpoint\'s');
        // ps shows the networks it is on now, in the order it joined them, as do its filter and its JSON.
        t.is(psOf(t, s, 'mweb', '{{.Networks}}'), 'lan_b,lan_c\n');
        t.is(JSON.parse(psOf(t, s, 'mweb', 'json')).Networks, 'lan_b,lan_c');
        t.is(ok(t, s, ['ps', '-f', 'network=lan_c', '--format', '{{.Names}}']), 'mweb\nmpeer\n');
        // Refusals, each changing nothing.
        const again = s.run(['network', 'connect', 'lan_c', 'mweb']);
        t.is(again.code, 1);
        t.is(again.stderr, 'tsrun: endpoint with name mweb already exists in network lan_c\n');
        const taken = s.run(['network', 'connect', '--ip', '10.72.0.50', 'lan_c', 'mpeer']);
        t.is(taken.code, 1);
        t.is(s.run(['network', 'connect', '--ip', 'notanip', 'lan_b', 'mpeer']).stderr, 'tsrun: invalid IPv4 address: notanip\n');
        t.is(s.run(['network', 'connect', '--ip6', 'x', 'lan_b', 'mpeer']).stderr, 'tsrun: invalid IPv6 address: x\n');
        t.is(s.run(['network', 'connect', '--ip', '10.9.9.9', 'lan_b', 'mpeer']).stderr, "tsrun: Invalid address 10.9.9.9: It does not belong to any of this network's subnets\n");
        const rmBusy = s.run(['network', 'rm', 'lan_c']);
        t.is(rmBusy.code, 1);
        t.regex(rmBusy.stderr, /has active endpoints/);
        t.is(inside(s, 'mpeer', 'ip -o link show | grep -c eth'), '1\n', 'the refused connects plugged nothing');
        // Disconnect: eth1 and its hosts entries go; its address is free again.
        t.is(ok(t, s, ['network', 'disconnect', 'lan_c', 'mweb']), '');
        t.is(inside(s, 'mweb', 'ip link show eth1 2>&1 >/dev/null; grep -c mpeer /etc/hosts'), 'ip: can\'t find device \'eth1\'\n0\n');
        t.is(psOf(t, s, 'mweb', '{{.Networks}}'), 'lan_b\n');
        t.is(JSON.parse(psOf(t, s, 'mweb', 'json')).Networks, 'lan_b');
        t.is(ok(t, s, ['ps', '-f', 'network=lan_c', '--format', '{{.Names}}']), 'mpeer\n');
        t.notRegex(inside(s, 'mpeer', 'cat /etc/hosts'), /mweb/);
        const notOn = s.run(['network', 'disconnect', 'lan_c', 'mweb']);
        t.is(notOn.code, 1);
        t.regex(notOn.stderr, /^tsrun: container [0-9a-f]{64} is not connected to network lan_c\n$/);
        // The address is free again (on eth2: indexes are not reused); losing the gateway endpoint moves the default route.
        ok(t, s, ['network', 'connect', '--ip', '10.72.0.50', 'lan_c', 'mweb']);
        ok(t, s, ['network', 'disconnect', 'lan_b', 'mweb']);
        const after = inside(s, 'mweb', 'ip -o -4 addr show eth2; ip route');
        t.regex(after, /^\d+: eth2 +inet 10\.72\.0\.50\/24 /m, after);
        t.regex(after, /^default via 10\.72\.0\.1 dev eth2 $/m, after);
        // Connected again, lan_b gets eth3 (libnetwork never reuses an index within a run) and,
        // sorting first, takes the default route back.
        ok(t, s, ['network', 'connect', 'lan_b', 'mweb']);
        const back = inside(s, 'mweb', 'ip -o -4 addr show eth3; ip route show default');
        t.regex(back, /^\d+: eth3 +inet 10\.71\.0\.\d+\/24 /m, back);
        t.regex(back, /^default via 10\.71\.0\.1 dev eth3 $/m, back);
        // Disconnecting the last network leaves only lo, as Docker allows.
        ok(t, s, ['network', 'disconnect', 'lan_b', 'mweb']);
        ok(t, s, ['network', 'disconnect', 'lan_c', 'mweb']);
        t.is(inside(s, 'mweb', "ip -o link show | cut -d: -f2 | tr -d ' '"), 'lo\n');
        t.deepEqual(Object.keys(inspect(s, 'container', 'mweb').NetworkSettings.Networks), []);
        t.is(psOf(t, s, 'mweb', '{{.Networks}}'), '\n');
        t.deepEqual(Object.keys(inspect(s, 'network', 'lan_c').Containers).length, 1, 'only mpeer is left on lan_c');
      } finally {
        t.is(await web.stop(), 0);
        t.is(await peer.stop(), 0);
      }
      t.deepEqual(inspect(s, 'network', 'lan_c').Containers, {}, 'every endpoint released when the containers ended');
      ok(t, s, ['network', 'rm', 'lan_b', 'lan_c']);
      t.deepEqual(hostLinks(lab1), links);
    }),
  );
});

test('a stopped container\'s connection is recorded for its next start; --network-alias; --internal with a parent; Docker\'s refusals', async (t) => {
  await withLab(['10.73.0.1/24'], async (s, lab) => {
    ok(t, s, ['network', 'create', '-d', 'macvlan', '--subnet=10.73.0.0/24', '-o', `parent=${lab.parent}`, 'lan_d']);
    // Docker 20.10 accepts --internal with a parent and uses it: the containers only lack a default route.
    ok(t, s, ['network', 'create', '-d', 'macvlan', '--internal', '--subnet=10.74.0.0/24', '-o', `parent=${lab.parent}`, 'lan_i']);
    t.is(inspect(s, 'network', 'lan_i').Options.parent, lab.parent);
    t.is(ok(t, s, ['run', '--rm', '--net', 'lan_i', 'alpine', 'ip', 'route']), '10.74.0.0/24 dev eth0 scope link  src 10.74.0.2 \n');
    const one = await runInBackground(s, ['--name', 'one', '--network-alias', 'db', '--network-alias', 'cache', '--net', 'lan_d']);
    try {
      t.regex(ok(t, s, ['run', '--rm', '--net', 'lan_d', 'alpine', 'cat', '/etc/hosts']), /^10\.73\.0\.2\tone db cache [0-9a-f]{12}$/m);
      const aliases = inspect(s, 'container', 'one').NetworkSettings.Networks.lan_d.Aliases;
      t.deepEqual(aliases, ['db', 'cache', inspect(s, 'container', 'one').Id.slice(0, 12)]);
      // A record written before several networks per container kept one `endpoint`: read as the same network.
      const recPath = join(s.dir, 'containers', inspect(s, 'container', 'one').Id, 'config.json');
      const rec = JSON.parse(readFileSync(recPath, 'utf8'));
      const { endpoint, networkId } = rec.networks.lan_d;
      delete rec.networks;
      writeFileSync(recPath, JSON.stringify({ ...rec, endpoint: { ...endpoint, networkId, networkName: 'lan_d' } }));
      t.like(inspect(s, 'container', 'one').NetworkSettings.Networks.lan_d, { NetworkID: networkId, EndpointID: endpoint.endpointId, IPAddress: '10.73.0.2' });
      // Started without IPv6 (disabled in its namespace), it still takes an IPv6 endpoint later.
      ok(t, s, ['network', 'create', '-d', 'macvlan', '--ipv6', '--subnet=10.78.0.0/24', '--subnet=2001:db8:78::/64', '-o', `parent=${lab.parent}`, 'lan_6']);
      ok(t, s, ['network', 'connect', '--ip6', '2001:db8:78::9', 'lan_6', 'one']);
      const v6 = inside(s, 'one', 'ip -o -6 addr show eth1 scope global; ip -o -6 addr show eth0 | wc -l');
      t.regex(v6, /^\d+: eth1 +inet6 2001:db8:78::9\/64 scope global /m, v6);
      t.regex(v6, /^0\n$/m, 'eth0 keeps IPv6 off');
    } finally {
      t.is(await one.stop(), 0);
    }
    t.deepEqual(inspect(s, 'network', 'lan_6').Containers, {}, 'released when the container ended');
    ok(t, s, ['run', '--name', 'done', '--net', 'lan_d', 'alpine', 'true']);
    ok(t, s, ['network', 'connect', '--ip', '10.74.0.9', '--alias', 'later', 'lan_i', 'done']);
    const nets = inspect(s, 'container', 'done').NetworkSettings.Networks;
    t.deepEqual(Object.keys(nets).sort(), ['lan_d', 'lan_i']);
    t.like(nets.lan_i, { IPAMConfig: { IPv4Address: '10.74.0.9' }, NetworkID: inspect(s, 'network', 'lan_i').Id, EndpointID: '', IPAddress: '' });
    t.is(nets.lan_i.Aliases[0], 'later');
    t.deepEqual(inspect(s, 'network', 'lan_i').Containers, {}, 'nothing reserved until it starts');
    t.is(s.run(['network', 'connect', 'lan_i', 'done']).stderr, 'tsrun: endpoint with name done already exists in network lan_i\n');
    ok(t, s, ['network', 'disconnect', 'lan_i', 'done']);
    t.deepEqual(Object.keys(inspect(s, 'container', 'done').NetworkSettings.Networks), ['lan_d']);
    ok(t, s, ['run', '--name', 'alone', '--net', 'none', 'alpine', 'true']);
    const none = s.run(['network', 'connect', 'lan_d', 'alone']);
    t.is(none.code, 1);
    t.is(none.stderr, 'tsrun: container cannot be connected to multiple networks with one of the networks in private (none) mode\n');
    const runCases: Array<[string[], string]> = [
      [['--net', 'none', '--ip', '10.0.0.2'], 'user specified IP address is supported on user defined networks only'],
      [['--net', 'host', '--ip6', '2001:db8::2'], 'user specified IP address is supported on user defined networks only'],
      [['--net', 'lan_d', '--ip', 'notanip'], 'invalid IPv4 address: notanip'],
      [['--net', 'lan_d', '--ip', '2001:db8::2'], 'invalid IPv4 address: 2001:db8::2'],
      [['--net', 'lan_d', '--ip6', 'x'], 'invalid IPv6 address: x'],
      [['--net', 'none', '--network-alias', 'a'], 'network-scoped alias is supported only for containers in user defined networks'],
    ];
    for (const [args, message] of runCases) {
      const r = s.run(['run', '--rm', ...args, 'alpine', 'true']);
      t.is(r.code, 125, args.join(' '));
      t.is(r.stderr, `tsrun: ${message}\n`, args.join(' '));
    }
    t.deepEqual(inspect(s, 'network', 'lan_d').Containers, {});
  });
});

for (const point of ['network-connect:after-reserve', 'network-connect:after-plug']) {
  test(`network connect killed at ${point}: the next command leaves the container unconnected, nothing reserved`, async (t) => {
    await withLab(['10.75.0.1/24'], async (s, lab) => {
      ok(t, s, ['network', 'create', '-d', 'macvlan', '--subnet=10.75.0.0/24', '-o', `parent=${lab.parent}`, 'lan_e']);
      ok(t, s, ['network', 'create', '-d', 'macvlan', '--subnet=10.76.0.0/24', '-o', `parent=${lab.parent}`, 'lan_f']);
      const c = await runInBackground(s, ['--name', 'crashc', '--net', 'lan_e']);
      try {
        t.is(s.run(['network', 'connect', 'lan_f', 'crashc'], { env: { TSRUN_FAULT: point } }).code, KILLED);
        t.deepEqual(Object.keys(inspect(s, 'container', 'crashc').NetworkSettings.Networks), ['lan_e']);
        t.is(inside(s, 'crashc', "ip -o link show | cut -d: -f2 | cut -d@ -f1 | tr -d ' '"), 'lo\neth0\n', 'no eth1 nor a half-made link');
        t.deepEqual(inspect(s, 'network', 'lan_f').Containers, {}, 'its address was released');
        ok(t, s, ['network', 'connect', 'lan_f', 'crashc']);
        t.regex(inside(s, 'crashc', 'ip -o -4 addr show eth1'), /inet 10\.76\.0\.2\/24/, 'the same address is given again');
      } finally {
        t.is(await c.stop(), 0);
      }
      t.deepEqual(inspect(s, 'network', 'lan_f').Containers, {});
    });
  });
}
