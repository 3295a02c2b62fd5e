/**
 * Podman and Docker, for the table's comparison columns, each when it is installed and usable.
 * Podman runs on a private storage root in a temporary directory (nothing of the machine's own
 * Podman state is touched); Docker is whatever daemon `docker` reaches (DOCKER_HOST honoured).
 * Both get the same Alpine tarball imported under a bench tag. Every container, network and
 * image the bench makes carries the bench's name or label and is removed by the cleanup.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALPINE_TARBALL } from '../test/helpers/tsrun';
import { made } from './cleanup';

export interface Engine {
  name: 'podman' | 'docker';
  /** The CLI and the options every call takes. */
  cli: string;
  base: string[];
  /** The Alpine image, imported. */
  image: string;
  /** The label every bench container carries (the cleanup removes by it). */
  label: string;
}

export interface Engines {
  podman?: Engine;
  docker?: Engine;
  /** Why a column is empty: one line per engine that is not usable. */
  notes: string[];
}

const LABEL = 'tsrun-bench=1';
const BLOB_CACHE = '/var/lib/containers';

export function engineArgs(e: Engine, args: string[]): string[] {
  return [...e.base, ...args];
}

/** Runs an engine command; its stdout. Throws with its stderr if it fails. */
export function engineRun(e: Engine, args: string[]): string {
  const r = spawnSync(e.cli, engineArgs(e, args), { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.error) throw new Error(`${e.cli} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${e.cli} ${args.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/**
 * `run` options for a bench container: labelled for the cleanup, no network. Podman's default
 * raises nofile and nproc, which a root without CAP_SYS_RESOURCE (a container build box, this
 * CI machine) may not: its limits are set to what the others run with.
 */
export function runOptions(e: Engine): string[] {
  return ['--label', e.label, '--network', 'none', ...(e.name === 'podman' ? ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=4096:4096'] : [])];
}

function installed(cli: string): boolean {
  const r = spawnSync(cli, ['--version'], { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

function firstLine(err: unknown): string {
  return ((err as Error).message.split('\n').find((l) => /error/i.test(l)) ?? (err as Error).message.split('\n')[0]!).trim();
}

/** Removes every bench container of the engine (running or not), then the image. */
function removeAllOf(e: Engine): void {
  const ids = engineRun(e, ['ps', '-aq', '--filter', `label=${e.label}`]).split('\n').filter(Boolean);
  if (ids.length > 0) engineRun(e, ['rm', '-f', ...(e.name === 'podman' ? ['-t', '0'] : []), ...ids]);
  spawnSync(e.cli, engineArgs(e, ['rmi', '-f', e.image]), { stdio: 'ignore' });
}

/** Imports the tarball and checks a `run --rm ... true` works; registers the removal. */
function prepare(e: Engine, notes: string[], undoRoot?: () => void): Engine | undefined {
  const undo = made(`${e.name} containers and image`, () => {
    removeAllOf(e);
    undoRoot?.();
  });
  try {
    engineRun(e, ['import', ALPINE_TARBALL, e.image]);
    engineRun(e, ['run', '--rm', ...runOptions(e), e.image, 'true']);
    return e;
  } catch (err) {
    notes.push(`${e.name}: "-": installed, but it cannot run a container here: ${firstLine(err)}`);
    undo();
    return undefined;
  }
}

function podman(notes: string[]): Engine | undefined {
  if (!installed('podman')) {
    notes.push('podman: "-": not installed');
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tsrun-bench-podman-'));
  // runc: Debian's crun 1.8 refuses hybrid cgroup hierarchies (as on this CI machine's kind).
  const base = ['--root', join(dir, 'root'), '--runroot', join(dir, 'run'), '--tmpdir', join(dir, 'tmp'), '--cgroup-manager', 'cgroupfs', '--events-backend', 'file', '--runtime', 'runc'];
  const e: Engine = { name: 'podman', cli: 'podman', base, image: 'localhost/tsrun-bench-alpine', label: LABEL };
  // Made by containers/image on a root Podman's first import, whatever its --root.
  const hadBlobCache = existsSync(BLOB_CACHE);
  return prepare(e, notes, () => {
    // Unmounts and deletes what the private root holds (overlay layers, the network config).
    spawnSync('podman', [...base, 'system', 'reset', '-f'], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
    if (!hadBlobCache) rmSync(BLOB_CACHE, { recursive: true, force: true });
  });
}

function docker(notes: string[]): Engine | undefined {
  if (!installed('docker')) {
    notes.push('docker: "-": not installed');
    return undefined;
  }
  if (spawnSync('docker', ['version'], { stdio: 'ignore' }).status !== 0) {
    notes.push(`docker: "-": the CLI is installed but no daemon answers at ${process.env.DOCKER_HOST ?? 'the default socket'} (docker version failed; set DOCKER_HOST to use one)`);
    return undefined;
  }
  return prepare({ name: 'docker', cli: 'docker', base: [], image: `tsrun-bench-alpine:${process.pid}`, label: LABEL }, notes);
}

export function detectEngines(): Engines {
  const notes: string[] = [];
  const p = podman(notes);
  const d = docker(notes);
  return { ...(p && { podman: p }), ...(d && { docker: d }), notes };
}
