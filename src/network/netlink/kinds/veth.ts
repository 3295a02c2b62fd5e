import { attr, encodeAttrs } from '../attributes';
import { IFINFOMSG_LEN, IFLA } from '../constants';
import type { KindCodec } from './kind';

const VETH_INFO_PEER = 1;

export interface VethSpec {
  kind: 'veth';
  /** The peer may be created straight in another namespace: an fd of it, and its name for iproute2. */
  peer: { name: string; netns?: { fd: number; name: string } };
}

export interface VethInfo {
  kind: 'veth';
}

export const veth: KindCodec<VethSpec, VethInfo> = {
  kind: 'veth',
  config: 'CONFIG_VETH',
  // VETH_INFO_PEER carries a whole struct ifinfomsg followed by the peer's attributes.
  encode: (s) => [
    attr.bytes(
      VETH_INFO_PEER,
      Buffer.concat([
        Buffer.alloc(IFINFOMSG_LEN),
        encodeAttrs([attr.str(IFLA.IFNAME, s.peer.name), ...(s.peer.netns ? [attr.u32(IFLA.NET_NS_FD, s.peer.netns.fd)] : [])]),
      ]),
    ),
  ],
  decode: () => ({ kind: 'veth' }),
  describe: (s) => ['peer', 'name', s.peer.name, ...(s.peer.netns ? ['netns', s.peer.netns.name] : [])],
};
