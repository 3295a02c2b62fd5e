/** A container's mounts in `inspect` as Docker shows them: Mounts, HostConfig.Binds/Mounts/Tmpfs, Config.Volumes. */
import type { ContainerRecord } from '../state/containers';
import type { MountConfig } from '../state/mount-config';
import { volumeDir } from '../state/volumes';

/** One entry of the top-level Mounts (--tmpfs mounts are not listed there, as in Docker). */
function mountPoint(m: MountConfig): Record<string, unknown> {
  if (m.type === 'volume') {
    return { Type: 'volume', Name: m.source, Source: volumeDir.data(m.source), Destination: m.target, Driver: 'local', Mode: m.mode, RW: !m.readonly, Propagation: '' };
  }
  return { Type: m.type, Source: m.source, Destination: m.target, Mode: m.mode, RW: !m.readonly, Propagation: m.propagation };
}

export function mountsView(c: ContainerRecord): {
  mounts: Array<Record<string, unknown>>;
  binds: string[] | null;
  hostMounts: Array<Record<string, unknown>> | undefined;
  tmpfs: Record<string, string> | undefined;
  volumes: Record<string, object> | null;
} {
  const all = c.config.mounts ?? [];
  const fromFlag = (o: MountConfig['origin']): MountConfig[] => all.filter((m) => m.origin === o);
  const binds = fromFlag('volume').filter((m) => !m.anonymous).map((m) => m.spec);
  const anonymous = fromFlag('volume').filter((m) => m.anonymous);
  const hostMounts = fromFlag('mount').map((m) => m.api ?? {});
  const tmpfs = fromFlag('tmpfs').map((m) => m.spec.split(/:(.*)/s));
  return {
    mounts: all.filter((m) => m.origin !== 'tmpfs').map(mountPoint),
    binds: binds.length > 0 ? binds : null,
    hostMounts: hostMounts.length > 0 ? hostMounts : undefined,
    tmpfs: tmpfs.length > 0 ? Object.fromEntries(tmpfs.map(([dst, opts]) => [dst!, opts ?? ''])) : undefined,
    volumes: anonymous.length > 0 ? Object.fromEntries(anonymous.map((m) => [m.target, {}])) : null,
  };
}

/** Docker's `ps --filter volume=`: a volume's name, a bind's source, or a mount's destination. */
export function usesVolume(c: ContainerRecord, value: string): boolean {
  return (c.config.mounts ?? []).some((m) => m.type !== 'tmpfs' && (m.source === value || m.target === value));
}

/** `ps --format '{{.Mounts}}'`: each mount's volume name or host source, cut to 15 characters unless --no-trunc. */
export function psMounts(c: ContainerRecord, trunc: boolean): string {
  return mountsView(c).mounts.map((m) => {
    const name = String(m.Name ?? m.Source);
    return trunc && [...name].length > 15 ? `${[...name].slice(0, 14).join('')}…` : name;
  }).join(',');
}

/** `{{.LocalVolumes}}`: how many of its mounts are volumes of the local driver. */
export function localVolumes(c: ContainerRecord): string {
  return String((c.config.mounts ?? []).filter((m) => m.type === 'volume').length);
}
