/**
 * The log writer's throughput: `run -d alpine seq 1 N`, timed until the container has exited
 * and its log holds all N lines. Side by side, interleaved: the same `seq` inside
 * `run --rm` with its output to /dev/null (the start-up and the work, without the log), and
 * Docker's json-file driver when a docker daemon is reachable. Medians over RUNS runs each.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { BIN as bin, withAlpine } from './setup';
import { fmt, median, timeCommand } from './stats';

const RUNS = Number(process.env.RUNS ?? 5);
const LINES = Number(process.env.LINES ?? 3_000_000);

function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): string {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout.trim();
}

function lineCount(path: string): number {
  let n = 0;
  const data = readFileSync(path);
  for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) n++;
  return n;
}

/** `run -d` to a complete log: the launcher returns once the command runs; `wait` returns once the monitor recorded its exit, after the log is closed. */
function detached(cli: string, env: NodeJS.ProcessEnv, logPathOf: (id: string) => string): number {
  const t0 = process.hrtime.bigint();
  const id = run(cli, ['run', '-d', 'alpine', 'seq', '1', String(LINES)], env);
  run(cli, ['wait', id], env);
  const t = ms(t0);
  const lines = lineCount(logPathOf(id));
  run(cli, ['rm', id], env);
  if (lines !== LINES) throw new Error(`${cli}: the log holds ${lines} lines, not ${LINES}`);
  return t;
}

const dockerUp = spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0;
withAlpine((env) => {
  timeCommand(bin, ['run', '--rm', 'alpine', 'true'], env);
  const tsrunLog = (id: string): string => (JSON.parse(run(bin, ['inspect', id], env)) as Array<{ LogPath: string }>)[0]!.LogPath;
  const plain: number[] = [];
  const logged: number[] = [];
  const docker: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    plain.push(timeCommand(bin, ['run', '--rm', 'alpine', 'sh', '-c', `seq 1 ${LINES} >/dev/null`], env));
    logged.push(detached(bin, env, tsrunLog));
    if (dockerUp) docker.push(detached('docker', process.env, (id) => run('docker', ['inspect', '--format', '{{.LogPath}}', id], process.env)));
  }
  const p = median(plain);
  const l = median(logged);
  console.log(`json-file log writer, run -d alpine seq 1 ${LINES} to a complete log (median of ${RUNS} runs each)`);
  console.log(`  seq inside run --rm, output to /dev/null   ${fmt(p)}`);
  console.log(`  tsrun run -d, logged                       ${fmt(l)}   ${(l / p).toFixed(2)}x the unlogged run`);
  if (dockerUp) console.log(`  docker run -d, logged (json-file)          ${fmt(median(docker))}   tsrun is ${(l / median(docker)).toFixed(2)}x Docker`);
  else console.log('  docker: no daemon reachable, skipped');
});
