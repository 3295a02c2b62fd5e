/** Lab records: labs/<name>.json, what `tsrun lab up` built, for status and down. */
import { existsSync, lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, withoutStaleTemps, writeJsonAtomic } from './atomic';
import { reportForeign } from './foreign';
import { stateRoot } from './root';

export interface LabRecord {
  name: string;
  /** The host-side link tsrun networks use: -o parent=<parent>, or <parent>.ID for a VLAN. */
  parent: string;
  /** The named network namespace that plays the LAN's router. */
  router: string;
  created: string;
  subnets: Array<{ subnet: string; gateway: string }>;
  vlans: Array<{ id: number; subnet: string; gateway: string }>;
}

const dir = (): string => join(stateRoot(), 'labs');
const file = (name: string): string => join(dir(), `${name}.json`);

/** The path of a lab's record relative to TSRUN_ROOT (as intents name it). */
export const labRecordPath = (name: string): string => `labs/${name}.json`;

/**
 * The lab recorded as `name`, if the record is tsrun's: `lab down` deletes the link and the
 * namespace it names, so they must be the ones `lab up` derives from the name.
 */
export function readLab(name: string): LabRecord | undefined {
  const path = file(name);
  if (!lstatSync(path, { throwIfNoEntry: false })) return undefined;
  try {
    const lab = readJson<LabRecord>(path);
    if (lab.name === name && lab.parent === `${name}0` && lab.router === `tsrun-${name}`) return lab;
    reportForeign(path, `not a lab record of tsrun (it names ${String(lab.parent)} and ${String(lab.router)})`);
  } catch (err) {
    reportForeign(path, (err as Error).message);
  }
  return undefined;
}

export function listLabs(): LabRecord[] {
  if (!existsSync(dir())) return [];
  return withoutStaleTemps(dir(), readdirSync(dir()))
    .filter((f) => /^[a-z][a-z0-9]{0,8}\.json$/.test(f))
    .map((f) => readLab(f.slice(0, -'.json'.length)))
    .filter((l): l is LabRecord => l !== undefined);
}

export function writeLab(lab: LabRecord): void {
  mkdirSync(dir(), { recursive: true, mode: 0o700 });
  writeJsonAtomic(file(lab.name), lab);
}

export function removeLab(name: string): void {
  rmSync(file(name), { force: true });
}
