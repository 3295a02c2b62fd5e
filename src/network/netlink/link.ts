/** Links (RTM_*LINK): what `ip link` does. */
import { TsrunError } from '../../sys/error';
import { attr, attrString, attrU32, attrU8, decodeAttrs, encodeAttrs, type Attr } from './attributes';
import { AF_UNSPEC, IFF, IFINFOMSG_LEN, IFLA, IFLA_INFO, NLM_F, OPERSTATES, RTM } from './constants';
import type { Handle } from './handle';
import { bytesToMac, macToBytes } from './mac';
import type { KindCodec } from './kinds/kind';
import { ipvlan, type IpvlanSpec } from './kinds/ipvlan';
import { macvlan, type MacvlanSpec } from './kinds/macvlan';
import { bridge, dummy, type BridgeSpec, type DummySpec } from './kinds/simple';
import { veth, type VethSpec } from './kinds/veth';
import { vlan, type VlanSpec } from './kinds/vlan';
import type { NetlinkError } from './socket';

export type KindSpec = VethSpec | MacvlanSpec | IpvlanSpec | VlanSpec | DummySpec | BridgeSpec;
export type KindInfo = { kind: 'veth' } | MacvlanSpec | IpvlanSpec | Required<VlanSpec> | DummySpec | BridgeSpec;

const KINDS: Record<KindSpec['kind'], KindCodec<never, KindInfo>> = {
  veth: veth as KindCodec<never, KindInfo>,
  macvlan: macvlan as KindCodec<never, KindInfo>,
  ipvlan: ipvlan as KindCodec<never, KindInfo>,
  vlan: vlan as KindCodec<never, KindInfo>,
  dummy: dummy as KindCodec<never, KindInfo>,
  bridge: bridge as KindCodec<never, KindInfo>,
};

function codec<S extends KindSpec>(spec: S): KindCodec<S, KindInfo> {
  return KINDS[spec.kind] as unknown as KindCodec<S, KindInfo>;
}

export interface Link {
  index: number;
  name: string;
  flags: number;
  mtu: number;
  /** MAC address, lowercase; "" for links without one. */
  mac: string;
  operstate: (typeof OPERSTATES)[number];
  txqlen: number;
  /** IFLA_LINK: the parent (macvlan, ipvlan, vlan) or the veth peer; its index may be in another namespace. */
  parentIndex: number | undefined;
  /** Set when parentIndex lives in another namespace (IFLA_LINK_NETNSID). */
  parentNetnsId: number | undefined;
  masterIndex: number | undefined;
  /** The link kind (IFLA_INFO_KIND): "macvlan", "veth", ...; undefined for physical and lo. */
  kind: string | undefined;
  /** Kind data decoded for the kinds tsrun knows. */
  info: KindInfo | undefined;
}

/** Just what an operation needs to name and address a link. */
export type LinkRef = Pick<Link, 'index' | 'name'>;

export interface LinkAddSpec {
  name: string;
  /** Parent link for macvlan, ipvlan and vlan. */
  parent?: LinkRef;
  mtu?: number;
  mac?: string;
  /** Create the link directly in another namespace (IFLA_NET_NS_FD) instead of the handle's. */
  netns?: TargetNetns;
}

/** A namespace a link is created in: an fd of it, its name for `ip ... netns NAME`, a handle there. */
export interface TargetNetns {
  fd: number;
  name: string;
  handle: Handle;
}

const IFNAMSIZ = 16;

/** Kernel interface names: 1-15 bytes, no '/', ':' or whitespace, not "." or "..". */
export function validateLinkName(name: string): string {
  if (name.length === 0 || Buffer.byteLength(name) >= IFNAMSIZ) {
    throw new TsrunError(`invalid interface name "${name}": it must be 1-${IFNAMSIZ - 1} characters long`);
  }
  if (/[/:\s]/.test(name) || name === '.' || name === '..') {
    throw new TsrunError(`invalid interface name "${name}": it cannot contain '/', ':' or spaces`);
  }
  return name;
}

/** struct ifinfomsg { u8 family, pad; u16 type; s32 index; u32 flags, change; } */
export function ifinfomsg(index: number, flags = 0, change = 0): Buffer {
  const b = Buffer.alloc(IFINFOMSG_LEN);
  b.writeUInt8(AF_UNSPEC, 0);
  b.writeInt32LE(index, 4);
  b.writeUInt32LE(flags >>> 0, 8);
  b.writeUInt32LE(change >>> 0, 12);
  return b;
}

