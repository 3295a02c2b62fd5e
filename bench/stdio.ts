/**
 * The stdio relay: 200 MB written by a container to its stdout. Side by side, in the same
 * run and interleaved: the same bytes through a plain pipe inside the container
 * (`sh -c 'head -c N /dev/zero | cat >/dev/null'`), and through tsrun's relay to a reader on
 * the host (`tsrun run ... head -c N /dev/zero | cat >/dev/null`). Both pay the same start-up;
 * the difference is the relay. Medians over RUNS runs each.
 */
import { BIN as bin, withAlpine } from './setup';
import { fmt, median, timeCommand } from './stats';

const RUNS = Number(process.env.RUNS ?? 7);
const BYTES = 200_000_000;
const inside = [bin, 'run', '--rm', 'alpine', 'sh', '-c', `head -c ${BYTES} /dev/zero | cat >/dev/null`];
const relayed = `${bin} run --rm alpine head -c ${BYTES} /dev/zero | cat >/dev/null`;
withAlpine((env) => {
  timeCommand(bin, ['run', '--rm', 'alpine', 'true'], env);
  const plain: number[] = [];
  const relay: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    plain.push(timeCommand(inside[0]!, inside.slice(1), env));
    relay.push(timeCommand('bash', ['-o', 'pipefail', '-c', relayed], env));
  }
  const p = median(plain);
  const r = median(relay);
  console.log(`stdio relay, ${BYTES / 1e6} MB to stdout (median of ${RUNS} runs each)`);
  console.log(`  through a plain pipe inside the container   ${fmt(p)}`);
  console.log(`  through tsrun's relay to the host           ${fmt(r)}`);
  console.log(`  ratio                                       ${(r / p).toFixed(2)}x the plain pipe`);
});
