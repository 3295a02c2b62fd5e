/**
 * The netlink library against the kernel, each test in throwaway namespaces; after each
 * change iproute2 (`ip -d -j link`, `ip -j addr`, `ip -j route`) must report what the
 * library reports.
 */
import test from 'ava';
import { openSync, closeSync } from 'node:fs';
import { linkAdd, linkByIndex, linkByName, linkDel, linkFind, linkList, linkSetAddress, linkSetDown, linkSetMaster, linkSetMtu, linkSetName, linkSetNoMaster, linkSetNsFd, linkSetUp, type Link } from '../../src/network/netlink/link';
import { addrAdd, addrDel, addrList } from '../../src/network/netlink/addr';
import { routeAdd, routeDel, routeList } from '../../src/network/netlink/route';
import { IFF, AF_INET, AF_INET6, IFA_F } from '../../src/network/netlink/constants';
import type { Handle } from '../../src/network/netlink/handle';
import { withNetns, type TestNetns } from '../helpers/netns';

const isRoot = process.getuid?.() === 0;
test.beforeEach((t) => {
  if (!isRoot) t.fail('needs root: run the suite with sudo');
});

const FLAG_NAMES: Array<[number, string]> = [
  [IFF.BROADCAST, 'BROADCAST'], [IFF.LOOPBACK, 'LOOPBACK'], [IFF.POINTOPOINT, 'POINTOPOINT'], [IFF.NOARP, 'NOARP'],
  [IFF.MULTICAST, 'MULTICAST'], [IFF.UP, 'UP'], [IFF.LOWER_UP, 'LOWER_UP'],
];

interface IpLink {
  ifindex: number;
  ifname: string;
  flags: string[];
  mtu: number;
  operstate: string;
  address: string;
  link?: string;
  link_index?: number;
  master?: string;
  linkinfo?: { info_kind: string; info_data?: Record<string, unknown> };
}

/** The library's view of every link must be iproute2's view. */
function assertLinksMatchIp(t: import('ava').ExecutionContext, ns: TestNetns, h: Handle): Link[] {
  const mine = linkList(h);
  const theirs = ns.ipJson<IpLink[]>(['-d', 'link', 'show']);
  t.deepEqual(mine.map((l) => l.index).sort(), theirs.map((l) => l.ifindex).sort());
  const byIndex = new Map(mine.map((l) => [l.index, l]));
  for (const ip of theirs) {
    const l = byIndex.get(ip.ifindex)!;
    t.is(l.name, ip.ifname);
    t.is(l.mtu, ip.mtu);
    t.is(l.mac, ip.address);
    t.is(l.operstate as string, ip.operstate);
    for (const [bit, name] of FLAG_NAMES) t.is(Boolean(l.flags & bit), ip.flags.includes(name), `${l.name} flag ${name}`);
    t.is(l.kind, ip.linkinfo?.info_kind);
    if (ip.link) t.is(mine.find((x) => x.name === ip.link)?.index, l.parentIndex, `${l.name} parent`);
    if (ip.master) t.is(mine.find((x) => x.name === ip.master)?.index, l.masterIndex, `${l.name} master`);
    if (l.info?.kind === 'macvlan') t.is(ip.linkinfo?.info_data?.mode, l.info.mode);
  }
  return mine;
}

function vethPair(h: Handle, a = 've0', b = 've1'): [Link, Link] {
  return [linkAdd(h, { name: a, kind: 'veth', peer: { name: b } }), linkByName(h, b)];
}

test('veth pair: created, up, peers point at each other', async (t) => {
  await withNetns(1, (ns) => {
    const h = ns.handle();
    const [a, b] = vethPair(h);
    t.is(a.kind, 'veth');
    t.is(a.parentIndex, b.index);
    t.is(b.parentIndex, a.index);
    linkSetUp(h, a);
    linkSetUp(h, b);
    const links = assertLinksMatchIp(t, ns, h);
    t.truthy(links.find((l) => l.name === 've0')!.flags & IFF.UP);
    linkSetDown(h, a);
    t.falsy(linkByName(h, 've0').flags & IFF.UP);
    assertLinksMatchIp(t, ns, h);
    t.is(linkByIndex(h, a.index).name, 've0');
  });
});

