/** A container kept running in the background while a test looks at it from outside. */
import { spawn } from 'node:child_process';
import { BIN, type StateRoot } from './tsrun';

export interface Background {
  /** What the container printed before "ready". */
  output: string;
  stop(): Promise<number>;
}

/**
 * `tsrun run --rm ARGS... alpine sh -c '<prelude>; echo ready; sleep & wait'`: resolves once
 * the container is up. stop() sends SIGTERM to tsrun, which forwards it; the trap exits.
 */
export async function runInBackground(state: StateRoot, args: string[], prelude = 'true'): Promise<Background> {
  const p = spawn(BIN, ['run', '--rm', ...args, 'alpine', 'sh', '-c', `trap "exit 0" TERM; ${prelude}; echo ready; sleep 3600 & wait`], {
    env: state.env(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (err += d));
  const closed = new Promise<number>((resolve) => p.on('close', (code) => resolve(code ?? 128)));
  await Promise.race([
    new Promise<void>((resolve) => {
      const check = (): void => (out.includes('ready\n') ? resolve() : undefined);
      p.stdout.on('data', check);
    }),
    closed.then((code) => {
      throw new Error(`background container exited (${code}) before it was ready: ${err}`);
    }),
  ]);
  return {
    output: out.slice(0, out.indexOf('ready\n')),
    stop: async () => {
      p.kill('SIGTERM');
      return closed;
    },
  };
}
