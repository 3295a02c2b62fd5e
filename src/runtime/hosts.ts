/**
 * /etc/hosts of containers on a network: each names itself and every other container on
 * the same network, so `ping ipv1` works as in Docker's guides. The files are rewritten in
 * place (same inode) whenever a container joins or leaves, so the bind mounts inside
 * running containers see the change.
 */
import { writeFileSync } from 'node:fs';
import { containerDir, listContainers, type ContainerRecord } from '../state/containers';
import type { NetworkRecord } from '../state/networks';
import { addedHosts } from './dns-options';
import { hostsFile } from './etc-files';

function addressOf(cidr: string): string {
  return cidr.split('/')[0]!;
}

export function networkHostsFile(net: NetworkRecord, self: Pick<ContainerRecord, 'id' | 'name' | 'config'>): string {
  const entries: Array<{ ip: string; names: string[] }> = [];
  const own = net.endpoints[self.id];
  for (const cidr of [own?.ipv4, own?.ipv6]) {
    if (cidr) entries.push({ ip: addressOf(cidr), names: [self.config.hostname, self.name] });
  }
  for (const ep of Object.values(net.endpoints)) {
    if (ep.containerId === self.id) continue;
    for (const cidr of [ep.ipv4, ep.ipv6]) if (cidr) entries.push({ ip: addressOf(cidr), names: [ep.containerName] });
  }
  return hostsFile(entries, addedHosts(self.config));
}

/** Rewrites the hosts file of every container attached to `net`. Call under the lock. */
export function refreshNetworkHosts(net: NetworkRecord): void {
  const attached = new Set(Object.keys(net.endpoints));
  for (const c of listContainers().filter((x) => attached.has(x.id))) {
    writeFileSync(containerDir.file(c.id, 'hosts'), networkHostsFile(net, c));
  }
}
