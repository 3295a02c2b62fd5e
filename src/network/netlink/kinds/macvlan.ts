import { attr, attrU32 } from '../attributes';
import { nameOf, type KindCodec } from './kind';

/** MACVLAN_MODE_* (if_link.h). */
export const MACVLAN_MODES = { private: 1, vepa: 2, bridge: 4, passthru: 8, source: 16 } as const;
export type MacvlanMode = keyof typeof MACVLAN_MODES;

const IFLA_MACVLAN_MODE = 1;

export interface MacvlanSpec {
  kind: 'macvlan';
  mode: MacvlanMode;
}

export const macvlan: KindCodec<MacvlanSpec, MacvlanSpec> = {
  kind: 'macvlan',
  config: 'CONFIG_MACVLAN',
  encode: (s) => [attr.u32(IFLA_MACVLAN_MODE, MACVLAN_MODES[s.mode])],
  decode: (d) => ({ kind: 'macvlan', mode: nameOf(MACVLAN_MODES, attrU32(d.get(IFLA_MACVLAN_MODE)) ?? 0, 'macvlan mode') }),
  describe: (s) => ['mode', s.mode],
};
