/**
 * Intents: a command that changes the host in several steps (network create and rm, lab up
 * and down) first writes, under the lock and before its first kernel change, an intent
 * naming every kernel object and record it may create or delete, and removes the intent
 * once it is done. A command killed in between leaves its intent behind; the next command to
 * take the lock (lock.ts) deletes everything the intent names. That one action both rolls
 * back an aborted create (nothing of it stays) and finishes an interrupted removal (what the
 * user asked for), so recovery needs no knowledge of how far the dead command got.
 *
 * An intent is data a later command acts on as root, so what it may name is narrow: host
 * links of the kinds tsrun makes, namespaces named tsrun-*, and network or lab records.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TsrunError } from '../sys/error';
import { fsyncDir, readJson, withoutStaleTemps, writeJsonAtomic } from './atomic';
import { reportForeign } from './foreign';
import { stateRoot } from './root';

export type IntentOp = 'network-create' | 'network-rm' | 'lab-up' | 'lab-down';

/** A host link tsrun may delete: only if it still is of this kind (not a link someone else made since). */
export interface IntentLink {
  name: string;
  kind: 'vlan' | 'dummy' | 'macvlan' | 'ipvlan' | 'veth';
}

export interface Intent {
  op: IntentOp;
  /** The network's id, or the lab's name. */
  subject: string;
  /** In the order they are deleted (a shim before its parent). */
  links: IntentLink[];
  netns: string[];
  /** Paths relative to TSRUN_ROOT: networks/<id>.json, labs/<name>.json. */
  records: string[];
  pid: number;
  started: string;
}

const dir = (): string => join(stateRoot(), 'journal');
const file = (op: IntentOp, subject: string): string => join(dir(), `${op}.${subject}.json`);

const LINK_KINDS: ReadonlyArray<IntentLink['kind']> = ['vlan', 'dummy', 'macvlan', 'ipvlan', 'veth'];
const NETNS = /^tsrun-[a-z][a-z0-9]{0,8}$/;
const RECORD = /^(networks\/[0-9a-f]{64}|labs\/[a-z][a-z0-9]{0,8})\.json$/;
const SUBJECT = /^([0-9a-f]{64}|[a-z][a-z0-9]{0,8})$/;

/** Writes the intent durably; call under the lock, before the first kernel change. */
export function beginIntent(i: Omit<Intent, 'pid' | 'started'>): Intent {
  const intent: Intent = { ...i, pid: process.pid, started: new Date().toISOString() };
  const why = invalid(intent);
  if (why) throw new TsrunError(`internal: refusing to journal ${i.op} ${i.subject}: ${why}`);
  mkdirSync(dir(), { recursive: true, mode: 0o700 });
  writeJsonAtomic(file(intent.op, intent.subject), intent);
  return intent;
}

/** The command got as far as its records say: the intent is no longer needed. */
export function endIntent(i: Pick<Intent, 'op' | 'subject'>): void {
  rmSync(file(i.op, i.subject), { force: true });
  // Durably gone: an intent that outlived a power cut would undo a create that completed.
  fsyncDir(dir());
}

/** Why an intent is not one tsrun wrote, or undefined. */
function invalid(i: Intent): string | undefined {
  if (!i || typeof i !== 'object' || !['network-create', 'network-rm', 'lab-up', 'lab-down'].includes(i.op)) return 'no known op';
  if (typeof i.subject !== 'string' || !SUBJECT.test(i.subject)) return 'its subject is not a network id or lab name';
  if (!Array.isArray(i.links) || !i.links.every((l) => l && typeof l.name === 'string' && /^[^/:\s]{1,15}$/.test(l.name) && LINK_KINDS.includes(l.kind))) {
    return 'it names links tsrun does not make';
  }
  if (!Array.isArray(i.netns) || !i.netns.every((n) => typeof n === 'string' && NETNS.test(n))) return 'it names namespaces that are not tsrun-<lab>';
  if (!Array.isArray(i.records) || !i.records.every((r) => typeof r === 'string' && RECORD.test(r))) return 'it names files that are not network or lab records';
  return undefined;
}

/**
 * The intents of commands that died before finishing. Call under the lock (whoever wrote
 * them held it and no longer does). One readdir when there are none.
 */
export function pendingIntents(): Intent[] {
  let names: string[];
  try {
    names = readdirSync(dir());
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: Intent[] = [];
  for (const name of withoutStaleTemps(dir(), names)) {
    const path = join(dir(), name);
    try {
      const intent = readJson<Intent>(path);
      const why = invalid(intent) ?? (name === `${intent.op}.${intent.subject}.json` ? undefined : 'its name does not match its content');
      if (why) reportForeign(path, `not an intent of tsrun (${why})`);
      else out.push(intent);
    } catch (err) {
      reportForeign(path, (err as Error).message);
    }
  }
  return out;
}

export function recordPath(relative: string): string {
  return join(stateRoot(), relative);
}
