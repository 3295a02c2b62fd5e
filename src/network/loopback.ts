import { existsSync, writeFileSync } from 'node:fs';
import { inNetworkNamespace } from '../sys/namespace';
import type { Handle } from './netlink/handle';
import { linkByName, linkSetUp } from './netlink/link';

/**
 * A fresh network namespace as Docker leaves a container on `--net=none`: lo up with
 * 127.0.0.1/8 and, without IPv6, no IPv6 at all (so no ::1, and no link-local address on
 * links created later). `nsFd` is the namespace `h` is bound to: sysctls are per namespace
 * and are written with the thread inside it.
 */
export function setupLoopback(h: Handle, nsFd: number, ipv6: boolean): void {
  if (!ipv6 && existsSync('/proc/sys/net/ipv6')) {
    for (const scope of ['all', 'default', 'lo']) {
      h.note(`sysctl -w net.ipv6.conf.${scope}.disable_ipv6=1`);
      inNetworkNamespace(nsFd, 'the container', () => writeFileSync(`/proc/sys/net/ipv6/conf/${scope}/disable_ipv6`, '1'));
    }
  }
  linkSetUp(h, linkByName(h, 'lo'));
}
