/** How networks are shown: Docker's `network inspect` JSON and `network ls` rows. */
import { createHash } from 'node:crypto';
import type { NetworkRecord } from '../state/networks';

export function inspectNetwork(n: NetworkRecord): Record<string, unknown> {
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: 'local',
    Driver: n.driver,
    EnableIPv6: n.enableIPv6,
    IPAM: {
      Driver: 'default',
      Options: {},
      Config: n.pools.map((p) => ({
        Subnet: p.subnet,
        ...(p.ipRange && { IPRange: p.ipRange }),
        ...(p.gateway && { Gateway: p.gateway }),
        ...(Object.keys(p.auxAddresses).length > 0 && { AuxiliaryAddresses: p.auxAddresses }),
      })),
    },
    Internal: n.internal,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: Object.fromEntries(
      Object.values(n.endpoints).map((e) => [
        e.containerId,
        { Name: e.containerName, EndpointID: e.endpointId, MacAddress: e.mac, IPv4Address: e.ipv4, IPv6Address: e.ipv6 },
      ]),
    ),
    Options: n.options,
    Labels: n.labels,
  };
}

export interface NetworkRow {
  id: string;
  name: string;
  driver: string;
  created: string;
  ipv6: boolean;
  internal: boolean;
  labels: Record<string, string>;
}

/** Docker lists its pre-defined networks too; tsrun has host and none (driver "null"). */
function builtin(name: string, driver: string): NetworkRow {
  const id = createHash('sha256').update(`tsrun pre-defined network ${name}`).digest('hex');
  return { id, name, driver, created: '', ipv6: false, internal: false, labels: {} };
}

export function networkRows(nets: NetworkRecord[]): NetworkRow[] {
  const rows = nets.map((n) => ({ id: n.id, name: n.name, driver: n.driver, created: n.created, ipv6: n.enableIPv6, internal: n.internal, labels: n.labels }));
  return [...rows, builtin('host', 'host'), builtin('none', 'null')].sort((a, b) => a.name.localeCompare(b.name));
}

/** One line of `network ls --format json`, with Docker's keys. */
export function rowJson(r: NetworkRow): string {
  return JSON.stringify({
    CreatedAt: r.created,
    Driver: r.driver,
    ID: r.id.slice(0, 12),
    IPv6: String(r.ipv6),
    Internal: String(r.internal),
    Labels: Object.entries(r.labels).map(([k, v]) => `${k}=${v}`).join(','),
    Name: r.name,
    Scope: 'local',
  });
}
