/**
 * Container start-up: `tsrun run --rm --net=none alpine true` against `node -e 0` (one Node
 * start-up) measured in the same run, interleaved, medians over RUNS runs each.
 */
import { BIN as bin, withAlpine } from './setup';
import { fmt, median, timeCommand } from './stats';

const RUNS = Number(process.env.RUNS ?? 15);
withAlpine((env) => {
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
});
