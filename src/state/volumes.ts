/**
 * Named volumes of the local driver, as Docker keeps them: TSRUN_ROOT/volumes/<name>/_data
 * is what containers mount, volumes/<name>/volume.json its creation time, labels and
 * options. Made by `volume create`, or on first use by a container (with the image's
 * content at the mount's target copied into it while it is empty, as Docker does). A volume
 * that any container's record names is in use and is not removed. Call under the lock.
 */
import { closeSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TsrunError } from '../sys/error';
import { readJson, writeJsonAtomic } from './atomic';
import { listContainers, type ContainerRecord } from './containers';
import { reportForeign } from './foreign';
import { stateRoot } from './root';

export interface VolumeRecord {
  name: string;
  created: string;
  /** null when none were given (as dockerd 20.10 shows them). */
  labels: Record<string, string> | null;
  /** Driver options: tsrun's local volumes take none (null, as dockerd shows it then). */
  options: null;
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export const volumeDir = {
  all: () => join(stateRoot(), 'volumes'),
  root: (name: string) => join(stateRoot(), 'volumes', checkName(name)),
  data: (name: string) => join(stateRoot(), 'volumes', checkName(name), '_data'),
  record: (name: string) => join(stateRoot(), 'volumes', checkName(name), 'volume.json'),
};

/** A name becomes part of a path only once it is a volume name (no `/`, no leading `.`). */
function checkName(name: string): string {
  if (!NAME.test(name)) throw new TsrunError(`volume name "${name}" is not a local volume name`);
  return name;
}

export function findVolume(name: string): VolumeRecord | undefined {
  if (!NAME.test(name) || !lstatSync(volumeDir.record(name), { throwIfNoEntry: false })) return undefined;
  return readJson<VolumeRecord>(volumeDir.record(name));
}

export function requireVolume(name: string): VolumeRecord {
  const v = findVolume(name);
  if (!v) throw new TsrunError(`No such volume: ${name}`);
  return v;
}

/**
 * Every volume, by name. The temporary directories of a creation or removal that was killed
 * are removed (both happen under the lock this is called under); anything else under
 * volumes/ is reported once and left alone.
 */
export function listVolumes(): VolumeRecord[] {
  const dir = volumeDir.all();
  if (!lstatSync(dir, { throwIfNoEntry: false })) return [];
  const out: VolumeRecord[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (name.startsWith('.tmp-')) {
      rmSync(path, { recursive: true, force: true });
      continue;
    }
    if (!NAME.test(name) || !lstatSync(path).isDirectory()) {
      reportForeign(path, 'not a volume of tsrun');
      continue;
    }
    const v = findVolume(name);
    if (v) out.push(v);
  }
  return out;
}

/** Docker's CreatedAt: RFC 3339 to the second. */
function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

/**
 * The volume `name`, made if it does not exist (with `labels`, or null ones when a container
 * makes it), `fill` writing its first content. Made in a temporary directory and renamed
 * into place, so a killed command leaves no half-made or half-filled volume.
 */
export function ensureVolume(name: string, labels: Record<string, string> | null = null, fill: (data: string) => void = () => undefined): VolumeRecord {
  const existing = findVolume(name);
  if (existing) return existing;
  const volume: VolumeRecord = { name, created: now(), labels, options: null };
  mkdirSync(volumeDir.all(), { recursive: true, mode: 0o700 });
  const tmp = join(volumeDir.all(), `.tmp-${process.pid}-${name}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    mkdirSync(join(tmp, '_data'), { recursive: true, mode: 0o755 });
    fill(join(tmp, '_data'));
    writeJsonAtomic(join(tmp, 'volume.json'), volume);
    // A directory left by a killed removal has no volume.json: it is not a volume, replace it.
    rmSync(volumeDir.root(name), { recursive: true, force: true });
    renameSync(tmp, volumeDir.root(name));
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return volume;
}

/**
 * Docker's copy-up: the image's content at `target` (resolved inside the image's root, never
 * through a link out of it) copied into `data`, an empty volume's directory, with owners,
 * modes, times and links as they are.
 */
export function copyUp(data: string, imageRoot: string, target: string): void {
  if (readdirSync(data).length > 0) return;
  // Loaded here: it brings ffi-rs, which listing containers or volumes never needs.
  const { O, RootDir } = require('../sys/root-dir') as typeof import('../sys/root-dir');
  const root = RootDir.open(imageRoot, 'the image');
  let fd: number;
  try {
    fd = root.open(target, O.PATH | O.DIRECTORY);
  } catch {
    return; // nothing (or no directory) there in the image: nothing to copy
  } finally {
    root.close();
  }
  try {
    // cp reaches the directory through this process's fd: the path it resolved stays the one checked.
    // Required here: node:child_process brings net, dgram and streams, which no listing needs.
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    const r = spawnSync('cp', ['-a', '--', `/proc/${process.pid}/fd/${fd}/.`, data], { encoding: 'utf8' });
    if (r.status !== 0) throw new TsrunError(`copy the image's ${target} into a volume: ${(r.stderr || r.error?.message || '').trim()}`);
  } finally {
    closeSync(fd);
  }
}

/** The containers whose records name the volume (Docker refuses to remove it while any does). */
export function volumeUsers(name: string, containers: ContainerRecord[] = listContainers()): string[] {
  return containers.filter((c) => (c.config.mounts ?? []).some((m) => m.type === 'volume' && m.source === name)).map((c) => c.id);
}

/** Removes the volume and its data; refused while a container uses it. */
export function removeVolume(name: string, containers?: ContainerRecord[]): void {
  requireVolume(name);
  const users = volumeUsers(name, containers);
  if (users.length > 0) throw new TsrunError(`remove ${name}: volume is in use - [${users.join(', ')}]`);
  // Renamed first: a removal killed midway leaves a directory that is no volume, not half of one.
  const tmp = join(volumeDir.all(), `.tmp-rm-${process.pid}-${name}`);
  renameSync(volumeDir.root(name), tmp);
  rmSync(tmp, { recursive: true, force: true });
}

/** The anonymous volumes of a container that is being removed, unless another container uses one. */
export function removeAnonymousVolumes(rec: ContainerRecord): void {
  const anonymous = (rec.config.mounts ?? []).filter((m) => m.type === 'volume' && m.anonymous && findVolume(m.source));
  if (anonymous.length === 0) return;
  const others = listContainers().filter((c) => c.id !== rec.id);
  for (const m of anonymous) if (volumeUsers(m.source, others).length === 0) removeVolume(m.source, others);
}
