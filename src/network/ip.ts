/**
 * The one model of IP addresses and prefixes in tsrun: IPAM computes with it (a family and a
 * bigint add, compare and mask without ever enumerating a subnet) and netlink encodes it (the
 * network-byte-order bytes of IFA_ADDRESS, RTA_DST, RTA_GATEWAY). Text goes through the
 * `ip-address` package for parsing and for the canonical form iproute2 and Docker print
 * (10.0.0.1, 2001:db8::1 as RFC 5952 writes it).
 */
import { TsrunError } from '../sys/error';

/**
 * Required at first use: ip-address and what it loads are a tenth of a listing's start-up,
 * and `ps`, `image ls` or a --net=none run parse no address.
 */
const ipAddress = (): typeof import('ip-address') => require('ip-address') as typeof import('ip-address');

export type Family = 4 | 6;

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

export class Ip {
  constructor(
    readonly family: Family,
    readonly value: bigint,
  ) {}

  /** An IPv4 or IPv6 address (no prefix, no %zone), or undefined. */
  static parse(text: string): Ip | undefined {
    if (text.includes('/')) return undefined;
    const { Address4, Address6 } = ipAddress();
    if (Address4.isValid(text)) return new Ip(4, new Address4(text).bigInt());
    if (!text.includes('%') && Address6.isValid(text)) return new Ip(6, new Address6(text).bigInt());
    return undefined;
  }

  /** Ip.parse, or a TsrunError naming `what` ("gateway", "--ip"). */
  static require(text: string, what: string): Ip {
    const ip = Ip.parse(text);
    if (!ip) throw new TsrunError(`invalid ${what} "${text}": not an IPv4 or IPv6 address`);
    return ip;
  }

  /** From the 4 or 16 bytes netlink carries. */
  static fromBytes(b: Buffer): Ip {
    if (b.length !== 4 && b.length !== 16) throw new TsrunError(`address of ${b.length} bytes is neither IPv4 nor IPv6`);
    return new Ip(b.length === 4 ? 4 : 6, BigInt(`0x${b.toString('hex')}`));
  }

  get bits(): number {
    return BITS[this.family];
  }

  equals(other: Ip): boolean {
    return other.family === this.family && other.value === this.value;
  }

  /** Network byte order, as netlink carries it. */
  toBytes(): Buffer {
    return Buffer.from(this.value.toString(16).padStart(this.bits / 4, '0'), 'hex');
  }

  toString(): string {
    const { Address4, Address6 } = ipAddress();
    return this.family === 4 ? Address4.fromBigInt(this.value).correctForm() : Address6.fromBigInt(this.value).correctForm();
  }
}

/** An address with a prefix length: a subnet (172.16.86.0/24) or an interface's address (172.16.86.10/24). */
export class Cidr {
  constructor(
    /** The address as written: host bits are kept (network() clears them). */
    readonly ip: Ip,
    readonly prefix: number,
  ) {}

  /** ADDRESS/PREFIX, host bits allowed; `what` names it in the error ("ip-range", "address"). */
  static parse(text: string, what = 'CIDR'): Cidr {
    const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
    const ip = m ? Ip.parse(m[1]!) : undefined;
    if (!m || !ip || Number(m[2]) > ip.bits) {
      throw new TsrunError(`invalid ${what} "${text}": not a CIDR address like 172.16.86.0/24 or 2001:db8::/64`);
    }
    return new Cidr(ip, Number(m[2]));
  }

  /** A network: Cidr.parse refusing host bits (172.16.86.5/24), since a subnet must name a network. */
  static parseNetwork(text: string, what = 'subnet'): Cidr {
    const c = Cidr.parse(text, what);
    if (c.ip.value !== c.base) throw new TsrunError(`invalid ${what} "${text}": it has host bits set (did you mean ${c.network()}?)`);
    return c;
  }

  get family(): Family {
    return this.ip.family;
  }

  private get mask(): bigint {
    const bits = BigInt(this.ip.bits);
    return ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(this.prefix))) - 1n);
  }

  get size(): bigint {
    return 1n << BigInt(this.ip.bits - this.prefix);
  }

  /** The network address's value. */
  get base(): bigint {
    return this.ip.value & this.mask;
  }

  /** The last address's value (the IPv4 broadcast). */
  get last(): bigint {
    return this.base + this.size - 1n;
  }

  /** The same prefix with the host bits cleared. */
  network(): Cidr {
    return new Cidr(this.at(this.base), this.prefix);
  }

  /** The address of this family with the given value. */
  at(value: bigint): Ip {
    return new Ip(this.family, value);
  }

  contains(ip: Ip): boolean {
    return ip.family === this.family && ip.value >= this.base && ip.value <= this.last;
  }

  containsCidr(other: Cidr): boolean {
    return other.family === this.family && other.base >= this.base && other.last <= this.last;
  }

  overlaps(other: Cidr): boolean {
    return other.family === this.family && other.base <= this.last && this.base <= other.last;
  }

  toString(): string {
    return `${this.ip}/${this.prefix}`;
  }
}
