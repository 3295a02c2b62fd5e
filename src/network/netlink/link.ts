/** Links (RTM_*LINK): ip link. */
import { attr, attrString, decodeAttrs, encodeAttrs } from './attributes';
import { AF_UNSPEC, IFF, IFINFOMSG_LEN, IFLA, RTM } from './constants';
import type { Handle } from './handle';
import { NetlinkError } from './socket';

export interface Link {
  index: number;
  name: string;
  flags: number;
}

/** struct ifinfomsg { u8 family, pad; u16 type; s32 index; u32 flags, change; } */
function ifinfomsg(index: number, flags = 0, change = 0): Buffer {
  const b = Buffer.alloc(IFINFOMSG_LEN);
  b.writeUInt8(AF_UNSPEC, 0);
  b.writeInt32LE(index, 4);
  b.writeUInt32LE(flags >>> 0, 8);
  b.writeUInt32LE(change >>> 0, 12);
  return b;
}

function decodeLink(body: Buffer): Link {
  const attrs = decodeAttrs(body.subarray(IFINFOMSG_LEN));
  return {
    index: body.readInt32LE(4),
    flags: body.readUInt32LE(8),
    name: attrString(attrs.get(IFLA.IFNAME)) ?? '',
  };
}

export function linkByName(h: Handle, name: string): Link {
  const body = Buffer.concat([ifinfomsg(0), encodeAttrs([attr.str(IFLA.IFNAME, name)])]);
  const [reply] = h.socket.request(RTM.GETLINK, 0, body, `ip link show ${name}`);
  if (!reply) throw new NetlinkError(`ip link show ${name}`, 19, undefined);
  return decodeLink(reply.body);
}

export function linkSetUp(h: Handle, link: Link): void {
  h.socket.request(RTM.NEWLINK, 0, ifinfomsg(link.index, IFF.UP, IFF.UP), `ip link set ${link.name} up`);
}