export function decodeLink(body: Buffer): Link {
  const a = decodeAttrs(body.subarray(IFINFOMSG_LEN));
  const linkinfo = a.get(IFLA.LINKINFO);
  const li = linkinfo ? decodeAttrs(linkinfo) : undefined;
  const kind = attrString(li?.get(IFLA_INFO.KIND));
  const known = kind !== undefined ? KINDS[kind as KindSpec['kind']] : undefined;
  const mac = a.get(IFLA.ADDRESS);
  const parent = attrU32(a.get(IFLA.LINK));
  const index = body.readInt32LE(4);
  return {
    index,
    name: attrString(a.get(IFLA.IFNAME)) ?? '',
    flags: body.readUInt32LE(8),
    mtu: attrU32(a.get(IFLA.MTU)) ?? 0,
    mac: mac ? bytesToMac(mac) : '',
    operstate: OPERSTATES[attrU8(a.get(IFLA.OPERSTATE)) ?? 0] ?? 'UNKNOWN',
    txqlen: attrU32(a.get(IFLA.TXQLEN)) ?? 0,
    parentIndex: parent !== undefined && parent !== index ? parent : undefined,
    parentNetnsId: attrU32(a.get(IFLA.LINK_NETNSID)),
    masterIndex: attrU32(a.get(IFLA.MASTER)),
    kind,
    info: known ? known.decode(decodeAttrs(li?.get(IFLA_INFO.DATA) ?? Buffer.alloc(0))) : undefined,
  };
}

function noSuchLink(name: string): TsrunError {
  return new TsrunError(`link ${name} does not exist`, 'ENODEV');
}

/** ENODEV/ENOENT: the link is gone; other errors keep the kernel's words. */
function linkMissing(name: string): (e: NetlinkError) => TsrunError {
  return (e) => (e.errno === 'ENODEV' || e.errno === 'ENOENT' ? noSuchLink(name) : e);
}

export function linkList(h: Handle): Link[] {
  return h.dump(RTM.GETLINK, ifinfomsg(0), ['link', 'show']).map((m) => decodeLink(m.body));
}

/** RTM_GETLINK for one link; a missing link is `link X does not exist` (errno ENODEV). */
function getLink(h: Handle, body: Buffer, what: string): Link {
  let reply;
  try {
    [reply] = h.socket.request(RTM.GETLINK, 0, body, h.command(['link', 'show', what]));
  } catch (err) {
    const e = err as NetlinkError;
    if (e.errno === 'ENODEV' || e.errno === 'ENOENT') throw noSuchLink(what);
    throw err;
  }
  if (!reply) throw noSuchLink(what);
  return decodeLink(reply.body);
}

export function linkByName(h: Handle, name: string): Link {
  validateLinkName(name);
  return getLink(h, Buffer.concat([ifinfomsg(0), encodeAttrs([attr.str(IFLA.IFNAME, name)])]), name);
}

/** linkByName, or undefined when there is no such link. */
export function linkFind(h: Handle, name: string): Link | undefined {
  try {
    return linkByName(h, name);
  } catch (err) {
    if ((err as TsrunError).errno === 'ENODEV') return undefined;
    throw err;
  }
}

export function linkByIndex(h: Handle, index: number): Link {
  return getLink(h, ifinfomsg(index), `index ${index}`);
}

function describeAdd(spec: LinkAddSpec & KindSpec): string[] {
  const words = ['link', 'add'];
  if (spec.parent) words.push('link', spec.parent.name);
  words.push('name', spec.name);
  if (spec.netns) words.push('netns', spec.netns.name);
  if (spec.mtu !== undefined) words.push('mtu', String(spec.mtu));
  if (spec.mac !== undefined) words.push('address', spec.mac.toLowerCase());
  words.push('type', spec.kind, ...codec(spec).describe(spec));
  return words;
}

/** What `ip link add` errors mean for the user. */
function addError(spec: LinkAddSpec & KindSpec): (e: NetlinkError) => TsrunError {
  return (e) => {
    const k = codec(spec);
    if (e.errno === 'EOPNOTSUPP' || /Unknown device type/i.test(e.extAck ?? '')) {
      return new TsrunError(`this kernel has no ${spec.kind} support (${k.config}): ${e.message}`, e.errno);
    }
    if (e.errno === 'EEXIST') return new TsrunError(`a link named ${spec.name} already exists: ${e.message}`, e.errno);
    if (e.errno === 'EBUSY' && spec.parent) {
      return new TsrunError(`parent ${spec.parent.name} is busy: ${e.message}`, e.errno);
    }
    return e;
  };
}

