import { attr, attrU16 } from '../attributes';
import { nameOf, type KindCodec } from './kind';

/** IPVLAN_MODE_* and IPVLAN_F_* (if_link.h); "bridge" is the absence of both flags. */
export const IPVLAN_MODES = { l2: 0, l3: 1, l3s: 2 } as const;
export const IPVLAN_FLAGS = { bridge: 0, private: 1, vepa: 2 } as const;
export type IpvlanMode = keyof typeof IPVLAN_MODES;
export type IpvlanFlag = keyof typeof IPVLAN_FLAGS;

const IFLA_IPVLAN_MODE = 1;
const IFLA_IPVLAN_FLAGS = 2;

export interface IpvlanSpec {
  kind: 'ipvlan';
  mode: IpvlanMode;
  flag: IpvlanFlag;
}

export const ipvlan: KindCodec<IpvlanSpec, IpvlanSpec> = {
  kind: 'ipvlan',
  config: 'CONFIG_IPVLAN',
  encode: (s) => [attr.u16(IFLA_IPVLAN_MODE, IPVLAN_MODES[s.mode]), attr.u16(IFLA_IPVLAN_FLAGS, IPVLAN_FLAGS[s.flag])],
  decode: (d) => ({
    kind: 'ipvlan',
    mode: nameOf(IPVLAN_MODES, attrU16(d.get(IFLA_IPVLAN_MODE)) ?? 0, 'ipvlan mode'),
    flag: nameOf(IPVLAN_FLAGS, attrU16(d.get(IFLA_IPVLAN_FLAGS)) ?? 0, 'ipvlan flag'),
  }),
  describe: (s) => ['mode', s.mode, s.flag],
};
