/**
 * Crash injection for tests: with TSRUN_FAULT=<point>, the process SIGKILLs itself when it
 * reaches that point, exactly as `kill -9` at that step would. The points are named in
 * docs/architecture.md; tests prove the next command cleans up after each.
 */
export type FaultPoint = 'run:after-record' | 'run:after-plug' | 'run:after-start' | 'rm:after-kill' | 'exec:before-spawn';

export function faultPoint(point: FaultPoint): void {
  if (process.env.TSRUN_FAULT === point) process.kill(process.pid, 'SIGKILL');
}
