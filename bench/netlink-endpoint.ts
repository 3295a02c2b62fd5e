/**
 * Container endpoint set-up: a macvlan created straight into a fresh network namespace, then
 * renamed to eth0, given a MAC, two addresses, brought up and given two default routes. Done by
 * tsrun's netlink library and by the same steps as iproute2 `ip` commands, interleaved in one run;
 * p50/p99 over ITERATIONS (default 200) iterations each.
 *
 * The parent NIC is a veth in a private "host" namespace, so the real host's links are never
 * touched; every namespace the run creates is deleted on exit, failure, SIGINT or SIGTERM.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { constants } from 'node:os';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { addrAdd } from '../src/network/netlink/addr';
import { Handle } from '../src/network/netlink/handle';
import { linkAdd, linkByName, linkSetAddress, linkSetName, linkSetUp, type LinkRef } from '../src/network/netlink/link';
import { routeAdd } from '../src/network/netlink/route';
import { fmt, median, percentile } from './stats';

const WARMUP = 5;
const HOST_NS = 'tsrun-bench-host';
const PARENT = 'vb0';
const TMP_NAME = 'tmp0';
const EP = {
  name: 'eth0',
  mac: '02:42:ac:10:56:0a',
  ipv4: '172.16.86.10/24',
  ipv6: '2001:db8::10/64',
  gw4: '172.16.86.1',
  gw6: '2001:db8::1',
};

interface Variant {
  label: string;
  /** Builds the endpoint in `ns`, which exists and is empty. This is the timed part. */
  build(ns: string): void;
  samples: number[];
}

/** Namespaces this run made and has not deleted yet: what cleanup() must delete. */
const created = new Set<string>();
let nsCount = 0;

function iterationCount(): number {
  const n = Number(process.env.ITERATIONS ?? 200);
  if (!Number.isInteger(n) || n < 1) throw new Error(`ITERATIONS must be a positive integer, not "${process.env.ITERATIONS}"`);
  return n;
}

/** Runs `ip ARGS`; returns its stdout. */
function ip(args: string[]): string {
  const r = spawnSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.error) throw new Error(`ip ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr.trim()}`);
  return r.stdout;
}

function netnsAdd(ns: string): void {
  ip(['netns', 'add', ns]);
  created.add(ns);
}

function netnsDel(ns: string): void {
  ip(['netns', 'del', ns]);
  created.delete(ns);
}