/**
 * `ip link add`, returning the link made (its index, kind, MAC ...). The kernel acknowledges
 * RTM_NEWLINK without describing the link (it honours NLM_F_ECHO for links only from Linux 6.3,
 * and never into another namespace), so the link is read back by name where it now lives.
 */
export function linkAdd(h: Handle, spec: LinkAddSpec & KindSpec): Link {
  validateLinkName(spec.name);
  if (spec.kind === 'veth') validateLinkName(spec.peer.name);
  const k = codec(spec);
  const data = k.encode(spec as never);
  const attrs: Attr[] = [
    attr.str(IFLA.IFNAME, spec.name),
    attr.nest(IFLA.LINKINFO, [attr.str(IFLA_INFO.KIND, spec.kind), ...(data.length ? [attr.nest(IFLA_INFO.DATA, data)] : [])]),
  ];
  if (spec.parent) attrs.push(attr.u32(IFLA.LINK, spec.parent.index));
  if (spec.mtu !== undefined) attrs.push(attr.u32(IFLA.MTU, spec.mtu));
  if (spec.mac !== undefined) attrs.push(attr.bytes(IFLA.ADDRESS, macToBytes(spec.mac)));
  if (spec.netns) attrs.push(attr.u32(IFLA.NET_NS_FD, spec.netns.fd));
  h.do({
    ip: describeAdd(spec),
    type: RTM.NEWLINK,
    flags: NLM_F.CREATE | NLM_F.EXCL,
    body: Buffer.concat([ifinfomsg(0), encodeAttrs(attrs)]),
    explainError: addError(spec),
  });
  return linkByName(spec.netns?.handle ?? h, spec.name);
}

export function linkDel(h: Handle, link: LinkRef): void {
  h.do({ ip: ['link', 'del', link.name], type: RTM.DELLINK, flags: 0, body: ifinfomsg(link.index), explainError: linkMissing(link.name) });
}

function linkSet(h: Handle, link: LinkRef, words: string[], attrs: Attr[], flags = 0, change = 0): void {
  h.do({
    ip: ['link', 'set', 'dev', link.name, ...words],
    type: RTM.NEWLINK,
    flags: 0,
    body: Buffer.concat([ifinfomsg(link.index, flags, change), encodeAttrs(attrs)]),
    explainError: linkMissing(link.name),
  });
}

export function linkSetUp(h: Handle, link: LinkRef): void {
  linkSet(h, link, ['up'], [], IFF.UP, IFF.UP);
}

export function linkSetDown(h: Handle, link: LinkRef): void {
  linkSet(h, link, ['down'], [], 0, IFF.UP);
}

export function linkSetName(h: Handle, link: LinkRef, name: string): void {
  validateLinkName(name);
  h.do({
    ip: ['link', 'set', 'dev', link.name, 'name', name],
    type: RTM.NEWLINK,
    flags: 0,
    body: Buffer.concat([ifinfomsg(link.index), encodeAttrs([attr.str(IFLA.IFNAME, name)])]),
    explainError: (e) =>
      e.errno === 'EEXIST' ? new TsrunError(`cannot rename ${link.name}: a link named ${name} already exists`, e.errno) : linkMissing(link.name)(e),
  });
}

export function linkSetAddress(h: Handle, link: LinkRef, mac: string): void {
  linkSet(h, link, ['address', mac.toLowerCase()], [attr.bytes(IFLA.ADDRESS, macToBytes(mac))]);
}

export function linkSetMtu(h: Handle, link: LinkRef, mtu: number): void {
  linkSet(h, link, ['mtu', String(mtu)], [attr.u32(IFLA.MTU, mtu)]);
}

export function linkSetMaster(h: Handle, link: LinkRef, master: LinkRef): void {
  linkSet(h, link, ['master', master.name], [attr.u32(IFLA.MASTER, master.index)]);
}

export function linkSetNoMaster(h: Handle, link: LinkRef): void {
  linkSet(h, link, ['nomaster'], [attr.u32(IFLA.MASTER, 0)]);
}

/** Moves the link into the namespace of `nsFd`; `nsName` names it in the explained command. */
export function linkSetNsFd(h: Handle, link: LinkRef, nsFd: number, nsName: string): void {
  linkSet(h, link, ['netns', nsName], [attr.u32(IFLA.NET_NS_FD, nsFd)]);
}
