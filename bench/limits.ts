/**
 * What a container's cgroup, its device rules and its seccomp filter add to start-up:
 * `tsrun run --rm --net=none alpine true` as it is, against the same run without them
 * (`--cgroups=disabled --security-opt seccomp=unconfined`), interleaved in the same run,
 * medians over RUNS runs each.
 */
import { BIN as bin, withAlpine } from './setup';
import { fmt, median, timeCommand } from './stats';

const RUNS = Number(process.env.RUNS ?? 41);
const limited = ['run', '--rm', '--net=none', 'alpine', 'true'];
const bare = ['run', '--rm', '--net=none', '--cgroups=disabled', '--security-opt', 'seccomp=unconfined', 'alpine', 'true'];
withAlpine((env) => {
  timeCommand(bin, limited, env);
  timeCommand(bin, bare, env);
  const withLimits: number[] = [];
  const without: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    without.push(timeCommand(bin, bare, env));
    withLimits.push(timeCommand(bin, limited, env));
  }
  const w = median(withLimits);
  const b = median(without);
  console.log(`cgroup, device rules and seccomp on start-up (median of ${RUNS} runs each)`);
  console.log(`  without (--cgroups=disabled, seccomp=unconfined)   ${fmt(b)}`);
  console.log(`  with (the default)                                  ${fmt(w)}`);
  console.log(`  added                                               ${fmt(w - b)}`);
});
