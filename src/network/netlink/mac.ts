/** MAC addresses as netlink carries them (IFLA_ADDRESS); IP addresses are network/ip.ts's. */
import { TsrunError } from '../../sys/error';

export function macToBytes(mac: string): Buffer {
  if (!/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/.test(mac)) {
    throw new TsrunError(`invalid MAC address "${mac}": use six hex bytes like 02:42:ac:10:56:0a`);
  }
  return Buffer.from(mac.split(':').map((h) => parseInt(h, 16)));
}

export function bytesToMac(b: Buffer): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
}
