/**
 * Networks: what a macvlan endpoint adds to a run (`run --rm --net=<macvlan> alpine true`
 * against `--net=none`); `network create -d macvlan -o parent=P` against `ip link add link P
 * ... type macvlan` (the kernel object a macvlan network stands for; Podman's and Docker's
 * `network create` of the same beside it); and IPAM's allocation of the lowest free address on
 * a /8 with 10,000 in use and an IPv6 /64 with 10,000 in use, against a /24 with 10 in use.
 *
 * The macvlan parent is one end of a veth pair whose other end sits in a private namespace;
 * both are deleted at the end, whatever happens.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { allocate } from '../src/network/ipam/pools';
import { Ip } from '../src/network/ip';
import type { Pool } from '../src/state/networks';
import { BIN } from '../test/helpers/tsrun';
import { made } from './cleanup';
import { alpineRoot, tsrun, type Context } from './context';
import { engineArgs, engineRun, type Engine } from './engines';
import { interleave, median, timeCommand, timed } from './stats';
import type { Row } from './table';

const PARENT = `tsbench${process.pid % 100000}`;
const PEER_NS = `tsrun-bench-lan-${process.pid}`;
const SUBNET = '172.16.86.0/24';

function makeParent(): void {
  execFileSync('ip', ['netns', 'add', PEER_NS]);
  made(`netns ${PEER_NS}`, () => execFileSync('ip', ['netns', 'del', PEER_NS]));
  execFileSync('ip', ['link', 'add', PARENT, 'type', 'veth', 'peer', 'name', 'lan0', 'netns', PEER_NS]);
  made(`link ${PARENT}`, () => void spawnSync('ip', ['link', 'del', PARENT]));
  execFileSync('ip', ['link', 'set', PARENT, 'up']);
}

/** Times `create`, then undoes it untimed with `remove`. */
const createThenRemove = (create: () => number, remove: () => void) => (): number => {
  const ms = create();
  remove();
  return ms;
};

function engineCreate(e: Engine): () => number {
  const name = `tsrun-bench-net-${process.pid}`;
  made(`${e.name} network ${name}`, () => void spawnSync(e.cli, engineArgs(e, ['network', 'rm', name]), { stdio: 'ignore' }));
  return createThenRemove(
    () => timeCommand(e.cli, engineArgs(e, ['network', 'create', '-d', 'macvlan', `--subnet=${SUBNET}`, '-o', `parent=${PARENT}`, name])),
    () => void engineRun(e, ['network', 'rm', name]),
  );
}

function allocation(pool: Pool, first: string, inUse: number): number {
  const base = Ip.require(first, 'address');
  const used = Array.from({ length: inUse }, (_, i) => new Ip(base.family, base.value + BigInt(i)));
  return median(Array.from({ length: 50 }, () => timed(() => allocate(pool, used))));
}

export async function network(ctx: Context): Promise<Row[]> {
  makeParent();
  const s = alpineRoot();
  const { podman, docker } = ctx.engines;
  const create = ['network', 'create', '-d', 'macvlan', `--subnet=${SUBNET}`, '-o', `parent=${PARENT}`];
  timeCommand(BIN, [...create, 'pub_net'], s.env());
  const t = await interleave(ctx.runs, {
    none: tsrun(s, ['run', '--rm', '--net=none', 'alpine', 'true']),
    macvlan: tsrun(s, ['run', '--rm', '--net=pub_net', 'alpine', 'true']),
    create: createThenRemove(tsrun(s, [...create.slice(0, 4), '--subnet=172.16.87.0/24', ...create.slice(5), 'bench_net']), () => void timeCommand(BIN, ['network', 'rm', 'bench_net'], s.env())),
    ip: createThenRemove(
      () => timeCommand('ip', ['link', 'add', 'link', PARENT, 'name', 'tsbenchmv0', 'type', 'macvlan', 'mode', 'bridge']),
      () => void timeCommand('ip', ['link', 'del', 'tsbenchmv0']),
    ),
    ...(podman && { podman: engineCreate(podman) }),
    ...(docker && { docker: engineCreate(docker) }),
  } as Record<string, () => number>);
  const small = allocation({ subnet: SUBNET, gateway: '172.16.86.1', auxAddresses: {} }, '172.16.86.2', 10);
  const ipam = { label: 'IPAM /24, 10 in use', value: small };
  return [
    { metric: 'run --rm --net=<macvlan> alpine true', tsrun: median(t.macvlan!), baseline: { label: '--net=none', value: median(t.none!) } },
    {
      metric: 'network create -d macvlan -o parent=P',
      tsrun: median(t.create!),
      baseline: { label: 'ip link add ... type macvlan', value: median(t.ip!) },
      ...(t.podman && { podman: median(t.podman) }),
      ...(t.docker && { docker: median(t.docker) }),
    },
    { metric: 'IPAM /8, 10,000 in use', tsrun: allocation({ subnet: '10.0.0.0/8', gateway: '10.0.0.1', auxAddresses: {} }, '10.0.0.2', 10_000), baseline: ipam },
    { metric: 'IPAM IPv6 /64, 10,000 in use', tsrun: allocation({ subnet: '2001:db8::/64', gateway: '2001:db8::1', auxAddresses: {} }, '2001:db8::2', 10_000), baseline: ipam },
  ];
}
