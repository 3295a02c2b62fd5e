/**
 * Vector 5, keyrings. The attack: a key the host's root keeps in its session keyring, looked
 * up from inside a container started (or exec'd into) from that session. Docker's seccomp
 * profile refuses keyctl (EPERM); without it (seccomp=unconfined) runc's fresh session
 * keyring per container process still hides the key (ENOKEY).
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { BIN, isRoot } from '../helpers/tsrun';
import { setUpProbe } from './probe';

const setup = setUpProbe(test);
const state = setup.state;

/** Runs CMD on the host in a new session keyring that holds the key "tsrun-host-key". */
function withHostKey(cmd: string[]): string {
  return spawnSync(setup.probe.binary, ['addkey', 'tsrun-host-key', ...cmd], { env: state.env(), encoding: 'utf8', timeout: 60_000 }).stdout;
}

test('the host session\'s key is found on the host, and not from a container run or exec\'d from that session', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  t.regex(withHostKey([setup.probe.binary, 'keyring', 'tsrun-host-key']), /^found key \d+\n$/, 'the probe finds the key where it is');
  t.is(withHostKey([BIN, 'run', '--rm', 'probe', '/probe', 'keyring', 'tsrun-host-key']), 'search=EPERM\n', 'seccomp refuses keyctl');
  const unconfined = ['--security-opt', 'seccomp=unconfined'];
  t.is(withHostKey([BIN, 'run', '--rm', ...unconfined, 'probe', '/probe', 'keyring', 'tsrun-host-key']), 'search=ENOKEY\n', 'a keyring of its own');
  t.is(state.run(['run', '-d', '--name', 'keyless', ...unconfined, 'probe', 'sleep', '300']).code, 0);
  t.is(withHostKey([BIN, 'exec', 'keyless', '/probe', 'keyring', 'tsrun-host-key']), 'search=ENOKEY\n');
  t.is(state.run(['rm', '-f', 'keyless']).code, 0);
});
