/**
 * A container's macvlan endpoint, as `tsrun run --net=<macvlan>` plugs it: the product's own
 * calls (network/endpoint.ts: plugEndpoint, then addDefaultRoutes), against the same steps as
 * `ip` commands. The `ip` steps are not written here: they are what the product's handles
 * report doing (the lines `tsrun --explain` prints), recorded on a first run and replayed with
 * each iteration's namespace, so both sides always make the same requests. Each iteration
 * builds the endpoint in a fresh, empty network namespace (made and deleted untimed), the
 * handles on it already open, as the product's are when it plugs; the two sides alternate
 * who goes first. Both must leave the same endpoint behind, or the comparison is refused.
 *
 * The parent NIC is a veth in a private "host" namespace, so the real host's links are never
 * touched.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { addDefaultRoutes, plugEndpoint, reserveEndpoint } from '../src/network/endpoint';
import { Handle } from '../src/network/netlink/handle';
import type { Endpoint, NetworkRecord } from '../src/state/networks';
import { made } from './cleanup';
import { median, runCount, timed } from './stats';
import type { Row } from './table';

const HOST_NS = `tsrun-bench-host-${process.pid}`;
const PARENT = 'vb0';
const TMP_LINK = 'tmpbench0';

/** A macvlan network with IPv4 and IPv6 pools, as `network create` records it. */
const NET: NetworkRecord = {
  id: 'b'.repeat(64),
  name: 'bench',
  driver: 'macvlan',
  created: new Date(0).toISOString(),
  enableIPv6: true,
  internal: false,
  pools: [
    { subnet: '172.16.86.0/24', gateway: '172.16.86.1', auxAddresses: {} },
    { subnet: '2001:db8::/64', gateway: '2001:db8::1', auxAddresses: {} },
  ],
  options: {},
  labels: {},
  parent: { name: PARENT, created: false },
  endpoints: {},
};

/** Runs `ip ARGS` (or any argv); returns its stdout. */
function sh(argv: string[]): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.error) throw new Error(`${argv.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr.trim()}`);
  return r.stdout;
}
const ip = (args: string[]): string => sh(['ip', ...args]);

let nsCount = 0;

/** Runs fn in a new empty namespace, deleted afterwards; all of it outside fn's own timing. */
function inFreshNetns<T>(fn: (ns: string) => T): T {
  const ns = `tsrun-bench-ep-${process.pid}-${nsCount++}`;
  ip(['netns', 'add', ns]);
  const remove = made(`netns ${ns}`, () => ip(['netns', 'del', ns]));
  try {
    const result = fn(ns);
    // Namespaces die asynchronously: an eth0 still on vb0 with the same MAC would make the next
    // iteration's link creation fail with EADDRINUSE. Deleting the link first is synchronous.
    ip(['-n', ns, 'link', 'del', 'dev', 'eth0']);
    return result;
  } finally {
    remove();
  }
}

/** The product's plugging of `ep` into `ns`, handles opened untimed; returns its time. */
function product(host: Handle, ep: Endpoint, ns: string, record?: string[]): number {
  const path = `/run/netns/${ns}`;
  const fd = openSync(path, 'r');
  const ctr = Handle.fromPath(path);
  if (record) host.explain = ctr.explain = (cmd) => record.push(cmd);
  try {
    return timed(() => {
      const link = plugEndpoint(host, { fd, name: ns, handle: ctr }, NET, { ...ep }, TMP_LINK);
      addDefaultRoutes(ctr, NET, ep, link);
    });
  } finally {
    host.explain = undefined;
    ctr.close();
    closeSync(fd);
  }
}

/** The recorded commands with the recording's namespace name replaced by `ns`. */
function replay(commands: string[], recordedNs: string, ns: string): number {
  const argvs = commands.map((c) => c.split(' ').map((w) => (w === recordedNs ? ns : w)));
  return timed(() => argvs.forEach(sh));
}

/** What the kernel ended up with, as `ip` shows it (operstate dropped: linkwatch sets it later). */
function endpointState(ns: string): string {
  return [
    ip(['-n', ns, '-o', '-d', 'link', 'show', 'dev', 'eth0']).replace(/ state \S+/, ''),
    ip(['-n', ns, '-o', 'addr', 'show', 'dev', 'eth0', 'scope', 'global']),
    ip(['-n', ns, 'route', 'show']),
    ip(['-n', ns, '-6', 'route', 'show']),
  ].join('');
}

export async function netlinkEndpoint(): Promise<Row[]> {
  const iterations = runCount('ITERATIONS', 60);
  ip(['netns', 'add', HOST_NS]);
  made(`netns ${HOST_NS}`, () => ip(['netns', 'del', HOST_NS]));
  ip(['-n', HOST_NS, 'link', 'add', PARENT, 'type', 'veth', 'peer', 'name', 'vb1']);
  ip(['-n', HOST_NS, 'link', 'set', 'dev', PARENT, 'up']);
  ip(['-n', HOST_NS, 'link', 'set', 'dev', 'vb1', 'up']);
  const host = Handle.fromPath(`/run/netns/${HOST_NS}`);
  try {
    const ep = reserveEndpoint(structuredClone(NET), { containerId: 'c'.repeat(64), containerName: 'bench', ifname: 'eth0' });
    const commands: string[] = [];
    let recordedNs = '';
    const stateProduct = inFreshNetns((ns) => (recordedNs = ns, product(host, ep, ns, commands), endpointState(ns)));
    const stateIp = inFreshNetns((ns) => (replay(commands, recordedNs, ns), endpointState(ns)));
    if (stateProduct.replaceAll(recordedNs, '') !== stateIp.replace(/tsrun-bench-ep-\d+-\d+/g, '')) {
      throw new Error(`the product and the ip commands build different endpoints:\nproduct:\n${stateProduct}\nip:\n${stateIp}`);
    }
    const lib: number[] = [];
    const cmd: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const both = [() => lib.push(inFreshNetns((ns) => product(host, ep, ns))), () => cmd.push(inFreshNetns((ns) => replay(commands, recordedNs, ns)))];
      if (i % 2 === 1) both.reverse();
      both.forEach((f) => f());
      // The loop is synchronous; yielding lets a SIGINT/SIGTERM handler (the cleanup) run.
      await nextTurn();
    }
    return [{ metric: `macvlan endpoint plug (${commands.length} steps)`, tsrun: median(lib), baseline: { label: 'the same as ip commands', value: median(cmd) } }];
  } finally {
    host.close();
  }
}
