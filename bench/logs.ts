/**
 * The log writer's throughput: `run -d alpine seq 1 N`, timed until the container has exited
 * and its log holds all N lines, against the same `seq` inside `run --rm` with its output to
 * /dev/null (the start-up and the work, without the log), and Docker's json-file driver when
 * Docker is usable (both with `--network none --log-driver json-file`). Podman has no
 * json-file driver of Docker's kind and is not compared here.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { BIN } from '../test/helpers/tsrun';
import { alpineRoot, type Context } from './context';
import { engineArgs, runOptions } from './engines';
import { interleave, median, runCount, timeCommand, timed } from './stats';
import type { Row } from './table';

const LINES = runCount('LINES', 3_000_000);

function out(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
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

/**
 * `run -d` to a complete log: `run -d` returns once the command runs; `wait` returns once the
 * exit is recorded, after the log is closed. The log is checked whole, then the container removed.
 */
function detached(cli: string, pre: string[], runArgs: string[], logPathOf: (id: string) => string, env?: NodeJS.ProcessEnv): () => number {
  return () => {
    let id = '';
    const ms = timed(() => {
      id = out(cli, [...pre, 'run', '-d', ...runArgs, 'seq', '1', String(LINES)], env);
      out(cli, [...pre, 'wait', id], env);
    });
    const lines = lineCount(logPathOf(id));
    out(cli, [...pre, 'rm', id], env);
    if (lines !== LINES) throw new Error(`${cli}: the log holds ${lines} lines, not ${LINES}`);
    return ms;
  };
}

export async function logs(ctx: Context): Promise<Row[]> {
  const s = alpineRoot();
  const { docker } = ctx.engines;
  const tsrunLog = (id: string): string => (JSON.parse(out(BIN, ['inspect', id], s.env())) as Array<{ LogPath: string }>)[0]!.LogPath;
  const t = await interleave(runCount('LOG_RUNS', 1), {
    plain: () => timeCommand(BIN, ['run', '--rm', 'alpine', 'sh', '-c', `seq 1 ${LINES} >/dev/null`], s.env()),
    logged: detached(BIN, [], ['--network', 'none', '--log-driver', 'json-file', 'alpine'], tsrunLog, s.env()),
    ...(docker && {
      docker: detached(docker.cli, engineArgs(docker, []), [...runOptions(docker), '--log-driver', 'json-file', docker.image], (id) =>
        out(docker.cli, engineArgs(docker, ['inspect', '--format', '{{.LogPath}}', id])),
      ),
    }),
  } as Record<string, () => number>);
  return [
    {
      metric: `run -d seq 1 ${LINES} to a complete log`,
      tsrun: median(t.logged!),
      baseline: { label: 'the same seq unlogged', value: median(t.plain!) },
      ...(t.docker && { docker: median(t.docker) }),
      targets: [{ of: 'docker', max: 1.0 }],
    },
  ];
}