test('bridge with a port: master set and cleared', async (t) => {
  await withNetns(1, (ns) => {
    const h = ns.handle();
    const [a] = vethPair(h);
    const br = linkAdd(h, { name: 'br0', kind: 'bridge' });
    t.is(br.kind, 'bridge');
    linkSetMaster(h, a, br);
    t.is(linkByName(h, 've0').masterIndex, br.index);
    assertLinksMatchIp(t, ns, h);
    linkSetNoMaster(h, a);
    t.is(linkByName(h, 've0').masterIndex, undefined);
    assertLinksMatchIp(t, ns, h);
  });
});

for (const mode of ['bridge', 'vepa', 'private', 'passthru'] as const) {
  test(`macvlan mode ${mode}: kind data decoded as iproute2 shows it`, async (t) => {
    await withNetns(1, (ns) => {
      const h = ns.handle();
      const [parent] = vethPair(h);
      const mv = linkAdd(h, { name: 'mv0', kind: 'macvlan', mode, parent, mac: '02:42:ac:10:56:0a', mtu: 1400 });
      t.deepEqual(mv, linkByName(h, 'mv0'), 'linkAdd returns the link it made');
      t.deepEqual(mv.info, { kind: 'macvlan', mode });
      t.is(mv.parentIndex, parent.index);
      t.is(mv.mtu, 1400);
      // passthru takes over the parent's own MAC (the kernel's rule); the others keep theirs.
      t.is(mv.mac, mode === 'passthru' ? linkByName(h, 've0').mac : '02:42:ac:10:56:0a');
      const ip = ns.ipJson<IpLink[]>(['-d', 'link', 'show', 'mv0'])[0]!;
      t.is(ip.linkinfo?.info_data?.mode, mode);
      assertLinksMatchIp(t, ns, h);
      linkDel(h, mv);
      t.is(linkFind(h, 'mv0'), undefined);
    });
  });
}

test('a macvlan created directly in another namespace under a temporary name, renamed to eth0 there', async (t) => {
  await withNetns(2, (host, ctr) => {
    const hh = host.handle();
    const ch = ctr.handle();
    const [parent] = vethPair(hh);
    const fd = openSync(ctr.path, 'r');
    let tmp: Link;
    try {
      tmp = linkAdd(hh, { name: 'tmp1234', kind: 'macvlan', mode: 'bridge', parent, netns: { fd, name: ctr.name, handle: ch } });
    } finally {
      closeSync(fd);
    }
    t.is(linkFind(hh, 'tmp1234'), undefined, 'not in the host namespace');
    t.deepEqual(tmp, linkByName(ch, 'tmp1234'), 'linkAdd returns the link it made, read where it lives');
    linkSetName(ch, tmp, 'eth0');
    linkSetAddress(ch, { index: tmp.index, name: 'eth0' }, '02:42:AC:10:56:0B');
    linkSetMtu(ch, { index: tmp.index, name: 'eth0' }, 1450);
    linkSetUp(ch, { index: tmp.index, name: 'eth0' });
    const eth0 = linkByName(ch, 'eth0');
    t.is(eth0.index, tmp.index);
    t.is(eth0.mac, '02:42:ac:10:56:0b');
    t.is(eth0.mtu, 1450);
    t.is(eth0.kind, 'macvlan');
    t.not(eth0.parentNetnsId, undefined, 'its parent lives in another namespace');
    assertLinksMatchIp(t, ctr, ch);
  });
});

test('a link moved between namespaces by fd', async (t) => {
  await withNetns(2, (a, b) => {
    const ha = a.handle();
    const hb = b.handle();
    const [, peer] = vethPair(ha);
    const fd = openSync(b.path, 'r');
    try {
      linkSetNsFd(ha, peer, fd, b.name);
    } finally {
      closeSync(fd);
    }
    t.is(linkFind(ha, 've1'), undefined);
    t.is(linkByName(hb, 've1').kind, 'veth');
    assertLinksMatchIp(t, a, ha);
    assertLinksMatchIp(t, b, hb);
  });
});

