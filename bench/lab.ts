/**
 * `tsrun lab up` against `ip` commands doing the same: the steps are the ones `lab up --explain`
 * reports (netns add, veth pair, links up, the gateway address, forwarding sysctls), recorded on a
 * warm-up run and replayed one command at a time. Each side's lab is taken down untimed
 * (`lab down`; `ip link del` and `ip netns del`) before the next.
 */
import { spawnSync } from 'node:child_process';
import { BIN } from '../test/helpers/tsrun';
import { made } from './cleanup';
import { alpineRoot, type Context } from './context';
import { interleave, median, runCount, timeCommand, timed } from './stats';
import type { Row } from './table';

const NAME = 'tsbench';

export async function lab(_ctx: Context): Promise<Row[]> {
  const s = alpineRoot();
  const up = (): string => {
    const r = spawnSync(BIN, ['lab', 'up', '--explain', '--name', NAME], { env: s.env(), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tsrun lab up failed: ${r.stderr}`);
    return `${r.stdout}${r.stderr}`;
  };
  const down = (): void => void timeCommand(BIN, ['lab', 'down', '--name', NAME], s.env());
  const steps = up().split('\n').filter((l) => l.startsWith('+ ')).map((l) => l.slice(2).split(' '));
  down();
  const parent = `${NAME}0`;
  const router = `tsrun-${NAME}`;
  made(`lab ${NAME}'s links`, () => {
    spawnSync('ip', ['link', 'del', parent], { stdio: 'ignore' });
    spawnSync('ip', ['netns', 'del', router], { stdio: 'ignore' });
  });
  const t = await interleave(runCount('SLOW_RUNS', 3) + 2, {
    tsrun: () => {
      const ms = timeCommand(BIN, ['lab', 'up', '--name', NAME], s.env());
      down();
      return ms;
    },
    ip: () => {
      const ms = timed(() => steps.forEach(([cmd, ...args]) => timeCommand(cmd!, args)));
      timeCommand('ip', ['link', 'del', parent]);
      timeCommand('ip', ['netns', 'del', router]);
      return ms;
    },
  });
  return [{ metric: `lab up (${steps.length} steps)`, tsrun: median(t.tsrun), baseline: { label: 'the same as ip commands', value: median(t.ip) } }];
}
