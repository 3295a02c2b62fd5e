/**
 * `tsrun restart`: stop (SIGTERM, SIGKILL after the grace period) and start again, detached.
 * As Docker's, a --rm container is kept across its restart: its monitor records the end
 * instead of removing it, and the start that follows clears the mark.
 */
import { containerById, writeContainerRecord } from '../state/containers';
import { withLock } from '../state/lock';
import { startDetached } from './detach';
import { faultPoint } from './fault';
import { resolveContainer, stopContainer } from './lifecycle';

export async function restartContainer(ref: string, timeoutSec: number, explain: boolean): Promise<void> {
  const rec = resolveContainer(ref);
  if (rec.state.status === 'running') {
    withLock(() => {
      const now = containerById(rec.id);
      if (now?.state.status !== 'running') return;
      now.state.keepOnExit = true;
      writeContainerRecord(now);
    });
    await stopContainer(rec.id, timeoutSec);
    faultPoint('restart:after-stop');
  }
  await startDetached(rec.id, explain);
}
