/** The one IP model: parsing with clear errors, canonical text, the bytes netlink carries, prefix arithmetic. */
import test from 'ava';
import { Cidr, Ip } from '../../src/network/ip';

test('an address reads in either family and prints as iproute2 and Docker do', (t) => {
  t.is(String(Ip.parse('2001:DB8:0:0::10')), '2001:db8::10');
  t.deepEqual(Ip.parse('10.1.2.3'), new Ip(4, 0x0a010203n));
  for (const bad of ['10.1.1.300', '10.0.0.0/8', 'fe80::1%eth0', 'pub', '']) t.is(Ip.parse(bad), undefined, bad);
  t.throws(() => Ip.require('10.0.0.256', 'gateway'), { message: 'invalid gateway "10.0.0.256": not an IPv4 or IPv6 address' });
});

test('bytes in network order, of the full width even when the leading ones are zero', (t) => {
  t.is(Ip.require('172.16.86.10', 'a').toBytes().toString('hex'), 'ac10560a');
  t.is(Ip.require('::1', 'a').toBytes().toString('hex'), `${'00'.repeat(15)}01`);
  t.is(Ip.require('::', 'a').toBytes().length, 16);
  t.is(String(Ip.fromBytes(Buffer.from('20010db8000000000000000000000010', 'hex'))), '2001:db8::10');
  t.is(String(Ip.fromBytes(Buffer.from([0, 0, 0, 1]))), '0.0.0.1');
  t.throws(() => Ip.fromBytes(Buffer.alloc(5)), { message: 'address of 5 bytes is neither IPv4 nor IPv6' });
});

test('a CIDR keeps its address; network(), base, last and the IPv4 broadcast come from the prefix', (t) => {
  const c = Cidr.parse('10.1.100.130/25', 'address');
  t.is(String(c), '10.1.100.130/25');
  t.is(String(c.network()), '10.1.100.128/25');
  t.is(String(c.at(c.last)), '10.1.100.255');
  const eight = Cidr.parse('10.0.0.0/8');
  t.is(String(eight.at(eight.last)), '10.255.255.255');
  t.is(String(Cidr.parse('2001:DB8:0:0::10/64')), '2001:db8::10/64');
  t.true(eight.contains(Ip.require('10.9.9.9', 'a')));
  t.false(eight.contains(Ip.require('::a09:909', 'a')), 'never across families');
  t.true(eight.containsCidr(c) && eight.overlaps(c) && !c.containsCidr(eight));
});

test('a bad CIDR is one line naming it; a subnet refuses host bits', (t) => {
  for (const bad of ['10.1.1.300/24', '10.1.1.3/33', '10.1.1.3', '2001:db8::/129', 'pub']) {
    t.throws(() => Cidr.parse(bad, 'address'), { message: `invalid address "${bad}": not a CIDR address like 172.16.86.0/24 or 2001:db8::/64` });
  }
  t.throws(() => Cidr.parseNetwork('172.16.86.5/24'), { message: 'invalid subnet "172.16.86.5/24": it has host bits set (did you mean 172.16.86.0/24?)' });
  t.is(String(Cidr.parseNetwork('2001:db8::/64')), '2001:db8::/64');
});
