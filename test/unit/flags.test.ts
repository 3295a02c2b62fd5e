/** Flag values and signals as Docker's CLI and daemon take them. */
import test from 'ava';
import { integerFlag, unknownFlags } from '../../src/cli/flags';
import { parseSignal } from '../../src/runtime/signals';

const signals: Array<[string, number]> = [['TERM', 15], ['sigterm', 15], ['SIGHUP', 1], ['9', 9], ['RTMIN', 34], ['RTMIN+3', 37], ['rtmax-1', 63], ['RTMAX', 64], ['64', 64], ['34', 34]];
for (const [text, n] of signals) test(`signal ${text} is ${n}`, (t) => t.is(parseSignal(text), n));

for (const text of ['0', '32', '33', '65', '99', '-1', 'BOGUS', 'RTMIN+16', 'RTMAX-15', 'RTMAX+1', '']) {
  test(`signal "${text}" is refused`, (t) => {
    t.throws(() => parseSignal(text), { message: `invalid signal: ${text} (use a name like TERM, HUP or RTMIN+1, or a number from 1-31 or 34-64)` });
  });
}

test('integer flags: whole numbers with a sign; anything else in Docker\'s form, exit 125', (t) => {
  t.is(integerFlag('stop', '-t, --time', '30', '-t 30'), 30);
  t.is(integerFlag('stop', '-t, --time', '-1', '-t 30'), -1);
  t.is(integerFlag('stop', '-t, --time', '+0', '-t 30'), 0);
  for (const bad of ['abc', '1.5', '', '1e3', '99999999999999999999', 'NaN']) {
    const err = t.throws(() => integerFlag('stop', '-t, --time', bad, '-t 30'), {
      message: `invalid argument "${bad}" for "-t, --time" flag: not a whole number (e.g. -t 30) (see 'tsrun stop --help')`,
    });
    t.is((err as unknown as { exitCode: number }).exitCode, 125);
  }
});

test('unknown flags are named as typed; an extra positional is left as yargs words it', (t) => {
  t.is(unknownFlags('Unknown argument: x', ['network', 'create', '-x']), 'unknown flag: -x');
  t.is(unknownFlags('Unknown arguments: bogus, z', ['ps', '--bogus=1', '-z']), 'unknown flags: --bogus, -z');
  t.is(unknownFlags('Unknown argument: foo', ['ps', 'foo']), 'Unknown argument: foo');
});

test("a verb given no container says so in Docker's words (rm -f $(tsrun ps -qa) with none left)", (t) => {
  t.is(unknownFlags('Not enough non-option arguments: got 0, need at least 1', ['stop']), `"tsrun stop" requires at least 1 argument (see 'tsrun stop --help')`);
  t.is(unknownFlags('Not enough non-option arguments: got 0, need at least 1', ['rm', '-f']), `"tsrun rm" requires at least 1 argument (see 'tsrun rm --help')`);
  t.is(unknownFlags('Not enough non-option arguments: got 0, need at least 1', ['container', 'rm', '-f']), `"tsrun container rm" requires at least 1 argument (see 'tsrun container rm --help')`);
});
