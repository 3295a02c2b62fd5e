import { check, libc } from './libc';

export const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;

/** A raw socket in the network namespace of the calling thread at the time of the call. */
export function socketRaw(family: number, protocol: number, what: string): number {
  return check(libc.socket([family, SOCK_RAW | SOCK_CLOEXEC, protocol]), 'socket', what);
}

export function bindSocket(fd: number, addr: Buffer, what: string): void {
  check(libc.bind([fd, addr, addr.length]), 'bind', what);
}

export function setsockoptInt(fd: number, level: number, option: number, value: number, what: string): void {
  const b = Buffer.alloc(4);
  b.writeInt32LE(value);
  check(libc.setsockopt([fd, level, option, b, 4]), 'setsockopt', what);
}

export function sendAll(fd: number, data: Buffer, what: string): void {
  const n = check(libc.send([fd, data, data.length, 0]), 'send', what);
  if (n !== data.length) throw new Error(`send ${what}: short write (${n} of ${data.length})`);
}

/** Blocking recv into `buf`; returns the byte count. */
export function recvInto(fd: number, buf: Buffer, what: string): number {
  return check(libc.recv([fd, buf, buf.length, 0]), 'recv', what);
}

export function closeFd(fd: number): void {
  libc.close([fd]);
}
