import { tabwrite } from './format/tabwriter';

/** Docker-style columns: its tabwriter's alignment, without the spaces an empty last cell leaves. */
export function formatTable(header: string[], rows: string[][]): string {
  return tabwrite([header, ...rows].map((r) => r.join('\t')).join('\n'))
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n');
}

/**
 * Go's time.Time String() in UTC, as Docker's CreatedAt columns show it:
 * "2024-01-02 15:04:05 +0000 UTC", with the fraction of a second (trailing zeros cut) when
 * Docker keeps one. An empty or unreadable time is Go's zero time.
 */
export function goTime(iso: string, fraction: boolean): string {
  const ms = Date.parse(iso);
  if (!iso || Number.isNaN(ms)) return '0001-01-01 00:00:00 +0000 UTC';
  const d = new Date(ms).toISOString();
  const nanos = /\.(\d+)Z?$/.exec(iso)?.[1] ?? '';
  const frac = fraction ? nanos.replace(/0+$/, '') : '';
  return `${d.slice(0, 10)} ${d.slice(11, 19)}${frac ? `.${frac}` : ''} +0000 UTC`;
}

/** Docker's human durations (go-units HumanDuration): "3 seconds", "About a minute", "2 hours". */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.floor(s / 60);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.round(s / 3600);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.floor(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.floor(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24 / 30)} months`;
  return `${Math.floor(h / 24 / 365)} years`;
}

export function timeAgo(iso: string, now = Date.now()): string {
  return `${humanDuration(now - Date.parse(iso))} ago`;
}

/** go-units' HumanSizeWithPrecision: decimal units; Docker prints reclaimed space with 4 significant digits, image sizes with 3. */
export function humanSize(bytes: number, precision = 4): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < units.length - 1) {
    size /= 1000;
    i++;
  }
  return `${Number(size.toPrecision(precision))}${units[i]}`;
}
