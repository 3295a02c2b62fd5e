/** What every section gets: the engines to compare with, the run count, and state roots holding Alpine. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, StateRoot } from '../test/helpers/tsrun';
import { made } from './cleanup';
import type { Engines } from './engines';
import { timeCommand } from './stats';

export interface Context {
  engines: Engines;
  /** Runs per quick command (RUNS). */
  runs: number;
}

/** A fresh state root with Alpine imported; removed (its containers, networks and labs first) by the cleanup. */
export function alpineRoot(): StateRoot {
  const s = new StateRoot(mkdtempSync(join(tmpdir(), 'tsrun-bench-')));
  made(`state root ${s.dir}`, () => s.remove());
  s.importAlpine();
  return s;
}

/** A timed tsrun command in a state root. */
export const tsrun = (s: StateRoot, args: string[]) => (): number => timeCommand(BIN, args, s.env());

/** A timed `node -e 0`: one Node start-up, the floor every tsrun command stands on. */
export const node = (): number => timeCommand(process.execPath, ['-e', '0']);
