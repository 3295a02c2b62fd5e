/** What the benchmarks share: the built CLI, the Alpine tarball, and a state root with the image imported. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { timeCommand } from './stats';

const repo = resolve(__dirname, '../..');
export const BIN = join(repo, 'bin', 'tsrun');
export const TARBALL = join(process.env.TSRUN_TEST_IMAGES ?? resolve(repo, '..', 'shared', 'images'), 'alpine-minirootfs-3.20.3-x86_64.tar.gz');

/** Runs `fn` with the environment of a fresh state root holding `alpine`; the root is removed after. */
export function withAlpine(fn: (env: NodeJS.ProcessEnv) => void): void {
  const root = mkdtempSync(join(tmpdir(), 'tsrun-bench-'));
  const env = { ...process.env, TSRUN_ROOT: root };
  try {
    timeCommand(BIN, ['image', 'import', TARBALL, 'alpine'], env);
    fn(env);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
