/** Addresses (RTM_*ADDR): what `ip addr` does. */
import { TsrunError } from '../../sys/error';
import { attr, attrString, attrU32, decodeAttrs, encodeAttrs, type Attr } from './attributes';
import { AF_INET, AF_INET6, AF_UNSPEC, afOf, IFA, IFA_F, IFADDRMSG_LEN, NLM_F, RT_SCOPE, RTM } from './constants';
import type { Handle } from './handle';
import { Cidr, Ip } from '../ip';
import type { LinkRef } from './link';
import type { NetlinkError } from './socket';

export interface Addr {
  linkIndex: number;
  family: typeof AF_INET | typeof AF_INET6;
  ip: string;
  prefix: number;
  /** IFA_LOCAL differs from IFA_ADDRESS on point-to-point links only. */
  peer: string | undefined;
  broadcast: string | undefined;
  label: string | undefined;
  scope: number;
  /** IFA_F_* bits (IFA_FLAGS when present: it carries the bits above 8). */
  flags: number;
}

export interface AddrAddOptions {
  /** IPv4 broadcast; computed from the prefix (as `brd +`) unless false or /31, /32. */
  broadcast?: string | false;
  /** IPv6: skip duplicate address detection, as Docker does for container addresses. */
  nodad?: boolean;
  /** Don't add the connected-subnet route. */
  noPrefixRoute?: boolean;
  scope?: number;
}

const SCOPE_NAMES: Record<number, string> = { 0: 'global', 200: 'site', 253: 'link', 254: 'host', 255: 'nowhere' };

/** struct ifaddrmsg { u8 family, prefixlen, flags, scope; u32 index; } */
function ifaddrmsg(family: number, prefix: number, flags: number, scope: number, index: number): Buffer {
  const b = Buffer.alloc(IFADDRMSG_LEN);
  b.writeUInt8(family, 0);
  b.writeUInt8(prefix, 1);
  b.writeUInt8(flags & 0xff, 2);
  b.writeUInt8(scope, 3);
  b.writeUInt32LE(index, 4);
  return b;
}

export function decodeAddr(body: Buffer): Addr {
  const a = decodeAttrs(body.subarray(IFADDRMSG_LEN));
  const address = a.get(IFA.ADDRESS);
  const local = a.get(IFA.LOCAL);
  const ip = Ip.fromBytes(local ?? address ?? Buffer.alloc(4)).toString();
  const peer = local && address && !local.equals(address) ? Ip.fromBytes(address).toString() : undefined;
  const brd = a.get(IFA.BROADCAST);
  return {
    linkIndex: body.readUInt32LE(4),
    family: body.readUInt8(0) as Addr['family'],
    ip,
    prefix: body.readUInt8(1),
    peer,
    broadcast: brd ? Ip.fromBytes(brd).toString() : undefined,
    label: attrString(a.get(IFA.LABEL)),
    scope: body.readUInt8(3),
    flags: attrU32(a.get(IFA.FLAGS)) ?? body.readUInt8(2),
  };
}

function addrAttrs(c: Cidr, opts: AddrAddOptions): { attrs: Attr[]; words: string[]; flags: number } {
  const bytes = c.ip.toBytes();
  const attrs: Attr[] = [];
  const words: string[] = [];
  let flags = 0;
  if (c.family === 4) {
    // As iproute2 does: IFA_LOCAL is the interface's address, IFA_ADDRESS the same on non-p2p links.
    attrs.push(attr.bytes(IFA.LOCAL, bytes), attr.bytes(IFA.ADDRESS, bytes));
    // `brd +`: the last address of the prefix, which /31 and /32 have no room for.
    const brd = opts.broadcast === undefined ? (c.prefix < 31 ? c.at(c.last) : undefined) : opts.broadcast ? Ip.require(opts.broadcast, 'broadcast') : undefined;
    if (brd) {
      attrs.push(attr.bytes(IFA.BROADCAST, brd.toBytes()));
      words.push('brd', opts.broadcast === undefined ? '+' : brd.toString());
    }
  } else {
    attrs.push(attr.bytes(IFA.ADDRESS, bytes));
  }
  if (opts.nodad) {
    flags |= IFA_F.NODAD;
    words.push('nodad');
  }
  if (opts.noPrefixRoute) {
    flags |= IFA_F.NOPREFIXROUTE;
    words.push('noprefixroute');
  }
  if (flags) attrs.push(attr.u32(IFA.FLAGS, flags));
  return { attrs, words, flags };
}

export function addrAdd(h: Handle, link: LinkRef, cidr: string, opts: AddrAddOptions = {}): void {
  const c = Cidr.parse(cidr, 'address');
  const { attrs, words, flags } = addrAttrs(c, opts);
  const scope = opts.scope ?? RT_SCOPE.UNIVERSE;
  if (scope !== RT_SCOPE.UNIVERSE) words.push('scope', SCOPE_NAMES[scope] ?? String(scope));
  h.do({
    ip: ['addr', 'add', `${c}`, ...words, 'dev', link.name],
    type: RTM.NEWADDR,
    flags: NLM_F.CREATE | NLM_F.EXCL,
    body: Buffer.concat([ifaddrmsg(afOf(c.ip), c.prefix, flags, scope, link.index), encodeAttrs(attrs)]),
    explainError: (e: NetlinkError) =>
      e.errno === 'EEXIST'
        ? new TsrunError(`address ${c} is already assigned to ${link.name}`, e.errno)
        : e.errno === 'ENODEV'
          ? new TsrunError(`link ${link.name} does not exist`, e.errno)
          : e,
  });
}

export function addrDel(h: Handle, link: LinkRef, cidr: string): void {
  const c = Cidr.parse(cidr, 'address');
  const bytes = c.ip.toBytes();
  const attrs = c.family === 4 ? [attr.bytes(IFA.LOCAL, bytes), attr.bytes(IFA.ADDRESS, bytes)] : [attr.bytes(IFA.ADDRESS, bytes)];
  h.do({
    ip: ['addr', 'del', `${c}`, 'dev', link.name],
    type: RTM.DELADDR,
    flags: 0,
    body: Buffer.concat([ifaddrmsg(afOf(c.ip), c.prefix, 0, 0, link.index), encodeAttrs(attrs)]),
    explainError: (e: NetlinkError) =>
      e.errno === 'EADDRNOTAVAIL' ? new TsrunError(`address ${c} is not assigned to ${link.name}`, e.errno) : e,
  });
}

/** Addresses of every family, or of one; of every link, or of one. */
export function addrList(h: Handle, filter: { link?: LinkRef; family?: typeof AF_INET | typeof AF_INET6 } = {}): Addr[] {
  const family = filter.family ?? AF_UNSPEC;
  const msgs = h.dump(RTM.GETADDR, ifaddrmsg(family, 0, 0, 0, filter.link?.index ?? 0), ['addr', 'show', ...(filter.link ? ['dev', filter.link.name] : [])]);
  return msgs
    .map((m) => decodeAddr(m.body))
    .filter((a) => (filter.link ? a.linkIndex === filter.link.index : true) && (family === AF_UNSPEC || a.family === family));
}
