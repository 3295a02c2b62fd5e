import { existsSync, writeFileSync } from 'node:fs';
import type { Handle } from './netlink/handle';
import { linkByName, linkSetUp } from './netlink/link';

/**
 * A fresh network namespace as Docker leaves a container on `--net=none`: lo up with
 * 127.0.0.1/8 and no IPv6 at all (so no ::1). The sysctls act on the namespace of the
 * calling thread, so call this while the main thread is inside the container's netns.
 */
export function setupLoopback(h: Handle, ipv6: boolean): void {
  if (!ipv6 && existsSync('/proc/sys/net/ipv6')) {
    for (const scope of ['all', 'default', 'lo']) writeFileSync(`/proc/sys/net/ipv6/conf/${scope}/disable_ipv6`, '1');
  }
  linkSetUp(h, linkByName(h, 'lo'));
}
