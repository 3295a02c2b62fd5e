/**
 * Daemonless bookkeeping costs: `ps -a` and `inspect` with 100 containers recorded, against
 * `node -e 0`; and `exec true` in a running container against `run --rm true`. Medians over
 * RUNS runs each, interleaved.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN as bin, TARBALL as tarball } from './setup';
import { fmt, median, timeCommand } from './stats';

const RUNS = Number(process.env.RUNS ?? 15);
const CONTAINERS = 100;

const root = mkdtempSync(join(tmpdir(), 'tsrun-bench-'));
const env = { ...process.env, TSRUN_ROOT: root };
try {
  timeCommand(bin, ['image', 'import', tarball, 'alpine'], env);
  for (let i = 0; i < CONTAINERS - 1; i++) timeCommand(bin, ['run', '--name', `c${i}`, 'alpine', 'true'], env);
  timeCommand(bin, ['run', '-d', '--name', 'target', 'alpine', 'sleep', '3600'], env);
  const node: number[] = [];
  const ps: number[] = [];
  const inspect: number[] = [];
  const exec: number[] = [];
  const run: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    node.push(timeCommand(process.execPath, ['-e', '0'], env));
    ps.push(timeCommand(bin, ['ps', '-a'], env));
    inspect.push(timeCommand(bin, ['inspect', 'target'], env));
    exec.push(timeCommand(bin, ['exec', 'target', 'true'], env));
    run.push(timeCommand(bin, ['run', '--rm', 'alpine', 'true'], env));
  }
  const n = median(node);
  console.log(`lifecycle with ${CONTAINERS} containers recorded (median of ${RUNS} runs each)`);
  console.log(`  node -e 0                     ${fmt(n)}`);
  console.log(`  ps -a                         ${fmt(median(ps))}   ${(median(ps) / n).toFixed(2)}x node`);
  console.log(`  inspect target                ${fmt(median(inspect))}   ${(median(inspect) / n).toFixed(2)}x node`);
  console.log(`  exec target true              ${fmt(median(exec))}   ${(median(exec) / n).toFixed(2)}x node`);
  console.log(`  run --rm alpine true          ${fmt(median(run))}   exec is ${(median(exec) / median(run)).toFixed(2)}x run`);
} finally {
  spawnSync(bin, ['rm', '-f', 'target'], { env });
  rmSync(root, { recursive: true, force: true });
}
