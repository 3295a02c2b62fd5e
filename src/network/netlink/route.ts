/** Routes (RTM_*ROUTE): what `ip route` does. */
import { TsrunError } from '../../sys/error';
import { attr, attrU32, decodeAttrs, encodeAttrs, type Attr } from './attributes';
import { AF_INET, AF_INET6, AF_UNSPEC, afOf, NLM_F, RT_SCOPE, RT_TABLE, RTA, RTM, RTMSG_LEN, RTN, RTPROT } from './constants';
import type { Handle } from './handle';
import { Cidr, Ip } from '../ip';
import type { LinkRef } from './link';
import type { NetlinkError } from './socket';

export interface Route {
  family: typeof AF_INET | typeof AF_INET6;
  /** "default" or a CIDR. */
  dst: string;
  gateway: string | undefined;
  linkIndex: number | undefined;
  prefsrc: string | undefined;
  metric: number | undefined;
  table: number;
  scope: number;
  protocol: number;
  type: number;
}

export interface RouteSpec {
  /** A CIDR, or "default" (the family then comes from the gateway, else `family`). */
  dst: string;
  gateway?: string;
  dev?: LinkRef;
  family?: typeof AF_INET | typeof AF_INET6;
  metric?: number;
  table?: number;
  src?: string;
}

/** struct rtmsg { u8 family, dst_len, src_len, tos, table, protocol, scope, type; u32 flags; } */
function rtmsg(family: number, dstLen: number, table: number, protocol: number, scope: number, type: number): Buffer {
  const b = Buffer.alloc(RTMSG_LEN);
  b.writeUInt8(family, 0);
  b.writeUInt8(dstLen, 1);
  b.writeUInt8(table < 256 ? table : RT_TABLE.UNSPEC, 4);
  b.writeUInt8(protocol, 5);
  b.writeUInt8(scope, 6);
  b.writeUInt8(type, 7);
  return b;
}

export function decodeRoute(body: Buffer): Route {
  const a = decodeAttrs(body.subarray(RTMSG_LEN));
  const family = body.readUInt8(0) as Route['family'];
  const dstLen = body.readUInt8(1);
  const dst = a.get(RTA.DST);
  const gw = a.get(RTA.GATEWAY);
  const src = a.get(RTA.PREFSRC);
  return {
    family,
    dst: dst ? `${Ip.fromBytes(dst)}/${dstLen}` : dstLen === 0 ? 'default' : `?/${dstLen}`,
    gateway: gw ? Ip.fromBytes(gw).toString() : undefined,
    linkIndex: attrU32(a.get(RTA.OIF)),
    prefsrc: src ? Ip.fromBytes(src).toString() : undefined,
    metric: attrU32(a.get(RTA.PRIORITY)),
    table: attrU32(a.get(RTA.TABLE)) ?? body.readUInt8(4),
    scope: body.readUInt8(6),
    protocol: body.readUInt8(5),
    type: body.readUInt8(7),
  };
}

function encodeSpec(spec: RouteSpec): { family: number; dstLen: number; attrs: Attr[]; words: string[]; scope: number } {
  const attrs: Attr[] = [];
  const words: string[] = [spec.dst];
  const gateway = spec.gateway ? Ip.require(spec.gateway, 'gateway') : undefined;
  let family: number = spec.family ?? (gateway ? afOf(gateway) : AF_INET);
  let dstLen = 0;
  if (spec.dst !== 'default') {
    const c = Cidr.parse(spec.dst, 'route destination');
    family = afOf(c.ip);
    dstLen = c.prefix;
    attrs.push(attr.bytes(RTA.DST, c.ip.toBytes()));
    words[0] = `${c}`;
  }
  if (gateway) {
    if (afOf(gateway) !== family) throw new TsrunError(`gateway ${spec.gateway} is not of the family of ${spec.dst}`);
    attrs.push(attr.bytes(RTA.GATEWAY, gateway.toBytes()));
    words.push('via', spec.gateway!);
  }
  if (spec.dev) {
    attrs.push(attr.u32(RTA.OIF, spec.dev.index));
    words.push('dev', spec.dev.name);
  }
  if (spec.src) {
    attrs.push(attr.bytes(RTA.PREFSRC, Ip.require(spec.src, 'source address').toBytes()));
    words.push('src', spec.src);
  }
  if (spec.metric !== undefined) {
    attrs.push(attr.u32(RTA.PRIORITY, spec.metric));
    words.push('metric', String(spec.metric));
  }
  const table = spec.table ?? RT_TABLE.MAIN;
  attrs.push(attr.u32(RTA.TABLE, table));
  if (table !== RT_TABLE.MAIN) words.push('table', String(table));
  // ip route add picks scope link for a route with no gateway, universe otherwise.
  const scope = spec.gateway ? RT_SCOPE.UNIVERSE : RT_SCOPE.LINK;
  return { family, dstLen, attrs, words, scope };
}

function routeError(words: string[]): (e: NetlinkError) => TsrunError {
  return (e) => {
    if (e.errno === 'EEXIST') return new TsrunError(`route ${words.join(' ')} already exists`, e.errno);
    if (e.errno === 'ENETUNREACH') return new TsrunError(`route ${words.join(' ')}: the gateway is not reachable on a connected subnet`, e.errno);
    if (e.errno === 'ESRCH') return new TsrunError(`route ${words.join(' ')} does not exist`, e.errno);
    return e;
  };
}

export function routeAdd(h: Handle, spec: RouteSpec): void {
  const r = encodeSpec(spec);
  h.do({
    ip: [...(r.family === AF_INET6 ? ['-6'] : []), 'route', 'add', ...r.words],
    type: RTM.NEWROUTE,
    flags: NLM_F.CREATE | NLM_F.EXCL,
    body: Buffer.concat([rtmsg(r.family, r.dstLen, spec.table ?? RT_TABLE.MAIN, RTPROT.BOOT, r.scope, RTN.UNICAST), encodeAttrs(r.attrs)]),
    explainError: routeError(r.words),
  });
}

export function routeDel(h: Handle, spec: RouteSpec): void {
  const r = encodeSpec(spec);
  h.do({
    ip: [...(r.family === AF_INET6 ? ['-6'] : []), 'route', 'del', ...r.words],
    type: RTM.DELROUTE,
    flags: 0,
    body: Buffer.concat([rtmsg(r.family, r.dstLen, spec.table ?? RT_TABLE.MAIN, RTPROT.UNSPEC, RT_SCOPE.NOWHERE, RTN.UNICAST), encodeAttrs(r.attrs)]),
    explainError: routeError(r.words),
  });
}

/** Routes of the main table (or `table`), of both families unless one is asked for. */
export function routeList(h: Handle, filter: { family?: typeof AF_INET | typeof AF_INET6; table?: number; link?: LinkRef } = {}): Route[] {
  const family = filter.family ?? AF_UNSPEC;
  const table = filter.table ?? RT_TABLE.MAIN;
  return h
    .dump(RTM.GETROUTE, rtmsg(family, 0, 0, 0, 0, 0), ['route', 'show'])
    .map((m) => decodeRoute(m.body))
    .filter((r) => r.table === table && (filter.link === undefined || r.linkIndex === filter.link.index));
}
