/**
 * One module per link kind (as vishvananda/netlink has one type per kind): how its spec is
 * encoded into IFLA_INFO_DATA, how a dump's IFLA_INFO_DATA is decoded, and how iproute2
 * spells it after `type <kind>`.
 */
import type { Attr } from '../attributes';

export interface KindCodec<Spec, Info> {
  kind: string;
  /** The kernel option a kernel without this kind lacks. */
  config: string;
  encode(spec: Spec): Attr[];
  decode(data: Map<number, Buffer>): Info;
  /** iproute2 words after `type <kind>`: ["mode", "bridge"]. */
  describe(spec: Spec): string[];
}

/** Looks a numeric mode up in a name table, for decoding. */
export function nameOf<T extends string>(table: Record<T, number>, value: number, what: string): T {
  const hit = (Object.keys(table) as T[]).find((k) => table[k] === value);
  if (hit === undefined) throw new Error(`unknown ${what} ${value}`);
  return hit;
}
