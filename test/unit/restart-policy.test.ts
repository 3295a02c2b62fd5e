import test from 'ava';
import { Backoff, parseRestartPolicy, shouldRestart } from '../../src/runtime/restart-policy';

test('--restart values parse as Docker 20.10 takes them', (t) => {
  t.deepEqual(parseRestartPolicy('no', false), { name: 'no', maximumRetryCount: 0 });
  t.deepEqual(parseRestartPolicy('always', false), { name: 'always', maximumRetryCount: 0 });
  t.deepEqual(parseRestartPolicy('unless-stopped', false), { name: 'unless-stopped', maximumRetryCount: 0 });
  t.deepEqual(parseRestartPolicy('on-failure', false), { name: 'on-failure', maximumRetryCount: 0 });
  t.deepEqual(parseRestartPolicy('on-failure:5', false), { name: 'on-failure', maximumRetryCount: 5 });
  t.deepEqual(parseRestartPolicy('no', true), { name: 'no', maximumRetryCount: 0 }, '--rm with no policy');
});

test("bad --restart values get Docker's words", (t) => {
  const msg = (v: string, rm = false): string | undefined => t.throws(() => parseRestartPolicy(v, rm))?.message;
  t.is(msg('always:2:3'), 'invalid restart policy format');
  t.is(msg('on-failure:x'), 'maximum retry count must be an integer');
  t.is(msg('on-failure:1.5'), 'maximum retry count must be an integer');
  t.is(msg('sometimes'), "invalid restart policy 'sometimes'");
  t.is(msg('always:3'), "maximum retry count cannot be used with restart policy 'always'");
  t.is(msg('on-failure:-1'), 'maximum retry count cannot be negative');
  t.is(msg('always', true), 'Conflicting options: --restart and --rm');
});

test('who restarts: always and unless-stopped whatever the code, on-failure on a non-zero code up to N times', (t) => {
  t.false(shouldRestart(undefined, 1, 0));
  t.false(shouldRestart({ name: 'no', maximumRetryCount: 0 }, 1, 0));
  t.true(shouldRestart({ name: 'always', maximumRetryCount: 0 }, 0, 100));
  t.true(shouldRestart({ name: 'unless-stopped', maximumRetryCount: 0 }, 0, 100));
  t.false(shouldRestart({ name: 'on-failure', maximumRetryCount: 0 }, 0, 0));
  t.true(shouldRestart({ name: 'on-failure', maximumRetryCount: 0 }, 1, 1000));
  t.true(shouldRestart({ name: 'on-failure', maximumRetryCount: 2 }, 1, 1));
  t.false(shouldRestart({ name: 'on-failure', maximumRetryCount: 2 }, 1, 2));
});

test("the back-off doubles from 100 ms to a minute, and starts over after a run of 10 s (moby's restartmanager)", (t) => {
  const b = new Backoff();
  const waits = Array.from({ length: 12 }, () => b.next(50));
  t.deepEqual(waits, [100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000]);
  t.is(b.next(10_000), 100);
  t.is(b.next(9_999), 200);
});
