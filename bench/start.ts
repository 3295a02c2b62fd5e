/**
 * Start-up: `tsrun --version` (the CLI alone), `tsrun ps` (the CLI with the state and ffi-rs)
 * and `tsrun run --rm --net=none alpine true` (the CLI, then init) against `node -e 0` (one
 * Node start-up), measured in the same run, interleaved, medians over RUNS runs each.
 */
import { BIN as bin, withAlpine } from './setup';
import { fmt, median, timeCommand } from './stats';

const RUNS = Number(process.env.RUNS ?? 15);
const commands: Array<[string, string[]]> = [
  ['tsrun --version', ['--version']],
  ['tsrun ps', ['ps']],
  ['tsrun run --rm --net=none alpine true', ['run', '--rm', '--net=none', 'alpine', 'true']],
];
withAlpine((env) => {
  // Warm the page cache before measuring.
  timeCommand(bin, ['run', '--rm', 'alpine', 'true'], env);
  timeCommand(process.execPath, ['-e', '0'], env);
  const node: number[] = [];
  const times = commands.map((): number[] => []);
  for (let i = 0; i < RUNS; i++) {
    node.push(timeCommand(process.execPath, ['-e', '0'], env));
    commands.forEach(([, args], c) => times[c]!.push(timeCommand(bin, args, env)));
  }
  const n = median(node);
  console.log(`start-up (median of ${RUNS} runs each)`);
  console.log(`  ${'node -e 0'.padEnd(40)} ${fmt(n)}`);
  commands.forEach(([label], c) => {
    const m = median(times[c]!);
    console.log(`  ${label.padEnd(40)} ${fmt(m)}  ${(m / n).toFixed(2)}x one Node start-up`);
  });
});