interface IpAddr {
  ifindex: number;
  addr_info: Array<{ family: string; local: string; prefixlen: number; broadcast?: string; scope: string; nodad?: boolean; noprefixroute?: boolean }>;
}

test('IPv4 and IPv6 addresses: added, listed like iproute2, removed', async (t) => {
  await withNetns(1, (ns) => {
    const h = ns.handle();
    const [a] = vethPair(h);
    linkSetUp(h, a);
    addrAdd(h, a, '172.16.86.10/24');
    addrAdd(h, a, '10.0.0.1/31');
    addrAdd(h, a, '2001:db8::10/64', { nodad: true });
    addrAdd(h, a, '2001:db8:1::10/64', { nodad: true, noPrefixRoute: true });
    const mine = addrList(h, { link: a });
    const theirs = ns.ipJson<IpAddr[]>(['addr', 'show', 'dev', 've0'])[0]!.addr_info;
    t.is(mine.length, theirs.length);
    for (const ip of theirs) {
      const m = mine.find((x) => x.ip === ip.local && x.prefix === ip.prefixlen);
      t.truthy(m, `${ip.local}/${ip.prefixlen} missing from addrList`);
      t.is(m!.family, ip.family === 'inet' ? AF_INET : AF_INET6);
      t.is(m!.broadcast, ip.broadcast);
      t.is(Boolean(m!.flags & IFA_F.NODAD), Boolean(ip.nodad));
      t.is(Boolean(m!.flags & IFA_F.NOPREFIXROUTE), Boolean(ip.noprefixroute));
    }
    t.is(mine.find((x) => x.ip === '172.16.86.10')!.broadcast, '172.16.86.255');
    t.is(mine.find((x) => x.ip === '10.0.0.1')!.broadcast, undefined, 'no broadcast on a /31');
    t.deepEqual(addrList(h, { family: AF_INET }).map((x) => x.ip).sort(), ['10.0.0.1', '172.16.86.10']);
    addrDel(h, a, '172.16.86.10/24');
    addrDel(h, a, '2001:db8::10/64');
    const left = ns.ipJson<IpAddr[]>(['addr', 'show', 'dev', 've0'])[0]!.addr_info.map((x) => x.local);
    t.false(left.includes('172.16.86.10'));
    t.false(left.includes('2001:db8::10'));
    t.deepEqual(addrList(h, { link: a }).map((x) => x.ip).sort(), [...left].sort());
  });
});

interface IpRoute {
  dst: string;
  gateway?: string;
  dev: string;
  metric?: number;
  scope?: string;
  protocol?: string;
}

test('routes: via a gateway, dev-only scope link, IPv6 with metric, another table; listed like iproute2', async (t) => {
  await withNetns(1, (ns) => {
    const h = ns.handle();
    const [a] = vethPair(h);
    linkSetUp(h, a);
    linkSetUp(h, linkByName(h, 've1'));
    addrAdd(h, a, '172.16.86.10/24');
    addrAdd(h, a, '2001:db8::10/64', { nodad: true });
    routeAdd(h, { dst: 'default', gateway: '172.16.86.1', dev: a });
    routeAdd(h, { dst: '10.20.0.0/16', dev: a });
    routeAdd(h, { dst: '192.0.2.0/24', gateway: '172.16.86.254', dev: a, metric: 77 });
    routeAdd(h, { dst: 'default', gateway: '2001:db8::1', dev: a });
    routeAdd(h, { dst: '2001:db8:99::/48', dev: a, metric: 5 });
    routeAdd(h, { dst: '198.51.100.0/24', dev: a, table: 100 });
    const v4 = routeList(h, { family: AF_INET });
    const ip4 = ns.ipJson<IpRoute[]>(['route', 'show']);
    t.is(v4.length, ip4.length);
    for (const r of ip4) {
      const m = v4.find((x) => x.dst === r.dst);
      t.truthy(m, `route ${r.dst} missing`);
      t.is(m!.gateway, r.gateway);
      t.is(m!.metric, r.metric);
      t.is(m!.scope === 253 ? 'link' : undefined, r.scope === 'link' ? 'link' : undefined, `${r.dst} scope`);
    }
    t.is(v4.find((x) => x.dst === '10.20.0.0/16')!.scope, 253);
    const v6 = routeList(h, { family: AF_INET6 });
    const ip6 = ns.ipJson<IpRoute[]>(['-6', 'route', 'show']);
    t.deepEqual(v6.map((r) => `${r.dst} ${r.gateway ?? ''} ${r.metric}`).sort(), ip6.map((r) => `${r.dst} ${r.gateway ?? ''} ${r.metric}`).sort());
    t.deepEqual(routeList(h, { table: 100 }).map((r) => r.dst), ns.ipJson<IpRoute[]>(['route', 'show', 'table', '100']).map((r) => r.dst));
    routeDel(h, { dst: 'default', gateway: '172.16.86.1', dev: a });
    t.false(ns.ipJson<IpRoute[]>(['route', 'show']).some((r) => r.dst === 'default'));
  });
});

