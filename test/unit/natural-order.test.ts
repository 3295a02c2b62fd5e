import test from 'ava';
import { naturalCompare } from '../../src/cli/natural-order';

const sorted = (names: string[]): string[] => [...names].sort(naturalCompare);

test("network ls order, as Docker's CLI sorts names: numbers by value, not digit by digit", (t) => {
  t.deepEqual(sorted(['net10', 'net2', 'net1', 'none', 'host', 'net']), ['host', 'net', 'net1', 'net2', 'net10', 'none']);
  t.deepEqual(sorted(['vlan100', 'vlan20', 'vlan3.5', 'vlan3.40']), ['vlan3.5', 'vlan3.40', 'vlan20', 'vlan100']);
});

test('network ls order: capitals before small letters (byte order), a digit before anything else, fewer leading zeros first', (t) => {
  t.deepEqual(sorted(['b', 'B', 'a', 'A']), ['A', 'B', 'a', 'b']);
  t.deepEqual(sorted(['a-b', 'a1', 'a.b', 'a_b']), ['a1', 'a-b', 'a.b', 'a_b']);
  t.deepEqual(sorted(['n007', 'n7', 'n07', 'n8']), ['n7', 'n07', 'n007', 'n8']);
  t.is(naturalCompare('pub_net', 'pub_net'), 0);
});
