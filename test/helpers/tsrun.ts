/** Runs the built CLI the way a user does, against a state root of the test's own. */
import { execFileSync, spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(__dirname, '../../..');
export const BIN = join(REPO, 'bin', 'tsrun');
export const IMAGES = process.env.TSRUN_TEST_IMAGES ?? resolve(REPO, '..', 'shared', 'images');
export const ALPINE_TARBALL = join(IMAGES, 'alpine-minirootfs-3.20.3-x86_64.tar.gz');

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export class StateRoot {
  readonly dir: string;

  /** A fresh temporary directory, or `dir` (which the caller made). */
  constructor(dir?: string) {
    this.dir = dir ?? mkdtempSync(join(tmpdir(), 'tsrun-test-'));
  }

  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return { ...process.env, TSRUN_ROOT: this.dir, ...extra };
  }

  run(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Result {
    const r: SpawnSyncReturns<string> = spawnSync(BIN, args, {
      env: this.env(opts.env),
      input: opts.input ?? '',
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
  }

  /** The same, without blocking the test's event loop (for tests that serve HTTP). */
  runAsync(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
    return new Promise((done) => {
      const p = spawn(BIN, args, { env: this.env(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.stderr.on('data', (d) => (stderr += d));
      p.on('close', (code) => done({ code: code ?? 128, stdout, stderr }));
    });
  }

  /** Alpine as `ref`: imported, or (as `alpine`) the image store of one import per test process, copied in. */
  importAlpine(ref = 'alpine'): void {
    if (ref !== 'alpine') return importInto(this, ref);
    const from = join(alpineStore(), 'images');
    const to = join(this.dir, 'images');
    // The rootfs files are hard links (containers see the image only as overlay's read-only
    // lower); the records are copies of their own, which a test may damage. A root on
    // another file system (the full-disk test's tmpfs) imports for itself.
    try {
      execFileSync('cp', ['-a', '--link', from, to], { stdio: 'ignore' });
    } catch {
      rmSync(to, { recursive: true, force: true });
      return importInto(this, ref);
    }
    for (const rel of ['index.json', ...readdirSync(to).filter((n) => n !== 'index.json').map((id) => join(id, 'image.json'))]) {
      rmSync(join(to, rel));
      copyFileSync(join(from, rel), join(to, rel));
    }
  }

  containerIds(): string[] {
    const d = join(this.dir, 'containers');
    return existsSync(d) ? readdirSync(d) : [];
  }

  /** Entries of images/ other than index.json (image dirs and any staging leftovers). */
  imageDirs(): string[] {
    const d = join(this.dir, 'images');
    return existsSync(d) ? readdirSync(d).filter((n) => n !== 'index.json') : [];
  }

  /** Mounts anywhere under this root, as the host sees them. */
  mounts(): string[] {
    return readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .filter((l) => l.includes(this.dir));
  }

  /** The networks `network ls` lists, other than the built-in host and none. */
  networkNames(): string[] {
    return this.run(['network', 'ls', '--format', 'json']).stdout.split('\n').filter(Boolean)
      .map((l) => (JSON.parse(l) as { Name: string }).Name).filter((n) => n !== 'host' && n !== 'none');
  }

  /** The pids of this root's supervisor (one at most, unless a test broke it), or of its keeper. */
  supervisors(role: 'supervisor' | 'keeper' = 'supervisor'): number[] {
    const out: number[] = [];
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`${role}.js`)) continue;
        if (readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`TSRUN_ROOT=${this.dir}`)) out.push(Number(pid));
      } catch {
        // gone meanwhile
      }
    }
    return out;
  }

  /**
   * Removes every container, network and lab made under this root, then the root itself,
   * once its supervisor and keeper have left (they do when no container of theirs runs).
   */
  remove(): void {
    if (isRoot && existsSync(this.dir)) {
      const ids = this.run(['ps', '-aq', '--no-trunc']).stdout.split('\n').filter(Boolean);
      if (ids.length > 0) this.run(['rm', '-f', ...ids]);
      for (const name of this.networkNames()) this.run(['network', 'rm', name]);
      for (const m of this.run(['lab', 'status']).stdout.matchAll(/^lab "([a-z0-9]+)"/gm)) this.run(['lab', 'down', '--name', m[1]!]);
      const left = (): number[] => [...this.supervisors(), ...this.supervisors('keeper')];
      for (let i = 0; i < 50 && left().length > 0; i++) spawnSync('sleep', ['0.1']);
      for (const pid of left()) process.kill(pid, 'SIGKILL');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export const isRoot = process.getuid?.() === 0;

function importInto(state: StateRoot, ref: string): void {
  const r = state.run(['image', 'import', ALPINE_TARBALL, ref]);
  if (r.code !== 0) throw new Error(`image import failed: ${r.stderr}`);
}

let alpineTemplate: StateRoot | undefined;

/**
 * A state root holding Alpine, imported once per test process and removed at its exit:
 * an import costs seconds under emulation (the VM stage), and most tests want the same image.
 */
function alpineStore(): string {
  if (!alpineTemplate) {
    const template = new StateRoot();
    importInto(template, 'alpine');
    process.once('exit', () => rmSync(template.dir, { recursive: true, force: true }));
    alpineTemplate = template;
  }
  return alpineTemplate.dir;
}

/** A state root with the Alpine image for fn, removed with all it holds afterwards. */
export async function withState(fn: (s: StateRoot) => Promise<void> | void): Promise<void> {
  const s = new StateRoot();
  try {
    s.importAlpine();
    await fn(s);
  } finally {
    s.remove();
  }
}
