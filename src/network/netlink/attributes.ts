/**
 * Netlink attributes (struct nlattr): 2-byte length including the 4-byte header, 2-byte
 * type, payload, padding to 4 bytes. NLA_F_NESTED marks nests.
 */
export const NLA_F_NESTED = 0x8000;
const NLA_TYPE_MASK = 0x3fff;

export function align4(n: number): number {
  return (n + 3) & ~3;
}

export type AttrValue = Buffer | Attr[];

export interface Attr {
  type: number;
  value: AttrValue;
}

export function encodeAttrs(attrs: Attr[]): Buffer {
  const parts: Buffer[] = [];
  for (const a of attrs) {
    const nested = Array.isArray(a.value);
    const payload = nested ? encodeAttrs(a.value as Attr[]) : (a.value as Buffer);
    const head = Buffer.alloc(4);
    head.writeUInt16LE(4 + payload.length, 0);
    head.writeUInt16LE(a.type | (nested ? NLA_F_NESTED : 0), 2);
    parts.push(head, payload, Buffer.alloc(align4(payload.length) - payload.length));
  }
  return Buffer.concat(parts);
}

/** Attributes by type (the last wins when a type repeats, as the kernel's parsers do). */
export function decodeAttrs(buf: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  let off = 0;
  while (off + 4 <= buf.length) {
    const len = buf.readUInt16LE(off);
    if (len < 4 || off + len > buf.length) break;
    out.set(buf.readUInt16LE(off + 2) & NLA_TYPE_MASK, buf.subarray(off + 4, off + len));
    off += align4(len);
  }
  return out;
}

export const attr = {
  str: (type: number, s: string): Attr => ({ type, value: Buffer.from(`${s}\0`) }),
  u8: (type: number, v: number): Attr => ({ type, value: Buffer.from([v]) }),
  u16: (type: number, v: number): Attr => {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v);
    return { type, value: b };
  },
  u32: (type: number, v: number): Attr => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    return { type, value: b };
  },
  bytes: (type: number, b: Buffer): Attr => ({ type, value: b }),
  nest: (type: number, children: Attr[]): Attr => ({ type, value: children }),
};

export function attrString(b: Buffer | undefined): string | undefined {
  if (!b) return undefined;
  const nul = b.indexOf(0);
  return b.subarray(0, nul === -1 ? b.length : nul).toString('utf8');
}

export function attrU32(b: Buffer | undefined): number | undefined {
  return b && b.length >= 4 ? b.readUInt32LE(0) : undefined;
}

export function attrU16(b: Buffer | undefined): number | undefined {
  return b && b.length >= 2 ? b.readUInt16LE(0) : undefined;
}

export function attrU8(b: Buffer | undefined): number | undefined {
  return b && b.length >= 1 ? b.readUInt8(0) : undefined;
}
