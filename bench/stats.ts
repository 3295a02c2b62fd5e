/** Timing helpers shared by the benchmarks: wall-clock runs, interleaved samples, medians and percentiles. */
import { spawnSync } from 'node:child_process';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Runs a command to its end; its wall-clock time in ms. Throws if it fails. */
export function timeCommand(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return ms;
}

/** The time `fn` takes, in ms. */
export function timed(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/**
 * Each variant `runs` times, interleaved (one of each per round, so the machine's load falls on
 * all alike), after one untimed warm-up of each (page cache); the samples of each, in ms.
 * A variant is a function returning its time (timeCommand, timed, ...). Between samples it
 * yields to the event loop, so that a SIGINT or SIGTERM handler (the cleanup) gets to run.
 */
export async function interleave<K extends string>(runs: number, variants: Record<K, () => number>): Promise<Record<K, number[]>> {
  const keys = Object.keys(variants) as K[];
  for (const k of keys) variants[k]();
  const out = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let i = 0; i < runs; i++) {
    for (const k of keys) {
      out[k].push(variants[k]());
      await nextTurn();
    }
  }
  return out;
}

export function percentile(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[idx]!;
}

export const median = (s: number[]): number => percentile(s, 50);

/** A run count from the environment (RUNS, LOG_RUNS, ...), else `fallback`. */
export function runCount(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, not "${raw}"`);
  return n;
}
