/**
 * Vector 3, the host's binary during exec (the CVE-2019-5736 class). The attack: a process
 * in the container watches /proc as fast as it can while `tsrun exec` runs commands, and
 * tries to read each new process's exe link (the host's node?), open that binary, read its
 * mount table (the host's?) and list its fds (tsrun's?). Docker: runc enters the container
 * non-dumpable (and from a sealed copy of itself), so none of that is reachable.
 */
import test from 'ava';
import { isRoot } from '../helpers/tsrun';
import { setUpProbe } from './probe';

const setup = setUpProbe(test);
const state = setup.state;

test('while exec starts 30 commands, a watcher in the container never reaches a host binary, mount table or fd', async (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  t.is(state.run(['run', '-d', '--name', 'watcher', 'probe', '/probe', 'watch', '120']).code, 0);
  for (let i = 0; i < 30; i++) t.is(state.run(['exec', 'watcher', 'sleep', '0.05']).code, 0);
  // SIGTERM ends the watch; it prints what it saw.
  t.is(state.run(['stop', 'watcher']).code, 0);
  const log = state.run(['logs', 'watcher']).stdout;
  const m = /seen=(\d+) denied=(\d+) findings=(\d+)/.exec(log);
  t.truthy(m, log);
  t.true(Number(m![1]) >= 30, `the watcher saw the exec'd processes (${log})`);
  t.is(Number(m![3]), 0, log);
});
