/**
 * What a container's cgroup, its device rules and its seccomp filter add to start-up:
 * `tsrun run --rm --net=none alpine true` as it is, against the same run without them
 * (`--cgroups=disabled --security-opt seccomp=unconfined`), interleaved in the same run,
 * medians over RUNS runs each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fmt, median, timeCommand } from './stats';

const RUNS = Number(process.env.RUNS ?? 41);
const repo = resolve(__dirname, '../..');
const bin = join(repo, 'bin', 'tsrun');
const tarball = process.env.TSRUN_TEST_IMAGES
  ? join(process.env.TSRUN_TEST_IMAGES, 'alpine-minirootfs-3.20.3-x86_64.tar.gz')
  : resolve(repo, '..', 'shared', 'images', 'alpine-minirootfs-3.20.3-x86_64.tar.gz');

const root = mkdtempSync(join(tmpdir(), 'tsrun-bench-'));
const env = { ...process.env, TSRUN_ROOT: root };
const limited = ['run', '--rm', '--net=none', 'alpine', 'true'];
const bare = ['run', '--rm', '--net=none', '--cgroups=disabled', '--security-opt', 'seccomp=unconfined', 'alpine', 'true'];
try {
  timeCommand(bin, ['image', 'import', tarball, 'alpine'], env);
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
} finally {
  rmSync(root, { recursive: true, force: true });
}
