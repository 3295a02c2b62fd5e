/**
 * The parent's side of a container's mounts: the checks Docker's daemon makes when the
 * container is created, and at each start what init is to mount: -v's missing host
 * directories made, named and anonymous volumes made on first use (with the image's content
 * copied up into an empty one), every source a host path.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { imageRootfs } from '../image/store';
import type { ContainerRecord } from '../state/containers';
import { withLock } from '../state/lock';
import type { MountConfig } from '../state/mount-config';
import { copyUp, ensureVolume, volumeDir } from '../state/volumes';
import { fromNodeError, TsrunError } from '../sys/error';
import { mountOrder } from './mounts';
import type { InitMount } from './spec';

/** --mount never makes a bind's source (-v does): refused at create, as Docker refuses it. */
export function checkMountSources(mounts: MountConfig[]): void {
  for (const m of mounts) {
    if (m.type === 'bind' && !m.createSource && !existsSync(m.source)) {
      throw new TsrunError(`invalid mount config for type "bind": bind source path does not exist: ${m.source}`);
    }
  }
}

/**
 * The container's volumes, made if missing (as Docker makes them when the container is
 * created), the image's content copied into any that is empty. Call under the lock.
 */
export function makeVolumes(rec: ContainerRecord): void {
  for (const m of rec.config.mounts ?? []) {
    if (m.type !== 'volume') continue;
    const fill = (data: string): void => {
      if (!m.noCopy) copyUp(data, imageRootfs(rec.image.id), m.target);
    };
    // A new volume is filled before it appears; one that exists and is empty is filled in place, as Docker does.
    ensureVolume(m.source, null, fill);
    fill(volumeDir.data(m.source));
  }
}

/** What init mounts for the container's mounts; makes what a start needs first. */
export function initMounts(rec: ContainerRecord): InitMount[] {
  const mounts = rec.config.mounts ?? [];
  for (const m of mounts) {
    if (m.type !== 'bind' || !m.createSource || existsSync(m.source)) continue;
    try {
      mkdirSync(m.source, { recursive: true, mode: 0o755 });
    } catch (err) {
      throw fromNodeError(err, `create the host directory ${m.source} for -v ${m.spec}`);
    }
  }
  if (mounts.some((m) => m.type === 'volume')) withLock(() => makeVolumes(rec));
  return mountOrder(mounts).map((m): InitMount => {
    if (m.type === 'tmpfs') return { type: 'tmpfs', target: m.target, flags: m.tmpfs!.flags, data: m.tmpfs!.data };
    const source = m.type === 'volume' ? volumeDir.data(m.source) : m.source;
    return { type: 'bind', source, target: m.target, readonly: m.readonly, propagation: m.propagation, recursive: !m.nonRecursive };
  });
}
