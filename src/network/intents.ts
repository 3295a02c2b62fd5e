/**
 * Carrying out an intent (state/journal.ts): deleting every host link, namespace and record
 * it names that still exists. Run by the next command to take the lock after one that was
 * killed, and by `network rm` of a record too broken to read.
 */
import { rmSync } from 'node:fs';
import { endIntent, recordPath, type Intent } from '../state/journal';
import { TsrunError } from '../sys/error';
import { Handle } from './netlink/handle';
import { linkDel, linkFind } from './netlink/link';
import { netnsDel } from './netns';

/** Deletes what the intent names, links first (a shim before its parent), then namespaces, then records. */
export function carryOut(h: Handle, i: Intent): void {
  for (const l of i.links) {
    const link = linkFind(h, l.name);
    // A link of another kind under that name is not the one the intent made: left alone.
    if (link && link.kind === l.kind) linkDel(h, link);
  }
  for (const n of i.netns) netnsDel(n, h.explain);
  for (const r of i.records) rmSync(recordPath(r), { force: true });
}

const DONE: Record<Intent['op'], string> = {
  'network-create': 'undone',
  'network-rm': 'finished',
  'lab-up': 'undone',
  'lab-down': 'finished',
};

/** Finishes the intents of killed commands. Call under the lock, with nothing else of the lock's work begun. */
export function recoverIntents(pending: Intent[]): void {
  const h = Handle.current();
  try {
    for (const i of pending) {
      const what = `${i.op.replace('-', ' ')} of ${i.subject.slice(0, 12)} (pid ${i.pid}, ${i.started})`;
      try {
        carryOut(h, i);
        endIntent(i);
        process.stderr.write(`tsrun: ${what} was interrupted; ${DONE[i.op]} now\n`);
      } catch (err) {
        if (!(err instanceof TsrunError)) throw err;
        process.stderr.write(`tsrun: ${what} was interrupted and could not be ${DONE[i.op]} yet (the next command retries): ${err.message}\n`);
      }
    }
  } finally {
    h.close();
  }
}
