/**
 * What a macvlan network adds to a container start: `tsrun run --rm --net=<macvlan> alpine true`
 * against `--net=none`, interleaved, medians over RUNS runs. Then IPAM allocation on a /8
 * with 10,000 addresses in use and on an IPv6 /64, against a /24 with 10 in use.
 *
 * The macvlan parent is one end of a veth pair whose other end sits in a private namespace;
 * both are deleted at the end, whatever happens.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allocate } from '../src/network/ipam/pools';
import { Ip } from '../src/network/ip';
import type { Pool } from '../src/state/networks';
import { BIN as bin, TARBALL as tarball } from './setup';
import { fmt, median, timeCommand } from './stats';

const RUNS = Number(process.env.RUNS ?? 15);
const PARENT = 'tsbench0';
const PEER_NS = 'tsrun-bench-lan';

function startCost(): void {
  const root = mkdtempSync(join(tmpdir(), 'tsrun-bench-'));
  const env = { ...process.env, TSRUN_ROOT: root };
  try {
    execFileSync('ip', ['netns', 'add', PEER_NS]);
    execFileSync('ip', ['link', 'add', PARENT, 'type', 'veth', 'peer', 'name', 'lan0', 'netns', PEER_NS]);
    execFileSync('ip', ['link', 'set', PARENT, 'up']);
    timeCommand(bin, ['image', 'import', tarball, 'alpine'], env);
    timeCommand(bin, ['network', 'create', '-d', 'macvlan', '--subnet=172.16.86.0/24', '-o', `parent=${PARENT}`, 'pub_net'], env);
    timeCommand(bin, ['run', '--rm', '--net=pub_net', 'alpine', 'true'], env);
    const none: number[] = [];
    const mac: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      none.push(timeCommand(bin, ['run', '--rm', '--net=none', 'alpine', 'true'], env));
      mac.push(timeCommand(bin, ['run', '--rm', '--net=pub_net', 'alpine', 'true'], env));
    }
    console.log(`container start with a macvlan endpoint (median of ${RUNS} runs each)`);
    console.log(`  run --rm --net=none alpine true       ${fmt(median(none))}`);
    console.log(`  run --rm --net=pub_net alpine true    ${fmt(median(mac))}`);
    console.log(`  the network's added cost              ${fmt(median(mac) - median(none))}`);
  } finally {
    spawnSync(bin, ['network', 'rm', 'pub_net'], { env });
    spawnSync('ip', ['link', 'del', PARENT]);
    spawnSync('ip', ['netns', 'del', PEER_NS]);
    rmSync(root, { recursive: true, force: true });
  }
}

function allocationCost(label: string, pool: Pool, first: string, inUse: number): number {
  const base = Ip.require(first, 'address');
  const used: Ip[] = Array.from({ length: inUse }, (_, i) => new Ip(base.family, base.value + BigInt(i)));
  const samples: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t0 = process.hrtime.bigint();
    allocate(pool, used);
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  console.log(`  ${label.padEnd(38)} ${median(samples).toFixed(3)} ms`);
  return median(samples);
}

startCost();
console.log('IPAM allocation of the lowest free address (median of 50)');
const small = allocationCost('/24 with 10 in use', { subnet: '172.16.86.0/24', gateway: '172.16.86.1', auxAddresses: {} }, '172.16.86.2', 10);
const big = allocationCost('/8 with 10,000 in use', { subnet: '10.0.0.0/8', gateway: '10.0.0.1', auxAddresses: {} }, '10.0.0.2', 10_000);
const v6 = allocationCost('IPv6 /64 with 10,000 in use', { subnet: '2001:db8::/64', gateway: '2001:db8::1', auxAddresses: {} }, '2001:db8::2', 10_000);
console.log(`  a /8 costs ${(big / small).toFixed(0)}x a /24 for 1000x the addresses in use; a /64 ${(v6 / small).toFixed(0)}x`);
