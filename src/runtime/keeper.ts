/**
 * The keeper: the supervisor's parent, and a child subreaper. While the supervisor lives it
 * only waits. If the supervisor dies (killed, or crashed) with containers whose exit it had not
 * collected yet (it was blocked, say on the lock, when they ended), those containers become
 * the keeper's children, still holding their exit status in the kernel: the keeper collects
 * them and, under the lock, settles the supervisor's containers as the next command would
 * (reconcile.ts), with those exit codes instead of "lost"; the others are killed and recorded
 * as a dead monitor's are. Then it leaves, as it does when the supervisor leaves idle.
 *
 * The launcher starts it (setsid, no terminal, cwd /); fd 3 is the launcher's pipe, passed on
 * to the supervisor, which says there when it listens.
 */
import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { identify, type ProcessIdentity } from '../sys/process';
import { PR, prctl } from '../sys/prctl';
import { reapEnded, reapIfEnded } from '../sys/wait';

/** How long it goes on collecting the containers reconcile killed before it leaves them to init. */
const REAP_MS = 5_000;

process.stderr.on('error', () => undefined);
process.on('SIGHUP', () => undefined);
process.on('SIGINT', () => undefined);

prctl(PR.SET_CHILD_SUBREAPER, 1, 'become a child subreaper');
const supervisor = spawn(process.execPath, [join(__dirname, 'supervisor.js')], { cwd: '/', env: process.env, stdio: ['ignore', 'ignore', 'inherit', 3] });
closeSync(3);
const identity = identify(supervisor.pid!);

supervisor.on('exit', (code) => {
  // It left because no container of its own ran: nothing to keep.
  if (code === 0) return;
  process.stderr.write(`tsrun keeper: the supervisor (pid ${identity.pid}) died (${code ?? 'killed'}); settling its containers\n`);
  void settleOrphans(identity);
});

async function settleOrphans(dead: ProcessIdentity): Promise<void> {
  // Loaded only now: a keeper spends its life waiting, and should weigh little meanwhile.
  const { listContainers } = require('../state/containers') as typeof import('../state/containers');
  const { withLock } = require('../state/lock') as typeof import('../state/lock');
  const { reconcile } = require('./reconcile') as typeof import('./reconcile');
  withLock(() => {
    const reaped = new Map<string, number>();
    for (const rec of listContainers()) {
      const monitor = rec.state.monitor;
      if (!monitor || monitor.pid !== dead.pid || monitor.startTime !== dead.startTime || rec.state.pid === 0) continue;
      const status = reapIfEnded(rec.state.pid);
      if (status !== undefined) reaped.set(rec.id, status);
    }
    reconcile(reaped);
  });
  // The containers reconcile killed are our children now: collected, so none stays a zombie.
  for (const end = Date.now() + REAP_MS; reapEnded() && Date.now() < end; ) await sleep(50);
}
