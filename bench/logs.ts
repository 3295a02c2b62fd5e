/**
 * The log writer's throughput: `run -d alpine seq 1 N`, timed until the container has exited
 * and its log holds all N lines. Side by side, interleaved: `node -e 0`, the same `seq` inside
 * `run --rm` with its output to /dev/null (the start-up and the work, without the log), and
 * Docker's json-file driver when a docker daemon is reachable (`docker version` answers; the
 * same Alpine tarball imported into it under a bench tag, removed after). Both runs take
 * `--network none --log-driver json-file`. Medians over RUNS runs each.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { BIN as bin, TARBALL, withAlpine } from './setup';
import { fmt, median, timeCommand } from './stats';

const RUNS = Number(process.env.RUNS ?? 5);
const LINES = Number(process.env.LINES ?? 3_000_000);
const DOCKER_IMAGE = 'tsrun-bench-alpine:logs';
const LOGGED = ['--network', 'none', '--log-driver', 'json-file'];

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
function detached(cli: string, env: NodeJS.ProcessEnv, image: string, logPathOf: (id: string) => string): number {
  const t0 = process.hrtime.bigint();
  const id = run(cli, ['run', '-d', ...LOGGED, image, 'seq', '1', String(LINES)], env);
  run(cli, ['wait', id], env);
  const t = ms(t0);
  const lines = lineCount(logPathOf(id));
  run(cli, ['rm', id], env);
  if (lines !== LINES) throw new Error(`${cli}: the log holds ${lines} lines, not ${LINES}`);
  return t;
}

const runs = (s: number[]): string => `   runs: ${s.map((x) => x.toFixed(0)).join(', ')} ms`;

const dockerUp = spawnSync('docker', ['version'], { stdio: 'ignore' }).status === 0;
withAlpine((env) => {
  timeCommand(bin, ['run', '--rm', 'alpine', 'true'], env);
  if (dockerUp) {
    run('docker', ['import', TARBALL, DOCKER_IMAGE], process.env);
    timeCommand('docker', ['run', '--rm', '--network', 'none', DOCKER_IMAGE, 'true'], process.env);
  }
  try {
    const tsrunLog = (id: string): string => (JSON.parse(run(bin, ['inspect', id], env)) as Array<{ LogPath: string }>)[0]!.LogPath;
    const dockerLog = (id: string): string => run('docker', ['inspect', '--format', '{{.LogPath}}', id], process.env);
    const node: number[] = [];
    const plain: number[] = [];
    const logged: number[] = [];
    const docker: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      node.push(timeCommand(process.execPath, ['-e', '0'], env));
      plain.push(timeCommand(bin, ['run', '--rm', 'alpine', 'sh', '-c', `seq 1 ${LINES} >/dev/null`], env));
      logged.push(detached(bin, env, 'alpine', tsrunLog));
      if (dockerUp) docker.push(detached('docker', process.env, DOCKER_IMAGE, dockerLog));
    }
    const p = median(plain);
    const l = median(logged);
    console.log(`json-file log writer, run -d alpine seq 1 ${LINES} to a complete log (median of ${RUNS} runs each)`);
    console.log(`  node -e 0                                  ${fmt(median(node))}${runs(node)}`);
    console.log(`  seq inside run --rm, output to /dev/null   ${fmt(p)}${runs(plain)}`);
    console.log(`  tsrun run -d, logged                       ${fmt(l)}   ${(l / p).toFixed(2)}x the unlogged run${runs(logged)}`);
    if (dockerUp) console.log(`  docker run -d, logged (json-file)          ${fmt(median(docker))}   tsrun is ${(l / median(docker)).toFixed(2)}x Docker${runs(docker)}`);
    else console.log('  docker: no daemon reachable (docker version failed), skipped');
  } finally {
    if (dockerUp) spawnSync('docker', ['rmi', DOCKER_IMAGE], { stdio: 'ignore' });
  }
});
