/** `tsrun stats`: Docker's columns, once (--no-stream) or refreshed every second. */
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveContainer } from '../runtime/lifecycle';
import { reconcile } from '../runtime/reconcile';
import { cpuPercent, sample, type Sample } from '../runtime/stats';
import type { ContainerRecord } from '../state/containers';
import { withLock } from '../state/lock';
import { formatTable } from './table';

/** Go's %.<p>g for the sizes Docker prints: significant digits, no trailing zeros. */
function sig(v: number, p: number): string {
  return String(Number(v.toPrecision(p)));
}

/** go-units BytesSize: binary units, 4 significant digits (memory). */
export function binarySize(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) (n /= 1024), i++;
  return `${sig(n, 4)}${units[i]}`;
}

/** go-units HumanSizeWithPrecision(n, 3): decimal units (network and block I/O). */
export function decimalSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) (n /= 1000), i++;
  return `${sig(n, 3)}${units[i]}`;
}

interface Row {
  rec: ContainerRecord;
  cpu: number;
  now: Sample;
}

function columns(r: Row): Record<string, string> {
  const s = r.now;
  return {
    ID: r.rec.id.slice(0, 12),
    Name: r.rec.name,
    CPUPerc: `${r.cpu.toFixed(2)}%`,
    MemUsage: `${binarySize(s.memUsage)} / ${binarySize(s.memLimit)}`,
    MemPerc: `${s.memLimit > 0 ? ((100 * s.memUsage) / s.memLimit).toFixed(2) : '0.00'}%`,
    NetIO: `${decimalSize(s.netRx)} / ${decimalSize(s.netTx)}`,
    BlockIO: `${decimalSize(s.blkRead)} / ${decimalSize(s.blkWrite)}`,
    PIDs: String(s.pids),
  };
}

function render(rows: Row[], format: string): string {
  if (format === 'json') return rows.map((r) => JSON.stringify({ Container: r.rec.id.slice(0, 12), ...columns(r) })).join('\n');
  return formatTable(
    ['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS'],
    rows.map((r) => {
      const c = columns(r);
      return [c.ID!, c.Name!, c.CPUPerc!, c.MemUsage!, c.MemPerc!, c.NetIO!, c.BlockIO!, c.PIDs!];
    }),
  );
}

/** The containers to show: those named, or every running one. */
function targets(refs: string[]): ContainerRecord[] {
  if (refs.length > 0) return refs.map((r) => resolveContainer(r));
  return withLock(reconcile).filter((c) => c.state.status === 'running');
}

export async function showStats(refs: string[], stream: boolean, format: string): Promise<void> {
  const recs = targets(refs);
  const running = (c: ContainerRecord): boolean => c.state.status === 'running';
  let before = new Map(recs.filter(running).map((c) => [c.id, sample(c)]));
  for (;;) {
    await sleep(1000);
    const rows = recs.map((rec): Row => {
      if (!running(rec)) return { rec, cpu: 0, now: { cpuNs: 0, systemNs: 0, memUsage: 0, memLimit: 0, netRx: 0, netTx: 0, blkRead: 0, blkWrite: 0, pids: 0 } };
      const now = sample(rec);
      return { rec, cpu: cpuPercent(before.get(rec.id)!, now), now };
    });
    const text = render(rows, format);
    if (!stream) return void console.log(text);
    // Docker redraws in place on a terminal.
    process.stdout.write(process.stdout.isTTY ? `\x1b[2J\x1b[H${text}\n` : `${text}\n`);
    before = new Map(rows.map((r) => [r.rec.id, r.now]));
  }
}
