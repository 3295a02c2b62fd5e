/**
 * Container start-up: `tsrun run --rm --net=none alpine true` against `node -e 0` (one Node
 * start-up) measured in the same run, interleaved, medians over RUNS runs each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fmt, median, timeCommand } from './stats';

const RUNS = Number(process.env.RUNS ?? 15);
const repo = resolve(__dirname, '../..');
const bin = join(repo, 'bin', 'tsrun');
const tarball = process.env.TSRUN_TEST_IMAGES
  ? join(process.env.TSRUN_TEST_IMAGES, 'alpine-minirootfs-3.20.3-x86_64.tar.gz')
  : resolve(repo, '..', 'shared', 'images', 'alpine-minirootfs-3.20.3-x86_64.tar.gz');

const root = mkdtempSync(join(tmpdir(), 'tsrun-bench-'));
const env = { ...process.env, TSRUN_ROOT: root };
try {
  timeCommand(bin, ['image', 'import', tarball, 'alpine'], env);
  // Warm the page cache and Node's compile cache before measuring.
  timeCommand(bin, ['run', '--rm', 'alpine', 'true'], env);
  timeCommand(process.execPath, ['-e', '0'], env);
  const node: number[] = [];
  const run: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    node.push(timeCommand(process.execPath, ['-e', '0'], env));
    run.push(timeCommand(bin, ['run', '--rm', '--net=none', 'alpine', 'true'], env));
  }
  const n = median(node);
  const r = median(run);
  console.log(`container start (median of ${RUNS} runs each)`);
  console.log(`  node -e 0                                  ${fmt(n)}`);
  console.log(`  tsrun run --rm --net=none alpine true      ${fmt(r)}`);
  console.log(`  ratio                                      ${(r / n).toFixed(2)}x one Node start-up`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
