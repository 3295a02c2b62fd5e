/** The one table `npm run bench` prints: a row per metric, tsrun against its baseline and, when usable, Podman and Docker. */

export type Unit = 'ms' | 'MiB';

export interface Row {
  metric: string;
  unit?: Unit;
  /** tsrun's median. */
  tsrun: number;
  baseline?: { label: string; value: number };
  podman?: number;
  docker?: number;
  /** The targets: tsrun at most `max` times the baseline / Podman / Docker, or at most `max` units. */
  targets?: Array<{ of: 'baseline' | 'podman' | 'docker' | 'absolute'; max: number }>;
}

function show(v: number | undefined, unit: Unit = 'ms'): string {
  if (v === undefined) return '-';
  if (unit === 'MiB') return `${v.toFixed(1)} MiB`;
  if (v >= 10_000) return `${(v / 1000).toFixed(2)} s`;
  return v < 1 ? `${v.toFixed(3)} ms` : `${v.toFixed(1)} ms`;
}

const ratio = (a: number, b: number | undefined): string => (b === undefined ? '-' : `${(a / b).toFixed(2)}x`);

function verdicts(r: Row): string {
  const of = { baseline: r.baseline?.value, podman: r.podman, docker: r.docker };
  return (r.targets ?? [])
    .map((t) => {
      // A machine-wide reading can fall when other processes free memory meanwhile: no verdict then.
      if (t.of === 'absolute' && r.tsrun < 0) return `<= ${t.max} ${r.unit ?? 'ms'}: n/a (negative: other memory freed meanwhile)`;
      if (t.of === 'absolute') return `<= ${t.max} ${r.unit ?? 'ms'}: ${r.tsrun <= t.max ? 'met' : 'NOT met'}`;
      const base = of[t.of];
      const name = t.of === 'baseline' ? 'base' : t.of;
      if (base === undefined) return `<= ${t.max}x ${name}: n/a`;
      return `<= ${t.max}x ${name}: ${r.tsrun / base <= t.max ? 'met' : 'NOT met'}`;
    })
    .join('; ');
}

export function printTable(rows: Row[], notes: string[]): void {
  const header = ['metric', 'tsrun', 'baseline', 'median', 'ratio', 'podman', 'ratio', 'docker', 'ratio', 'target'];
  const lines = rows.map((r) => [
    r.metric,
    show(r.tsrun, r.unit),
    r.baseline?.label ?? '-',
    show(r.baseline?.value, r.unit),
    ratio(r.tsrun, r.baseline?.value),
    show(r.podman, r.unit),
    ratio(r.tsrun, r.podman),
    show(r.docker, r.unit),
    ratio(r.tsrun, r.docker),
    verdicts(r),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ').trimEnd();
  console.log(format(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const l of lines) console.log(format(l));
  console.log('');
  for (const n of notes) console.log(n);
}