test('errors name the operation, the object and what went wrong', async (t) => {
  await withNetns(1, (ns) => {
    const h = ns.handle();
    const [a] = vethPair(h);
    t.throws(() => linkAdd(h, { name: 've0', kind: 'bridge' }), {
      message: `a link named ve0 already exists: ip -n ${ns.name} link add name ve0 type bridge: EEXIST (file already exists)`,
    });
    t.throws(() => linkByName(h, 'eth9'), { message: 'link eth9 does not exist' });
    t.throws(() => linkDel(h, { index: 999, name: 'ghost' }), { message: 'link ghost does not exist' });
    addrAdd(h, a, '10.1.1.1/24');
    t.throws(() => addrAdd(h, a, '10.1.1.1/24'), { message: 'address 10.1.1.1/24 is already assigned to ve0' });
    t.throws(() => addrDel(h, a, '10.9.9.9/24'), { message: 'address 10.9.9.9/24 is not assigned to ve0' });
    t.throws(() => linkAdd(h, { name: 'averyveryverylongname', kind: 'bridge' }), {
      message: 'invalid interface name "averyveryverylongname": it must be 1-15 characters long',
    });
    t.throws(() => linkAdd(h, { name: 've0.0', kind: 'vlan', id: 0, parent: a }), { message: 'invalid VLAN id 0: use 1-4094' });
    t.throws(() => linkAdd(h, { name: 've0.4095', kind: 'vlan', id: 4095, parent: a }), { message: 'invalid VLAN id 4095: use 1-4094' });
    linkSetUp(h, a);
    t.throws(() => routeAdd(h, { dst: 'default', gateway: '192.0.2.1', dev: a }), {
      message: 'route default via 192.0.2.1 dev ve0: the gateway is not reachable on a connected subnet',
    });
    t.throws(() => addrAdd(h, a, '10.1.1.300/24'), { message: 'invalid address "10.1.1.300/24": not a CIDR address like 172.16.86.0/24 or 2001:db8::/64' });
    t.throws(() => addrAdd(h, a, '10.1.1.3/33'), { message: 'invalid address "10.1.1.3/33": not a CIDR address like 172.16.86.0/24 or 2001:db8::/64' });
  });
});

test('every change is described as the iproute2 command that makes it', async (t) => {
  await withNetns(1, (ns) => {
    const h = ns.handle();
    const seen: string[] = [];
    h.explain = (c) => seen.push(c);
    const [a] = vethPair(h);
    const mv = linkAdd(h, { name: 'mv0', kind: 'macvlan', mode: 'private', parent: a, mac: '02:42:0a:00:00:02' });
    linkSetUp(h, mv);
    addrAdd(h, mv, '10.0.0.2/24');
    addrAdd(h, mv, 'fd00::2/64', { nodad: true });
    routeAdd(h, { dst: 'default', gateway: '10.0.0.1', dev: mv });
    const p = `ip -n ${ns.name}`;
    t.deepEqual(seen, [
      `${p} link add name ve0 type veth peer name ve1`,
      `${p} link add link ve0 name mv0 address 02:42:0a:00:00:02 type macvlan mode private`,
      `${p} link set dev mv0 up`,
      `${p} addr add 10.0.0.2/24 brd + dev mv0`,
      `${p} addr add fd00::2/64 nodad dev mv0`,
      `${p} route add default via 10.0.0.1 dev mv0`,
    ]);
  });
});
