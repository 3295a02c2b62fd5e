/**
 * The lowest free address of a range. Cost is proportional to the number of addresses
 * taken (sorted once), never to the size of the range: a /8 or an IPv6 /64 allocates as
 * fast as a /24.
 */
export function lowestFree(first: bigint, last: bigint, taken: Iterable<bigint>): bigint | undefined {
  const inRange = [...new Set(taken)].filter((v) => v >= first && v <= last).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let candidate = first;
  for (const t of inRange) {
    if (t > candidate) break;
    candidate = t + 1n;
  }
  return candidate <= last ? candidate : undefined;
}
