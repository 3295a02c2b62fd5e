/**
 * Start-up: `tsrun --version` (the CLI alone) and `tsrun run --rm --net=none alpine true` (the
 * CLI, then init) against `node -e 0` (one Node start-up), with Podman's and Docker's same run,
 * all interleaved in one loop.
 */
import { engineArgs, runOptions } from './engines';
import { alpineRoot, node, tsrun, type Context } from './context';
import { median, interleave, timeCommand } from './stats';
import type { Row } from './table';

export async function startUp(ctx: Context): Promise<Row[]> {
  const s = alpineRoot();
  const { podman, docker } = ctx.engines;
  const t = await interleave(ctx.runs, {
    node,
    version: tsrun(s, ['--version']),
    run: tsrun(s, ['run', '--rm', '--net=none', 'alpine', 'true']),
    ...(podman && { podman: () => timeCommand(podman.cli, engineArgs(podman, ['run', '--rm', ...runOptions(podman), podman.image, 'true'])) }),
    ...(docker && { docker: () => timeCommand(docker.cli, engineArgs(docker, ['run', '--rm', ...runOptions(docker), docker.image, 'true'])) }),
  } as Record<string, () => number>);
  const base = { label: 'node -e 0', value: median(t.node!) };
  return [
    { metric: 'tsrun --version', tsrun: median(t.version!), baseline: base },
    {
      metric: 'run --rm --net=none alpine true',
      tsrun: median(t.run!),
      baseline: base,
      ...(t.podman && { podman: median(t.podman) }),
      ...(t.docker && { docker: median(t.docker) }),
      targets: [{ of: 'baseline', max: 2.0 }, { of: 'podman', max: 0.8 }],
    },
  ];
}
