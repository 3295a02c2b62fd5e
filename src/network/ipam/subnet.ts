/** CIDR subnets: containment, overlap, the first and last addresses, usable ranges. */
import { TsrunError } from '../../sys/error';
import { bitsOf, formatIp, parseIp, type Family, type Ip } from './address';

export class Subnet {
  private constructor(
    readonly family: Family,
    /** The network address. */
    readonly base: bigint,
    readonly prefix: number,
  ) {}

  /**
   * Parses a CIDR. `strict` refuses host bits (172.16.86.5/24), as a subnet must name a
   * network; an ip-range may be written either way.
   */
  static parse(text: string, what = 'subnet', strict = true): Subnet {
    const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
    const ip = m ? parseIp(m[1]!) : undefined;
    if (!m || !ip || Number(m[2]) > bitsOf(ip.family)) {
      throw new TsrunError(`invalid ${what} "${text}": not a CIDR address like 172.16.86.0/24 or 2001:db8::/64`);
    }
    const prefix = Number(m[2]);
    const s = new Subnet(ip.family, ip.value & Subnet.mask(ip.family, prefix), prefix);
    if (strict && s.base !== ip.value) {
      throw new TsrunError(`invalid ${what} "${text}": it has host bits set (did you mean ${s}?)`);
    }
    return s;
  }

  private static mask(family: Family, prefix: number): bigint {
    const bits = BigInt(bitsOf(family));
    return ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(prefix))) - 1n);
  }

  get size(): bigint {
    return 1n << BigInt(bitsOf(this.family) - this.prefix);
  }

  get last(): bigint {
    return this.base + this.size - 1n;
  }

  contains(ip: Ip): boolean {
    return ip.family === this.family && ip.value >= this.base && ip.value <= this.last;
  }

  containsSubnet(other: Subnet): boolean {
    return other.family === this.family && other.base >= this.base && other.last <= this.last;
  }

  overlaps(other: Subnet): boolean {
    return other.family === this.family && other.base <= this.last && this.base <= other.last;
  }

  /**
   * The addresses a host may get, as Docker's IPAM counts them: never the network address,
   * nor for IPv4 the broadcast. Empty (first > last) for an IPv4 /31 or /32 and an IPv6 /128,
   * which Docker refuses as it finds no address for their gateway.
   */
  usable(): { first: bigint; last: bigint } {
    return { first: this.base + 1n, last: this.family === 4 ? this.last - 1n : this.last };
  }

  /** The default gateway: the first usable address (10.1.100.128/25 gives .129). */
  firstUsable(): Ip {
    return { family: this.family, value: this.usable().first };
  }

  ip(value: bigint): Ip {
    return { family: this.family, value };
  }

  toString(): string {
    return `${formatIp({ family: this.family, value: this.base })}/${this.prefix}`;
  }
}
