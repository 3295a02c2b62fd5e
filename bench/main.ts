/**
 * `npm run bench`: every benchmark in one run, one table at the end. Each row is tsrun's
 * median against a baseline measured in the same loop (interleaved, so the shared machine's
 * load falls on both alike), with Podman's and Docker's same operation when they are usable.
 * RUNS (quick commands, default 7), SLOW_RUNS (200 MB relays, labs: 3), LOG_RUNS (seq to a
 * log: 1, each ~20 s), ITERATIONS (endpoint plugs: 60) and LINES override the counts.
 * Everything made is removed at the end, on failure, SIGINT or SIGTERM.
 */
import { cpus, loadavg } from 'node:os';
import { removeAll, removeAllOnSignals } from './cleanup';
import type { Context } from './context';
import { detectEngines } from './engines';
import { fleet } from './fleet';
import { lab } from './lab';
import { limits } from './limits';
import { logs } from './logs';
import { netlinkEndpoint } from './netlink-endpoint';
import { network } from './network';
import { startUp } from './start';
import { stdio } from './stdio';
import { runCount } from './stats';
import { printTable, type Row } from './table';

const sections: Array<[string, (ctx: Context) => Row[] | Promise<Row[]>]> = [
  ['start-up', startUp],
  ['50 detached containers: memory, exec and listings', fleet],
  ['cgroup, devices and seccomp', limits],
  ['stdio relay', stdio],
  ['macvlan endpoint', netlinkEndpoint],
  ['networks and IPAM', network],
  ['lab up', lab],
  ['-d output to the json-file log', logs],
];

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the benchmark makes containers, links and namespaces: run it as root (sudo npm run bench)');
  removeAllOnSignals();
  const started = Date.now();
  const loadBefore = loadavg()[0]!;
  try {
    const ctx: Context = { engines: detectEngines(), runs: runCount('RUNS', 7) };
    const rows: Row[] = [];
    for (const [name, run] of sections) {
      const t0 = Date.now();
      rows.push(...(await run(ctx)));
      console.error(`bench: ${name} done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
    console.log(`\ntsrun benchmarks: medians, RUNS=${ctx.runs} (ratio = tsrun / the column before it; measured in one run, interleaved)\n`);
    printTable(rows, [
      ...ctx.engines.notes,
      '"-" in a podman/docker column of a usable engine: that operation is not compared there.',
      'exec, ps, inspect, network ls, image ls: with the 50 containers of the memory row running (run -d --net=none alpine sleep 600 each).',
      'memory: the rise of MemTotal - MemAvailable over the 50 starts, divided by 50 (machine-wide, so other load on the machine shows in it).',
      `Total ${((Date.now() - started) / 1000).toFixed(0)} s; 1-minute load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after, on ${cpus().length} CPUs.`,
    ]);
  } finally {
    removeAll();
  }
}

main().catch((err: unknown) => {
  removeAll();
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
