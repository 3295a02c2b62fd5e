/**
 * The runtime's network namespace (CNI_NETNS, a path such as /run/netns/cni-1234 or
 * /proc/PID/ns/net), opened as tsrun's endpoint code wants it: an fd for IFLA_NET_NS_FD and
 * a netlink handle bound to it, named for --explain as iproute2 would reach it.
 */
import { closeSync, openSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { Handle } from '../network/netlink/handle';
import type { TargetNetns } from '../network/netlink/link';
import { fromNodeError } from '../sys/error';

/** The namespace, or undefined if the path no longer exists (DEL after a reboot). */
export function openSandbox(path: string): TargetNetns | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fromNodeError(err, `open network namespace ${path}`);
  }
  const named = ['/run/netns', '/var/run/netns'].includes(dirname(path));
  try {
    const handle = Handle.fromFd(fd, named ? `ip -n ${basename(path)}` : `nsenter --net=${path} ip`);
    handle.execPrefix = named ? `ip netns exec ${basename(path)} ` : `nsenter --net=${path} `;
    return { fd, name: named ? basename(path) : path, handle };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

export function closeSandbox(ns: TargetNetns): void {
  ns.handle.close();
  closeSync(ns.fd);
}
