/**
 * IP addresses as (family, bigint) for arithmetic: IPAM adds, compares and masks addresses
 * of either family without ever enumerating a subnet.
 */
import { Address4, Address6 } from 'ip-address';
import { TsrunError } from '../../sys/error';

export type Family = 4 | 6;

export interface Ip {
  family: Family;
  value: bigint;
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

export function bitsOf(family: Family): number {
  return BITS[family];
}

export function parseIp(text: string): Ip | undefined {
  if (!text.includes('/') && Address4.isValid(text)) {
    return { family: 4, value: new Address4(text).bigInt() };
  }
  if (!text.includes('/') && !text.includes('%') && Address6.isValid(text)) {
    return { family: 6, value: new Address6(text).bigInt() };
  }
  return undefined;
}

/** parseIp, or a TsrunError naming `what` ("gateway", "--ip"). */
export function requireIp(text: string, what: string): Ip {
  const ip = parseIp(text);
  if (!ip) throw new TsrunError(`invalid ${what} "${text}": not an IPv4 or IPv6 address`);
  return ip;
}

export function formatIp(ip: Ip): string {
  if (ip.family === 4) return Address4.fromBigInt(ip.value).correctForm();
  return Address6.fromBigInt(ip.value).correctForm();
}

export function sameIp(a: Ip, b: Ip): boolean {
  return a.family === b.family && a.value === b.value;
}
