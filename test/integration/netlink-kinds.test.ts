/**
 * ipvlan, 802.1Q/802.1ad VLANs and dummy links. The CI machine's kernel has none of them:
 * there each test asserts tsrun's clear error (and that iproute2 is refused too, so the
 * kernel really lacks the kind). The VM harness (test/vm) runs this same file in guests
 * whose kernel has them, where the positive checks run.
 */
import test, { type ExecutionContext } from 'ava';
import { linkAdd, linkByName, linkDel, linkFind, linkList, linkSetUp, type LinkAddSpec, type KindSpec } from '../../src/network/netlink/link';
import { IPVLAN_FLAGS, IPVLAN_MODES } from '../../src/network/netlink/kinds/ipvlan';
import type { Handle } from '../../src/network/netlink/handle';
import { withNetns, type TestNetns } from '../helpers/netns';

const isRoot = process.getuid?.() === 0;
test.beforeEach((t) => {
  if (!isRoot) t.fail('needs root: run the suite with sudo');
});

const CONFIG = { ipvlan: 'CONFIG_IPVLAN', vlan: 'CONFIG_VLAN_8021Q', dummy: 'CONFIG_DUMMY' } as const;

/**
 * Creates the link, or, on a kernel without the kind, asserts the error and returns false.
 */
function addOrAssertMissing(t: ExecutionContext, ns: TestNetns, h: Handle, spec: LinkAddSpec & KindSpec, ipArgs: string[]): boolean {
  try {
    linkAdd(h, spec);
    return true;
  } catch (err) {
    const kind = spec.kind as keyof typeof CONFIG;
    t.log(`this kernel has no ${kind}: asserted tsrun's error (the positive check runs in the VM harness)`);
    t.regex((err as Error).message, new RegExp(`^this kernel has no ${kind} support \\(${CONFIG[kind]}\\): ip -n ${ns.name} link add .*: EOPNOTSUPP \\(operation not supported\\): Unknown device type$`));
    const ip = ns.ip(['link', 'add', ...ipArgs]);
    t.not(ip.code, 0, 'iproute2 succeeded where tsrun said the kernel lacks the kind');
    t.regex(ip.out, /Unknown device type/);
    t.is(linkFind(h, spec.name), undefined, 'nothing left behind');
    return false;
  }
}

function parentVeth(h: Handle): { index: number; name: string } {
  const nic = linkAdd(h, { name: 'nic0', kind: 'veth', peer: { name: 'nic1' } });
  linkSetUp(h, nic);
  return nic;
}

for (const mode of Object.keys(IPVLAN_MODES) as Array<keyof typeof IPVLAN_MODES>) {
  for (const flag of Object.keys(IPVLAN_FLAGS) as Array<keyof typeof IPVLAN_FLAGS>) {
    test(`ipvlan mode ${mode} ${flag}`, async (t) => {
      await withNetns(1, (ns) => {
        const h = ns.handle();
        const parent = parentVeth(h);
        const spec = { name: 'ipv0', kind: 'ipvlan', mode, flag, parent } as const;
        if (!addOrAssertMissing(t, ns, h, spec, ['link', 'nic0', 'name', 'ipv0', 'type', 'ipvlan', 'mode', mode, flag])) return;
        const l = linkByName(h, 'ipv0');
        t.deepEqual(l.info, { kind: 'ipvlan', mode, flag });
        t.is(l.parentIndex, parent.index);
        t.is(l.mac, linkByName(h, 'nic0').mac, 'an ipvlan port carries its parent\'s MAC');
        const ip = ns.ipJson(['-d', 'link', 'show', 'ipv0'])[0] as { linkinfo: { info_kind: string; info_data: { mode: string } } };
        t.is(ip.linkinfo.info_kind, 'ipvlan');
        t.is(ip.linkinfo.info_data.mode, mode);
        linkDel(h, l);
      });
    });
  }
}

test('a parent with an ipvlan port refuses a macvlan (the kernel says EBUSY)', async (t) => {
  await withNetns(1, (ns) => {
    const h = ns.handle();
    const parent = parentVeth(h);
    if (!addOrAssertMissing(t, ns, h, { name: 'ipv0', kind: 'ipvlan', mode: 'l2', flag: 'bridge', parent }, ['link', 'nic0', 'name', 'ipv0', 'type', 'ipvlan', 'mode', 'l2'])) return;
    t.throws(() => linkAdd(h, { name: 'mv0', kind: 'macvlan', mode: 'bridge', parent }), { message: /^parent nic0 is busy: .*EBUSY/ });
  });
});

for (const [id, protocol] of [[10, '802.1Q'], [4094, '802.1Q'], [20, '802.1ad']] as const) {
  test(`vlan ${protocol} id ${id}`, async (t) => {
    await withNetns(1, (ns) => {
      const h = ns.handle();
      const parent = parentVeth(h);
      const name = `nic0.${id}`;
      if (!addOrAssertMissing(t, ns, h, { name, kind: 'vlan', id, protocol, parent }, ['link', 'nic0', 'name', name, 'type', 'vlan', 'protocol', protocol, 'id', String(id)])) return;
      const l = linkByName(h, name);
      t.deepEqual(l.info, { kind: 'vlan', id, protocol });
      t.is(l.parentIndex, parent.index);
      const ip = ns.ipJson(['-d', 'link', 'show', name])[0] as { linkinfo: { info_data: { id: number; protocol: string } } };
      t.is(ip.linkinfo.info_data.id, id);
      t.is(ip.linkinfo.info_data.protocol, protocol);
    });
  });
}

test('dummy', async (t) => {
  await withNetns(1, (ns) => {
    const h = ns.handle();
    if (!addOrAssertMissing(t, ns, h, { name: 'dm-0123456789a', kind: 'dummy' }, ['name', 'dm-0123456789a', 'type', 'dummy'])) return;
    const l = linkByName(h, 'dm-0123456789a');
    t.is(l.kind, 'dummy');
    linkSetUp(h, l);
    t.true(linkList(h).some((x) => x.name === 'dm-0123456789a' && x.kind === 'dummy'));
    t.is((ns.ipJson(['-d', 'link', 'show', 'dm-0123456789a'])[0] as { linkinfo: { info_kind: string } }).linkinfo.info_kind, 'dummy');
  });
});
