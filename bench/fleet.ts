/**
 * Fifty detached containers (`run -d --net=none alpine sleep 600`), kept running while this
 * section measures:
 * - memory per container: the rise of the system's used memory (MemTotal - MemAvailable, after
 *   `sync` and a settle) from before the first start to after the last, divided by 50;
 * - with those 50 recorded: `ps -a`, `inspect C`, `network ls`, `image ls` and `exec C true`,
 *   against `node -e 0`, interleaved in one loop.
 * Podman and Docker get fifty of their own, measured the same way. The machine is shared, so
 * the memory rise also holds whatever else changed meanwhile: read it as an estimate.
 */
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { BIN, type StateRoot } from '../test/helpers/tsrun';
import { alpineRoot, node, tsrun, type Context } from './context';
import { engineArgs, engineRun, runOptions, type Engine } from './engines';
import { interleave, median, timeCommand } from './stats';
import type { Row } from './table';

const COUNT = 50;
const SETTLE_MS = 3000;

/** Used memory in MiB, after writing back dirty pages and letting the kernel settle. */
async function usedMiB(): Promise<number> {
  spawnSync('sync');
  await sleep(SETTLE_MS);
  const info = readFileSync('/proc/meminfo', 'utf8');
  const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(info)![1]);
  return (kib('MemTotal') - kib('MemAvailable')) / 1024;
}

/** Starts COUNT containers with `start(i)`; the memory they added, per container. */
async function perContainer(start: (i: number) => void): Promise<number> {
  const before = await usedMiB();
  for (let i = 0; i < COUNT; i++) {
    start(i);
    await nextTurn();
  }
  return ((await usedMiB()) - before) / COUNT;
}

function tsrunFleet(s: StateRoot): (i: number) => void {
  return (i) => timeCommand(BIN, ['run', '-d', '--net=none', '--name', `c${i}`, 'alpine', 'sleep', '600'], s.env());
}

const name = (i: number): string => `tsrun-bench-${process.pid}-${i}`;

function engineFleet(e: Engine): (i: number) => void {
  return (i) => engineRun(e, ['run', '-d', ...runOptions(e), '--name', name(i), e.image, 'sleep', '600']);
}

/** The five timed commands on an engine's fleet. */
function engineCommands(e: Engine): Record<string, () => number> {
  const t = (args: string[]) => (): number => timeCommand(e.cli, engineArgs(e, args));
  return {
    [`${e.name}:ps`]: t(['ps', '-a']),
    [`${e.name}:inspect`]: t(['inspect', name(0)]),
    [`${e.name}:network`]: t(['network', 'ls']),
    [`${e.name}:image`]: t(['image', 'ls']),
    [`${e.name}:exec`]: t(['exec', name(0), 'true']),
  };
}

function removeFleet(e: Engine): void {
  const ids = engineRun(e, ['ps', '-aq', '--filter', `label=${e.label}`]).split('\n').filter(Boolean);
  // Podman stops with a 10 s grace first (sleep as PID 1 ignores SIGTERM); Docker's rm -f kills at once.
  if (ids.length > 0) engineRun(e, ['rm', '-f', ...(e.name === 'podman' ? ['-t', '0'] : []), ...ids]);
}

export async function fleet(ctx: Context): Promise<Row[]> {
  const s = alpineRoot();
  const { podman, docker } = ctx.engines;
  const mem: Record<string, number> = { tsrun: await perContainer(tsrunFleet(s)) };
  for (const e of [podman, docker]) if (e) mem[e.name] = await perContainer(engineFleet(e));
  try {
    const t = await interleave(ctx.runs, {
      node,
      ps: tsrun(s, ['ps', '-a']),
      inspect: tsrun(s, ['inspect', 'c0']),
      network: tsrun(s, ['network', 'ls']),
      image: tsrun(s, ['image', 'ls']),
      exec: tsrun(s, ['exec', 'c0', 'true']),
      ...(podman && engineCommands(podman)),
      ...(docker && engineCommands(docker)),
    } as Record<string, () => number>);
    const base = { label: 'node -e 0', value: median(t.node!) };
    const row = (key: string, metric: string, max: number): Row => ({
      metric,
      tsrun: median(t[key]!),
      baseline: base,
      ...(t[`podman:${key}`] && { podman: median(t[`podman:${key}`]!) }),
      ...(t[`docker:${key}`] && { docker: median(t[`docker:${key}`]!) }),
      targets: [{ of: 'baseline', max }],
    });
    return [
      row('exec', 'exec C true', 1.5),
      row('ps', `ps -a, ${COUNT} running`, 1.5),
      row('inspect', `inspect C, ${COUNT} running`, 1.5),
      row('network', `network ls, ${COUNT} running`, 1.5),
      row('image', `image ls, ${COUNT} running`, 1.5),
      {
        metric: `memory per run -d container (${COUNT})`,
        unit: 'MiB',
        tsrun: mem.tsrun!,
        ...(mem.podman !== undefined && { podman: mem.podman }),
        ...(mem.docker !== undefined && { docker: mem.docker }),
        targets: [{ of: 'absolute', max: 4 }],
      },
    ];
  } finally {
    s.remove();
    for (const e of [podman, docker]) if (e) removeFleet(e);
  }
}
