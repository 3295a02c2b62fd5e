/**
 * A process's identity across time: pid, its start time (in clock ticks since boot, from
 * /proc/PID/stat) and the boot id. A pid alone can be reused after the process died or
 * the host rebooted; all three together cannot.
 */
import { readFileSync } from 'node:fs';

export interface ProcessIdentity {
  pid: number;
  startTime: number;
  bootId: string;
}

let ownBootId: string | undefined;

/** This boot's id (read once: it cannot change while this process lives). */
export function bootId(): string {
  ownBootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  return ownBootId;
}

/** The state letter (field 3) and the start time (field 22) of /proc/PID/stat, or undefined if there is no such process. */
function statOf(pid: number): { state: string; startTime: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: fields resume after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0]!, startTime: Number(fields[19]) };
}

/** Field 22 of /proc/PID/stat, or undefined if there is no such process. */
export function startTimeOf(pid: number): number | undefined {
  return statOf(pid)?.startTime;
}

export function identify(pid: number): ProcessIdentity {
  const startTime = startTimeOf(pid);
  if (startTime === undefined) throw new Error(`process ${pid} is gone`);
  return { pid, startTime, bootId: bootId() };
}

/** Is this exact process still there (not a zombie, not a successor with its pid)? */
export function isAlive(p: ProcessIdentity | null | undefined): boolean {
  const state = stateOf(p);
  return state !== undefined && state !== 'Z';
}

/**
 * isAlive, remembered per process for one pass over many records that name few processes
 * (every detached container names the supervisor): each process's /proc file is read once.
 */
export function aliveOnce(): (p: ProcessIdentity) => boolean {
  const seen = new Map<string, boolean>();
  return (p) => {
    const key = `${p.bootId}/${p.pid}/${p.startTime}`;
    let alive = seen.get(key);
    if (alive === undefined) seen.set(key, (alive = isAlive(p)));
    return alive;
  };
}

/** Is this exact process a zombie: ended, its exit status held for its parent to collect? */
export function isZombie(p: ProcessIdentity | null | undefined): boolean {
  return stateOf(p) === 'Z';
}

/** The state letter (R, S, Z, ...) of this exact process, or undefined if it is gone (or has a successor with its pid). */
function stateOf(p: ProcessIdentity | null | undefined): string | undefined {
  if (!p || p.bootId !== bootId()) return undefined;
  const stat = statOf(p.pid);
  return stat?.startTime === p.startTime ? stat.state : undefined;
}

/** Is some process with this pid there? For a pid written into a file name (a temp's writer, an import's staging). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
