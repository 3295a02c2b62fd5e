/** init's end of the sync socket: blocking reads, since init has nothing else to do. */
import { readSync, writeSync } from 'node:fs';
import { SYNC_FD, type InitMessage, type ParentMessage } from './spec';

let pending = '';
const chunk = Buffer.alloc(64 * 1024);

export function readParentMessage(): ParentMessage {
  for (;;) {
    const nl = pending.indexOf('\n');
    if (nl >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      return JSON.parse(line) as ParentMessage;
    }
    let n: number;
    try {
      n = readSync(SYNC_FD, chunk, 0, chunk.length, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      throw err;
    }
    // The parent is gone: there is nobody to run the container for.
    if (n === 0) process.exit(125);
    pending += chunk.toString('utf8', 0, n);
  }
}

export function sendToParent(msg: InitMessage): void {
  writeSync(SYNC_FD, `${JSON.stringify(msg)}\n`);
}
