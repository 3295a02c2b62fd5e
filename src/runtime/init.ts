/**
 * init's entry. Node has started; before anything else is loaded it says "booted", so the
 * parent can move this process into the container's cgroup while the rest of init loads and
 * builds the root (the first move into a cgroup waits for an RCU grace period; here that wait
 * overlaps work). What Node's own start-up took stays charged where it was.
 */
import { writeSync } from 'node:fs';
import { SYNC_FD, type InitMessage } from './spec';

writeSync(SYNC_FD, `${JSON.stringify({ type: 'booted' } satisfies InitMessage)}\n`);
require('./init-process');
