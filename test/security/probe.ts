/**
 * The security tests' attacker: test/security/probe.c compiled statically here, and images
 * that carry it (Alpine plus /probe and a setuid-root copy /probe-suid), optionally shaped by
 * the attack (an `etc` that is a symlink out of the root, say).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestFn } from 'ava';
import { isRoot, REPO, StateRoot } from '../helpers/tsrun';
import { importShapedAlpine } from '../helpers/shaped-image';

export class Probe {
  readonly dir = mkdtempSync(join(tmpdir(), 'tsrun-probe-'));
  /** The static probe binary, usable on the host too (the oracles). */
  readonly binary = compiledProbe(this.dir);

  /** Imports Alpine + /probe + /probe-suid as `ref`; `shape` may change the root first. */
  image(state: StateRoot, ref: string, shape: (rootfs: string) => void = () => undefined): void {
    importShapedAlpine(
      state,
      ref,
      (rootfs) => {
        copyFileSync(this.binary, join(rootfs, 'probe'));
        chmodSync(join(rootfs, 'probe'), 0o755);
        copyFileSync(this.binary, join(rootfs, 'probe-suid'));
        chmodSync(join(rootfs, 'probe-suid'), 0o4755);
        shape(rootfs);
      },
      this.dir,
    );
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * probe.c compiled once per source text into .cache/probe/ and shared by every test file and
 * by the VM guests, which see the repository read-only: gcc -static under emulation took
 * minutes per file. Where the cache cannot be written (a guest), it compiles into `dir`.
 */
function compiledProbe(dir: string): string {
  const source = join(REPO, 'test', 'security', 'probe.c');
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 16);
  const cached = join(REPO, '.cache', 'probe', `probe-${hash}`);
  if (existsSync(cached)) return cached;
  const built = join(dir, 'probe');
  execFileSync('gcc', ['-static', '-O2', '-Wall', '-o', built, source], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    mkdirSync(join(REPO, '.cache', 'probe'), { recursive: true });
    const temp = `${cached}.${process.pid}`;
    copyFileSync(built, temp);
    renameSync(temp, cached);
  } catch {
    // A read-only repository (the VM guests): this file keeps its own copy.
  }
  return built;
}

export interface ProbeSetup {
  state: StateRoot;
  /** Set by the file's before hook. */
  probe: Probe;
}

/**
 * A test file's state root with the image `probe`, made in its before hook (`more` may add
 * images) and removed with the probe in its after hook, even on failure.
 */
export function setUpProbe(test: TestFn, more: (s: ProbeSetup) => void = () => undefined): ProbeSetup {
  const setup = { state: new StateRoot() } as ProbeSetup;
  test.before(() => {
    if (!isRoot) return;
    setup.probe = new Probe();
    setup.probe.image(setup.state, 'probe');
    more(setup);
  });
  test.after.always(() => {
    setup.state.remove();
    setup.probe?.remove();
  });
  return setup;
}
