/**
 * A netlink handle bound to one network namespace. The socket is opened while the main
 * thread is setns'd into the namespace and stays bound to it after the thread returns,
 * so every operation on the handle acts there, whatever namespace the thread is in.
 *
 * Every operation names itself as the iproute2 command that does the same thing; a handle
 * reports each one to its `explain` sink (tsrun --explain) before sending it.
 */
import { closeSync, openSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { fromNodeError, TsrunError } from '../../sys/error';
import { NamespaceSet, setns } from '../../sys/namespace';
import { RequestLocal } from '../../sys/request-local';
import { NetlinkError, NetlinkSocket, type NetlinkMessage } from './socket';

export type Explain = (command: string) => void;

let defaultExplain: Explain | undefined;
/** The sink of the request being served, in a process that serves several at once (the supervisor). */
const requestExplain = new RequestLocal<Explain | undefined>();

/** Every handle created from now on reports its operations to `sink`. */
export function explainTo(sink: Explain | undefined): void {
  defaultExplain = sink;
}

/** Runs `fn`, and all it starts, with handles that report to `sink` (or to nothing). */
export function explainWithin<T>(sink: Explain | undefined, fn: () => T): T {
  return requestExplain.within(sink, fn);
}

export interface Operation {
  /** The iproute2 arguments after `ip`: ["link", "set", "eth0", "up"]. */
  ip: string[];
  type: number;
  flags: number;
  body: Buffer;
  /** Turns the kernel's refusal into the message a user can act on. */
  explainError?: (e: NetlinkError) => TsrunError;
}

/** What a handle sends through: a NetlinkSocket, or a recorder in tests. */
export interface Transport {
  request(type: number, flags: number, body: Buffer, what: string): NetlinkMessage[];
  dump(type: number, body: Buffer, what: string): NetlinkMessage[];
  close(): void;
}

export class Handle {
  explain: Explain | undefined = requestExplain.get() ?? defaultExplain;

  /** How any command is run in this namespace: "", "ip netns exec lab ", "nsenter -t 123 -n ". */
  execPrefix = '';

  constructor(
    readonly socket: Transport,
    /** How iproute2 is pointed at this namespace: "ip", "ip -n lab". */
    public ipCommand: string,
  ) {}

  /** Names the namespace by a process in it, once that process exists. */
  labelByPid(pid: number): void {
    this.ipCommand = `nsenter -t ${pid} -n ip`;
    this.execPrefix = `nsenter -t ${pid} -n `;
  }

  /** The namespace the calling thread is in now. */
  static current(ipCommand = 'ip'): Handle {
    return new Handle(new NetlinkSocket(), ipCommand);
  }

  /** The namespace behind an fd (from /proc/PID/ns/net, /run/netns/NAME or a saved fd). */
  static fromFd(fd: number, ipCommand: string): Handle {
    const home = NamespaceSet.ofThisThread(['net']);
    try {
      setns(fd, 'net', ipCommand);
      try {
        return new Handle(new NetlinkSocket(), ipCommand);
      } finally {
        home.return();
      }
    } finally {
      home.close();
    }
  }

  /** By path: /run/netns/NAME (shown as `ip -n NAME`) or /proc/PID/ns/net. */
  static fromPath(path: string): Handle {
    const named = dirname(path) === '/run/netns';
    const ipCommand = named ? `ip -n ${basename(path)}` : `nsenter --net=${path} ip`;
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      throw fromNodeError(err, `open network namespace ${path}`);
    }
    try {
      const h = Handle.fromFd(fd, ipCommand);
      h.execPrefix = named ? `ip netns exec ${basename(path)} ` : `nsenter --net=${path} `;
      return h;
    } finally {
      closeSync(fd);
    }
  }

  command(ip: string[]): string {
    return `${this.ipCommand} ${ip.join(' ')}`;
  }

  /** Sends one acknowledged request; returns the replies that came before the ACK. */
  do(op: Operation): NetlinkMessage[] {
    const cmd = this.command(op.ip);
    this.explain?.(cmd);
    try {
      return this.socket.request(op.type, op.flags, op.body, cmd);
    } catch (err) {
      if (err instanceof NetlinkError && op.explainError) throw op.explainError(err);
      throw err;
    }
  }

  /** Reports a change made by other means than netlink (a sysctl), as the command that makes it. */
  note(command: string): void {
    this.explain?.(`${this.execPrefix}${command}`);
  }

  /** A dump (not reported to `explain`: it changes nothing). */
  dump(type: number, body: Buffer, ip: string[]): NetlinkMessage[] {
    return this.socket.dump(type, body, this.command(ip));
  }

  close(): void {
    this.socket.close();
  }
}
