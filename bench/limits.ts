/**
 * What a container's cgroup, its device rules and its seccomp filter add to start-up:
 * `run --rm --net=none alpine true` as it is, against the same run without them
 * (`--cgroups=disabled --security-opt seccomp=unconfined`), interleaved.
 */
import { alpineRoot, tsrun, type Context } from './context';
import { interleave, median } from './stats';
import type { Row } from './table';

export async function limits(ctx: Context): Promise<Row[]> {
  const s = alpineRoot();
  const t = await interleave(ctx.runs, {
    bare: tsrun(s, ['run', '--rm', '--net=none', '--cgroups=disabled', '--security-opt', 'seccomp=unconfined', 'alpine', 'true']),
    limited: tsrun(s, ['run', '--rm', '--net=none', 'alpine', 'true']),
  });
  return [{ metric: 'run with cgroup, devices, seccomp', tsrun: median(t.limited), baseline: { label: 'without them', value: median(t.bare) } }];
}
