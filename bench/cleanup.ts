/**
 * What the benchmark made and must remove: every section registers the undo of each thing it
 * creates (state roots, links, namespaces, Podman and Docker objects) as it creates it; main
 * runs them all, newest first, at the end, on failure, SIGINT or SIGTERM.
 */
import { constants } from 'node:os';

const undo: Array<{ what: string; fn: () => void }> = [];

/** Registers the removal of something just made; returns a function that removes it now (and unregisters it). */
export function made(what: string, fn: () => void): () => void {
  const entry = { what, fn };
  undo.push(entry);
  return () => {
    const i = undo.indexOf(entry);
    if (i === -1) return;
    undo.splice(i, 1);
    fn();
  };
}

/** Removes everything still registered, newest first; a failure is reported and the rest still run. */
export function removeAll(): void {
  while (undo.length > 0) {
    const { what, fn } = undo.pop()!;
    try {
      fn();
    } catch (err) {
      console.error(`bench cleanup: ${what}: ${(err as Error).message}`);
    }
  }
}

export function removeAllOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      removeAll();
      process.exit(128 + constants.signals[signal]);
    });
  }
}