/** Deletes every namespace still recorded, newest first so containers go before their parent's namespace. */
function cleanup(): void {
  for (const ns of [...created].reverse()) {
    try {
      netnsDel(ns);
    } catch (err) {
      console.error(`cleanup: ${(err as Error).message}`);
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  cleanup();
  process.exit(128 + constants.signals[signal]);
}

/** The stand-in for the host NIC: vb0, up, with its peer up so the macvlans get carrier. */
function setUpHost(): void {
  netnsAdd(HOST_NS);
  ip(['-n', HOST_NS, 'link', 'add', PARENT, 'type', 'veth', 'peer', 'name', 'vb1']);
  ip(['-n', HOST_NS, 'link', 'set', 'dev', PARENT, 'up']);
  ip(['-n', HOST_NS, 'link', 'set', 'dev', 'vb1', 'up']);
}

function buildWithLibrary(host: Handle, parent: LinkRef, ns: string): void {
  const h = Handle.fromPath(`/run/netns/${ns}`);
  const fd = openSync(`/run/netns/${ns}`, 'r');
  try {
    const { index } = linkAdd(host, { name: TMP_NAME, kind: 'macvlan', mode: 'bridge', parent, netns: { fd, name: ns, handle: h } });
    linkSetName(h, { index, name: TMP_NAME }, EP.name);
    const eth0 = { index, name: EP.name };
    linkSetAddress(h, eth0, EP.mac);
    addrAdd(h, eth0, EP.ipv4);
    addrAdd(h, eth0, EP.ipv6, { nodad: true });
    linkSetUp(h, eth0);
    routeAdd(h, { dst: 'default', gateway: EP.gw4, dev: eth0 });
    routeAdd(h, { dst: 'default', gateway: EP.gw6, dev: eth0 });
  } finally {
    closeSync(fd);
    h.close();
  }
}

/** The same requests as buildWithLibrary, word for word what its --explain prints (`brd +` included). */
function buildWithIp(ns: string): void {
  ip(['-n', HOST_NS, 'link', 'add', 'link', PARENT, 'name', TMP_NAME, 'netns', ns, 'type', 'macvlan', 'mode', 'bridge']);
  ip(['-n', ns, 'link', 'set', 'dev', TMP_NAME, 'name', EP.name]);
  ip(['-n', ns, 'link', 'set', 'dev', EP.name, 'address', EP.mac]);
  ip(['-n', ns, 'addr', 'add', EP.ipv4, 'brd', '+', 'dev', EP.name]);
  ip(['-n', ns, 'addr', 'add', EP.ipv6, 'nodad', 'dev', EP.name]);
  ip(['-n', ns, 'link', 'set', 'dev', EP.name, 'up']);
  ip(['-n', ns, 'route', 'add', 'default', 'via', EP.gw4, 'dev', EP.name]);
  ip(['-n', ns, '-6', 'route', 'add', 'default', 'via', EP.gw6, 'dev', EP.name]);
}

/** Runs `fn` in a new empty namespace, deleted afterwards; all of it outside any timing. */
function inFreshNetns<T>(fn: (ns: string) => T): T {
  const ns = `tsrun-bench-ep-${nsCount++}`;
  netnsAdd(ns);
  try {
    const result = fn(ns);
    // Namespaces die asynchronously: an eth0 still up on vb0 with the same MAC would make the
    // next iteration's `link set address` fail with EADDRINUSE. Deleting it first is synchronous.
    ip(['-n', ns, 'link', 'del', 'dev', EP.name]);
    return result;
  } finally {
    netnsDel(ns);
  }
}

function timed(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/**
 * What the kernel ended up with, as `ip` shows it. Operstate is dropped: the kernel's linkwatch
 * updates it later, on its own schedule.
 */
function endpointState(ns: string): string {
  return [
    ip(['-n', ns, '-o', '-d', 'link', 'show', 'dev', EP.name]).replace(/ state \S+/, ''),
    ip(['-n', ns, '-o', 'addr', 'show', 'dev', EP.name, 'scope', 'global']),
    ip(['-n', ns, 'route', 'show']),
    ip(['-n', ns, '-6', 'route', 'show']),
  ].join('');
}

/** Refuses to compare two variants that leave different endpoints behind. */
function checkSameEndpoint([a, b]: [Variant, Variant]): void {
  const stateA = inFreshNetns((ns) => (a.build(ns), endpointState(ns)));
  const stateB = inFreshNetns((ns) => (b.build(ns), endpointState(ns)));
  if (stateA !== stateB) {
    throw new Error(`the variants build different endpoints:\n${a.label}:\n${stateA}\n${b.label}:\n${stateB}`);
  }
}

async function measure(variants: [Variant, Variant], iterations: number): Promise<void> {
  for (let i = 0; i < WARMUP; i++) for (const v of variants) inFreshNetns(v.build);
  for (let i = 0; i < iterations; i++) {
    // Alternating who goes first keeps the other's leftover kernel work (namespace teardown)
    // from always landing on the same variant.
    const order = i % 2 === 0 ? variants : ([variants[1], variants[0]] as const);
    for (const v of order) v.samples.push(inFreshNetns((ns) => timed(() => v.build(ns))));
    // The loop is synchronous; yielding lets a SIGINT/SIGTERM handler run between iterations.
    await nextTurn();
  }
}

function report([lib, cmd]: [Variant, Variant], iterations: number): void {
  console.log(`macvlan endpoint in a fresh netns (${iterations} iterations)`);
  for (const v of [lib, cmd]) {
    console.log(`  ${v.label.padEnd(15)} p50 ${fmt(median(v.samples)).padEnd(9)} p99 ${fmt(percentile(v.samples, 99))}`);
  }
  console.log(`  ${'ratio (p50)'.padEnd(15)} ${(median(cmd.samples) / median(lib.samples)).toFixed(1)}x faster`);
}

async function main(): Promise<void> {
  const iterations = iterationCount();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    setUpHost();
    const host = Handle.fromPath(`/run/netns/${HOST_NS}`);
    try {
      const parent = linkByName(host, PARENT);
      const variants: [Variant, Variant] = [
        { label: 'tsrun netlink', build: (ns) => buildWithLibrary(host, parent, ns), samples: [] },
        { label: 'ip commands', build: buildWithIp, samples: [] },
      ];
      checkSameEndpoint(variants);
      await measure(variants, iterations);
      report(variants, iterations);
    } finally {
      host.close();
    }
  } finally {
    cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
