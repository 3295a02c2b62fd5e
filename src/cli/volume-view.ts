/** Volumes as Docker's CLI shows them: `volume inspect` JSON, `volume ls` rows and filters. */
import type { ContainerRecord } from '../state/containers';
import { volumeDir, volumeUsers, type VolumeRecord } from '../state/volumes';
import { TsrunError } from '../sys/error';
import { matches, matchLabels, type Filters } from './format/filters';
import { row } from './format/render';
import type { GoStruct } from './format/values';

export function inspectVolume(v: VolumeRecord): Record<string, unknown> {
  return { CreatedAt: v.created, Driver: 'local', Labels: v.labels, Mountpoint: volumeDir.data(v.name), Name: v.name, Options: v.options, Scope: 'local' };
}

/** Docker's `volume ls` table (cli/command/volume/formatter.go). */
export const VOLUME_TABLE = 'table {{.Driver}}\\t{{.Name}}';

export const VOLUME_HEADERS = { Name: 'VOLUME NAME', Driver: 'DRIVER', Scope: 'SCOPE', Mountpoint: 'MOUNTPOINT', Labels: 'LABELS', Links: 'LINKS', Size: 'SIZE' };

export function volumeContext(v: VolumeRecord): GoStruct {
  const labels = v.labels ?? {};
  return row('*formatter.volumeContext', {
    Name: () => v.name,
    Driver: () => 'local',
    Scope: () => 'local',
    Mountpoint: () => volumeDir.data(v.name),
    Labels: () => Object.entries(labels).map(([k, val]) => `${k}=${val}`).join(','),
    Label: (name: string) => labels[name] ?? '',
    // Docker fills these in only for `system df -v`.
    Links: () => 'N/A',
    Size: () => 'N/A',
  });
}

export const VOLUME_FILTERS = ['dangling', 'driver', 'label', 'name'] as const;

/** Docker's volume filters: dangling (no container uses it), driver, label, name (a pattern). */
export function volumeFilter(f: Filters, containers: ContainerRecord[]): (v: VolumeRecord) => boolean {
  const dangling = (f.get('dangling') ?? []).map((d) => {
    if (['true', '1'].includes(d)) return true;
    if (['false', '0'].includes(d)) return false;
    throw new TsrunError(`invalid filter 'dangling=${d}'`);
  });
  return (v) =>
    (dangling.length === 0 || dangling.includes(volumeUsers(v.name, containers).length === 0)) &&
    (!f.has('driver') || f.get('driver')!.includes('local')) &&
    matches(f.get('name'), v.name) &&
    matchLabels(f.get('label'), v.labels ?? {});
}
