import { TsrunError } from '../../../sys/error';
import { attr, attrU16 } from '../attributes';
import type { KindCodec } from './kind';

const IFLA_VLAN_ID = 1;
const IFLA_VLAN_PROTOCOL = 5;

/** Ethertypes of the tag; IFLA_VLAN_PROTOCOL is big-endian. */
export const VLAN_PROTOCOLS = { '802.1Q': 0x8100, '802.1ad': 0x88a8 } as const;
export type VlanProtocol = keyof typeof VLAN_PROTOCOLS;

export interface VlanSpec {
  kind: 'vlan';
  id: number;
  protocol?: VlanProtocol;
}

export function validateVlanId(id: number): number {
  if (!Number.isInteger(id) || id < 1 || id > 4094) {
    throw new TsrunError(`invalid VLAN id ${id}: use 1-4094`);
  }
  return id;
}

function be16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return b;
}

export const vlan: KindCodec<VlanSpec, Required<VlanSpec>> = {
  kind: 'vlan',
  config: 'CONFIG_VLAN_8021Q',
  encode: (s) => [
    attr.u16(IFLA_VLAN_ID, validateVlanId(s.id)),
    attr.bytes(IFLA_VLAN_PROTOCOL, be16(VLAN_PROTOCOLS[s.protocol ?? '802.1Q'])),
  ],
  decode: (d) => {
    const proto = d.get(IFLA_VLAN_PROTOCOL)?.readUInt16BE(0) ?? VLAN_PROTOCOLS['802.1Q'];
    return {
      kind: 'vlan',
      id: attrU16(d.get(IFLA_VLAN_ID)) ?? 0,
      protocol: proto === VLAN_PROTOCOLS['802.1ad'] ? '802.1ad' : '802.1Q',
    };
  },
  describe: (s) => ['protocol', s.protocol ?? '802.1Q', 'id', String(s.id)],
};
