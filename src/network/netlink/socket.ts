/**
 * A synchronous rtnetlink socket. Requests carry NLM_F_ACK; the kernel queues the ACK before
 * send() returns, so a blocking recv() right after is a complete round trip. The socket
 * belongs to the network namespace the thread was in when it was opened.
 */
import { TsrunError, errnoName, errnoText } from '../../sys/error';
import { AF_NETLINK, bindSocket, closeFd, recvInto, sendAll, setsockoptInt, socketRaw } from '../../sys/socket';
import { decodeAttrs, attrString } from './attributes';
import { NETLINK_EXT_ACK, NETLINK_ROUTE, NLM_F, NLMSG, NLMSG_HDRLEN, NLMSGERR_ATTR, SOL_NETLINK, NETLINK_GET_STRICT_CHK } from './constants';

export interface NetlinkMessage {
  type: number;
  flags: number;
  body: Buffer;
}

/** A kernel refusal: `errno` is the name (EEXIST), `extAck` the kernel's own explanation. */
export class NetlinkError extends TsrunError {
  constructor(
    readonly what: string,
    readonly code: number,
    readonly extAck: string | undefined,
  ) {
    super(`${what}: ${errnoName(code)} (${errnoText(code)})${extAck ? `: ${extAck}` : ''}`, errnoName(code));
  }
}

const RECV_SIZE = 64 * 1024;

export class NetlinkSocket {
  private seq = Math.floor(Math.random() * 0x7fffffff);
  private readonly buf = Buffer.alloc(RECV_SIZE);
  private fd: number;

  /** Opens a socket in the calling thread's current network namespace. */
  constructor() {
    this.fd = socketRaw(AF_NETLINK, NETLINK_ROUTE, 'netlink route');
    try {
      bindSocket(this.fd, Buffer.alloc(12, 0).fill(AF_NETLINK, 0, 1), 'netlink route');
      setsockoptInt(this.fd, SOL_NETLINK, NETLINK_EXT_ACK, 1, 'NETLINK_EXT_ACK');
      setsockoptInt(this.fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1, 'NETLINK_GET_STRICT_CHK');
    } catch (err) {
      closeFd(this.fd);
      throw err;
    }
  }

  close(): void {
    if (this.fd >= 0) closeFd(this.fd);
    this.fd = -1;
  }

  private send(type: number, flags: number, body: Buffer): number {
    const seq = ++this.seq;
    const head = Buffer.alloc(NLMSG_HDRLEN);
    head.writeUInt32LE(NLMSG_HDRLEN + body.length, 0);
    head.writeUInt16LE(type, 4);
    head.writeUInt16LE(flags | NLM_F.REQUEST, 6);
    head.writeUInt32LE(seq, 8);
    sendAll(this.fd, Buffer.concat([head, body]), 'netlink request');
    return seq;
  }

  /** Reads messages for `seq` until `done` says the exchange is over. */
  private receive(seq: number, what: string, onMessage: (m: NetlinkMessage) => boolean): void {
    for (;;) {
      const n = recvInto(this.fd, this.buf, 'netlink reply');
      let off = 0;
      while (off + NLMSG_HDRLEN <= n) {
        const len = this.buf.readUInt32LE(off);
        const type = this.buf.readUInt16LE(off + 4);
        const flags = this.buf.readUInt16LE(off + 6);
        const mseq = this.buf.readUInt32LE(off + 8);
        if (len < NLMSG_HDRLEN || off + len > n) throw new TsrunError(`${what}: malformed netlink reply`);
        const body = Buffer.from(this.buf.subarray(off + NLMSG_HDRLEN, off + len));
        off += (len + 3) & ~3;
        if (mseq !== seq) continue; // a late reply to an earlier request
        if (type === NLMSG.ERROR) {
          const code = -body.readInt32LE(0);
          if (code === 0) return;
          throw new NetlinkError(what, code, extAckMessage(body, flags));
        }
        if (onMessage({ type, flags, body })) return;
      }
    }
  }

  /**
   * A request acknowledged by the kernel; returns the replies that came before the ACK
   * (a GET's answer). Throws NetlinkError on refusal.
   */
  request(type: number, flags: number, body: Buffer, what: string): NetlinkMessage[] {
    const out: NetlinkMessage[] = [];
    const seq = this.send(type, flags | NLM_F.ACK, body);
    this.receive(seq, what, (m) => {
      out.push(m);
      return false;
    });
    return out;
  }

  /**
   * A dump: every message of the reply. A dump interrupted by a concurrent change
   * (NLM_F_DUMP_INTR) is inconsistent and is retried.
   */
  dump(type: number, body: Buffer, what: string): NetlinkMessage[] {
    for (let attempt = 0; ; attempt++) {
      const out: NetlinkMessage[] = [];
      let interrupted = false;
      const seq = this.send(type, NLM_F.DUMP, body);
      this.receive(seq, what, (m) => {
        if (m.flags & NLM_F.DUMP_INTR) interrupted = true;
        if (m.type === NLMSG.DONE) return true;
        out.push(m);
        return false;
      });
      if (!interrupted) return out;
      if (attempt >= 10) throw new TsrunError(`${what}: the dump kept changing under concurrent updates`);
    }
  }
}

/** The ext-ack text the kernel appends to an NLMSG_ERROR (after the echoed request header). */
export function extAckMessage(body: Buffer, flags: number): string | undefined {
  if (!(flags & NLM_F.ACK_TLVS)) return undefined;
  // struct nlmsgerr: int error; struct nlmsghdr msg; then, unless capped, the request's payload.
  let off = 4 + NLMSG_HDRLEN;
  if (!(flags & NLM_F.CAPPED)) off = 4 + body.readUInt32LE(4);
  off = (off + 3) & ~3;
  return attrString(decodeAttrs(body.subarray(off)).get(NLMSGERR_ATTR.MSG));
}
