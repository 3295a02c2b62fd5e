/** Which addresses of a subnet Docker's IPAM hands out. */
import type { Cidr, Ip } from '../ip';

/**
 * The addresses a host may get: never the network address, nor for IPv4 the broadcast.
 * Empty (first > last) for an IPv4 /31 or /32 and an IPv6 /128, which Docker refuses as it
 * finds no address for their gateway.
 */
export function usable(s: Cidr): { first: bigint; last: bigint } {
  return { first: s.base + 1n, last: s.family === 4 ? s.last - 1n : s.last };
}

/** The default gateway: the first usable address (10.1.100.128/25 gives .129). */
export function firstUsable(s: Cidr): Ip {
  return s.at(usable(s).first);
}
