/** IP addresses and CIDRs as netlink carries them (network byte order). */
import { Address4, Address6 } from 'ip-address';
import { TsrunError } from '../../sys/error';
import { AF_INET, AF_INET6 } from './constants';

export interface Cidr {
  ip: string;
  prefix: number;
}

export function familyOf(ip: string): typeof AF_INET | typeof AF_INET6 {
  if (Address4.isValid(ip) && !ip.includes('/')) return AF_INET;
  if (Address6.isValid(ip) && !ip.includes('/')) return AF_INET6;
  throw new TsrunError(`invalid IP address "${ip}"`);
}

export function ipToBytes(ip: string): Buffer {
  return familyOf(ip) === AF_INET ? Buffer.from(new Address4(ip).toArray()) : bytes6(ip);
}

/** Address6.toUnsignedByteArray drops leading zero bytes (it goes through a BigInt). */
function bytes6(ip: string): Buffer {
  const bytes = new Address6(ip).toUnsignedByteArray();
  return Buffer.concat([Buffer.alloc(16 - bytes.length), Buffer.from(bytes)]);
}

/** Canonical text: 10.0.0.1, fe80::1 (RFC 5952, as iproute2 prints it). */
export function bytesToIp(b: Buffer): string {
  if (b.length === 4) return Array.from(b).join('.');
  if (b.length === 16) return Address6.fromUnsignedByteArray(Array.from(b)).correctForm();
  throw new TsrunError(`address of ${b.length} bytes is neither IPv4 nor IPv6`);
}

export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  const ip = slash === -1 ? text : text.slice(0, slash);
  const family = familyOf(ip);
  const max = family === AF_INET ? 32 : 128;
  const prefixText = slash === -1 ? String(max) : text.slice(slash + 1);
  const prefix = Number(prefixText);
  if (!/^\d+$/.test(prefixText) || prefix > max) {
    throw new TsrunError(`invalid prefix length in "${text}": use 0-${max}`);
  }
  return { ip: bytesToIp(ipToBytes(ip)), prefix };
}

export function formatCidr(c: Cidr): string {
  return `${c.ip}/${c.prefix}`;
}

/** The IPv4 broadcast address of ip/prefix, as `ip addr add ... brd +` computes it. */
export function broadcastOf(ip: string, prefix: number): string {
  const n = ipToBytes(ip).readUInt32BE(0);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const b = Buffer.alloc(4);
  b.writeUInt32BE((n | ~mask) >>> 0);
  return bytesToIp(b);
}

export function macToBytes(mac: string): Buffer {
  if (!/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/.test(mac)) {
    throw new TsrunError(`invalid MAC address "${mac}": use six hex bytes like 02:42:ac:10:56:0a`);
  }
  return Buffer.from(mac.split(':').map((h) => parseInt(h, 16)));
}

export function bytesToMac(b: Buffer): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
}
