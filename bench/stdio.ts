/**
 * The stdio relay: 200 MB written by a container to its stdout and read on the host
 * (`run --rm alpine head -c N /dev/zero | cat >/dev/null`), against the same bytes through a
 * plain pipe inside the container (`sh -c 'head -c N /dev/zero | cat >/dev/null'`): both pay
 * the same start-up, the difference is the relay. Podman and Docker relay the same bytes.
 */
import { BIN } from '../test/helpers/tsrun';
import { alpineRoot, type Context } from './context';
import { engineArgs, runOptions, type Engine } from './engines';
import { interleave, median, runCount, timeCommand } from './stats';
import type { Row } from './table';

const BYTES = 200_000_000;
const producer = ['head', '-c', String(BYTES), '/dev/zero'];

/** `ARGV | cat >/dev/null` through bash, failing if either side fails. */
function piped(argv: string[], env: NodeJS.ProcessEnv = process.env): () => number {
  return () => timeCommand('bash', ['-o', 'pipefail', '-c', `"$@" | cat >/dev/null`, 'bash', ...argv], env);
}

const engine = (e: Engine): (() => number) => piped([e.cli, ...engineArgs(e, ['run', '--rm', ...runOptions(e), e.image, ...producer])]);

export async function stdio(ctx: Context): Promise<Row[]> {
  const s = alpineRoot();
  const { podman, docker } = ctx.engines;
  const t = await interleave(runCount('SLOW_RUNS', 3), {
    inside: () => timeCommand(BIN, ['run', '--rm', 'alpine', 'sh', '-c', `${producer.join(' ')} | cat >/dev/null`], s.env()),
    relay: piped([BIN, 'run', '--rm', 'alpine', ...producer], s.env()),
    ...(podman && { podman: engine(podman) }),
    ...(docker && { docker: engine(docker) }),
  } as Record<string, () => number>);
  return [
    {
      metric: `${BYTES / 1e6} MB stdout relayed to the host`,
      tsrun: median(t.relay!),
      baseline: { label: 'pipe inside the container', value: median(t.inside!) },
      ...(t.podman && { podman: median(t.podman) }),
      ...(t.docker && { docker: median(t.docker) }),
    },
  ];
}
