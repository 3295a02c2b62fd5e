/**
 * /etc/hosts of containers on networks: each names itself and every other container on a
 * network it shares, by name, aliases and short id, so `ping ipv1` works as in Docker's guides
 * (tsrun has no embedded DNS server: the peers are written in). The files are rewritten in
 * place (same inode) whenever a container joins or leaves, so the bind mounts inside
 * running containers see the change.
 */
import { writeFileSync } from 'node:fs';
import { containerDir, listContainers, type ContainerRecord } from '../state/containers';
import { listNetworks, type NetworkRecord } from '../state/networks';
import { Cidr } from '../network/ip';
import { addedHosts } from './dns-options';
import { hostsFile } from './etc-files';

function addressOf(cidr: string): string {
  return Cidr.parse(cidr, 'address').ip.toString();
}

/** The hosts file of `self` from the endpoints of `nets` (every network, or those it is on). */
export function networkHostsFile(nets: NetworkRecord[], self: Pick<ContainerRecord, 'id' | 'name' | 'config'>): string {
  const entries: Array<{ ip: string; names: string[] }> = [];
  const mine = nets.filter((n) => n.endpoints[self.id]);
  for (const net of mine) {
    const own = net.endpoints[self.id]!;
    for (const cidr of [own.ipv4, own.ipv6]) {
      if (cidr) entries.push({ ip: addressOf(cidr), names: [self.config.hostname, self.name] });
    }
  }
  for (const net of mine) {
    for (const ep of Object.values(net.endpoints)) {
      if (ep.containerId === self.id) continue;
      // What Docker's embedded DNS answers for a peer on a user-defined network: its name, its aliases and its short id.
      const short = ep.containerId.slice(0, 12);
      const aliases = ep.aliases ?? [];
      const names = [ep.containerName, ...aliases, ...(aliases.includes(short) ? [] : [short])];
      for (const cidr of [ep.ipv4, ep.ipv6]) if (cidr) entries.push({ ip: addressOf(cidr), names });
    }
  }
  return hostsFile(entries, addedHosts(self.config));
}

/**
 * Rewrites the hosts file of every container attached to any of `changed`, and of the
 * containers `alsoIds` (one that just left). Call under the lock.
 */
export function refreshHosts(changed: NetworkRecord[], alsoIds: string[] = []): void {
  const attached = new Set([...changed.flatMap((n) => Object.keys(n.endpoints)), ...alsoIds]);
  if (attached.size === 0) return;
  const nets = listNetworks();
  for (const c of listContainers().filter((x) => attached.has(x.id))) {
    writeFileSync(containerDir.file(c.id, 'hosts'), networkHostsFile(nets, c));
  }
}
