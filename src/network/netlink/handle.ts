/**
 * A netlink handle bound to one network namespace. The socket is opened while the main
 * thread is setns'd into the namespace and stays bound to it after the thread returns,
 * so every operation on the handle acts there, whatever namespace the thread is in.
 */
import { closeSync, openSync } from 'node:fs';
import { fromNodeError } from '../../sys/error';
import { NamespaceSet, setns } from '../../sys/namespace';
import { NetlinkSocket } from './socket';

export class Handle {
  private constructor(
    readonly socket: NetlinkSocket,
    /** What the namespace is, for messages: "host", "/proc/123/ns/net". */
    readonly namespace: string,
  ) {}

  /** The namespace the calling thread is in now. */
  static current(label = 'host'): Handle {
    return new Handle(new NetlinkSocket(), label);
  }

  /** The namespace behind an fd (e.g. from /proc/PID/ns/net). */
  static fromFd(fd: number, label: string): Handle {
    const home = NamespaceSet.ofThisThread(['net']);
    try {
      setns(fd, 'net', label);
      try {
        return new Handle(new NetlinkSocket(), label);
      } finally {
        home.enter();
      }
    } finally {
      home.close();
    }
  }

  /** By path: /proc/PID/ns/net or /run/netns/NAME. */
  static fromPath(path: string): Handle {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      throw fromNodeError(err, `open network namespace ${path}`);
    }
    try {
      return Handle.fromFd(fd, path);
    } finally {
      closeSync(fd);
    }
  }

  close(): void {
    this.socket.close();
  }
}
