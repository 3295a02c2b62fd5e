/**
 * The parent side that `run` and `exec` share once the container's process runs: signals sent
 * to tsrun are forwarded to it, its stdio (pipes or pty) is relayed until drained, and its exit
 * status is returned.
 */
import type { ContainerStdio } from './stdio';
import type { PtyRelay } from './tty-relay';

export const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/** Handles the forwarded signals with `handler` until the returned function is called. */
export function onSignals(handler: (sig: NodeJS.Signals) => void): () => void {
  for (const s of FORWARDED_SIGNALS) process.on(s, handler);
  return () => {
    for (const s of FORWARDED_SIGNALS) process.off(s, handler);
  };
}

export interface StartedProcess {
  /** As the host sees it. */
  pid: number;
  /** Its exit code, or 128 + the signal that ended it. */
  exited: Promise<number>;
}

export interface ProcessIo {
  stdio: ContainerStdio;
  pty: PtyRelay | null;
}

/** Waits for the process to end and its output to be copied; forwards tsrun's signals to it meanwhile. */
export async function attach(proc: StartedProcess, io: ProcessIo, forwardSignals: boolean): Promise<number> {
  const off = forwardSignals
    ? onSignals((sig) => {
        try {
          process.kill(proc.pid, sig);
        } catch {
          // already gone: its exit is on the way
        }
      })
    : () => undefined;
  try {
    const code = await proc.exited;
    await Promise.all([io.stdio.drained, io.pty?.drained]);
    return code;
  } finally {
    off();
    io.pty?.stop();
    io.stdio.close();
  }
}
