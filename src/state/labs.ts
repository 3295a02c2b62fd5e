/** Lab records: labs/<name>.json, what `tsrun lab up` built, for status and down. */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, writeJsonAtomic } from './atomic';
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

export function readLab(name: string): LabRecord | undefined {
  return existsSync(file(name)) ? readJson<LabRecord>(file(name)) : undefined;
}

export function listLabs(): LabRecord[] {
  return existsSync(dir()) ? readdirSync(dir()).filter((f) => f.endsWith('.json')).map((f) => readJson<LabRecord>(join(dir(), f))) : [];
}

export function writeLab(lab: LabRecord): void {
  mkdirSync(dir(), { recursive: true, mode: 0o700 });
  writeJsonAtomic(file(lab.name), lab);
}

export function removeLab(name: string): void {
  rmSync(file(name), { force: true });
}
