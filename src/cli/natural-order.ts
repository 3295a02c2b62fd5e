/**
 * The order of Docker's `network ls` (the CLI sorts by name with fvbommel/sortorder's
 * NaturalLess): runs of digits compare as numbers (net2 before net10; of equal numbers, the
 * one with fewer leading zeros first), a digit before any other character, everything else
 * character by character, and a name before the longer names it starts.
 */
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

export function naturalCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    const da = isDigit(ca);
    if (da !== isDigit(cb)) return da ? -1 : 1;
    if (!da) {
      if (ca !== cb) return ca - cb;
      i++;
      j++;
      continue;
    }
    const zerosA = i;
    const zerosB = j;
    while (a.charCodeAt(i) === 0x30) i++;
    while (b.charCodeAt(j) === 0x30) j++;
    const startA = i;
    const startB = j;
    while (i < a.length && isDigit(a.charCodeAt(i))) i++;
    while (j < b.length && isDigit(b.charCodeAt(j))) j++;
    // Without leading zeros, a shorter number is a smaller one, and equal lengths compare as text.
    if (i - startA !== j - startB) return i - startA - (j - startB);
    const numA = a.slice(startA, i);
    const numB = b.slice(startB, j);
    if (numA !== numB) return numA < numB ? -1 : 1;
    if (startA - zerosA !== startB - zerosB) return startA - zerosA - (startB - zerosB);
  }
  return a.length - i - (b.length - j);
}
