import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALPINE_TARBALL, type StateRoot } from './tsrun';

/**
 * Imports Alpine as `ref` after `shape` changed its root (hostile links, extra files). The
 * tarball is left uncompressed: gzip and gunzip of the root cost most of the set-up under
 * emulation (the VM stage).
 */
export function importShapedAlpine(state: StateRoot, ref: string, shape: (rootfs: string) => void, scratch = tmpdir()): void {
  const rootfs = mkdtempSync(join(scratch, 'tsrun-img-'));
  const tarball = `${rootfs}.tar`;
  try {
    execFileSync('tar', ['-xzf', ALPINE_TARBALL, '-C', rootfs]);
    shape(rootfs);
    execFileSync('tar', ['-cf', tarball, '-C', rootfs, '.']);
    const r = state.run(['image', 'import', tarball, ref]);
    if (r.code !== 0) throw new Error(`import ${ref}: ${r.stderr}`);
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
    rmSync(tarball, { force: true });
  }
}
