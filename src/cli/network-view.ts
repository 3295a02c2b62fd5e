/** How networks are shown: Docker's `network inspect` JSON and `network ls` rows. */
import { naturalCompare } from './natural-order';
import type { NetworkRecord } from '../state/networks';
import { TsrunError } from '../sys/error';
import { goTime } from './table';
import { matches, matchLabels, type Filters } from './format/filters';
import { row } from './format/render';
import type { GoStruct } from './format/values';

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

/**
 * The ids of the pre-defined networks: the SHA-256 of "tsrun pre-defined network NAME", written
 * out so that they never change and `network ls` need not load node:crypto.
 */
const BUILTIN_IDS = {
  host: '208b60916e8bd9365364fa6b7573266e023998e8c3aa8c829d708d7f48136a77',
  none: 'b1f1e17e20cdebb1185f5adddf80824af0665a58f0ff4b83cb40449c7957c9bb',
};

/** Docker lists its pre-defined networks too; tsrun has host and none (driver "null"). */
function builtin(name: keyof typeof BUILTIN_IDS, driver: string): NetworkRow {
  return { id: BUILTIN_IDS[name], name, driver, created: '', ipv6: false, internal: false, labels: {} };
}

export function networkRows(nets: NetworkRecord[]): NetworkRow[] {
  const rows = nets.map((n) => ({ id: n.id, name: n.name, driver: n.driver, created: n.created, ipv6: n.enableIPv6, internal: n.internal, labels: n.labels }));
  return [...rows, builtin('host', 'host'), builtin('none', 'null')].sort((a, b) => naturalCompare(a.name, b.name));
}

/** Docker's `network ls` table (cli/command/network/formatter.go). */
export const NETWORK_TABLE = 'table {{.ID}}\\t{{.Name}}\\t{{.Driver}}\\t{{.Scope}}';

export const NETWORK_HEADERS = {
  ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE', IPv6: 'IPV6', Internal: 'INTERNAL', Labels: 'LABELS', CreatedAt: 'CREATED AT',
};

/** A `network ls` row as Docker's networkContext shows it. */
export function networkContext(r: NetworkRow, trunc: boolean): GoStruct {
  return row('*network.networkContext', {
    ID: () => (trunc ? r.id.slice(0, 12) : r.id),
    Name: () => r.name,
    Driver: () => r.driver,
    Scope: () => 'local',
    IPv6: () => String(r.ipv6),
    Internal: () => String(r.internal),
    Labels: () => Object.entries(r.labels).map(([k, v]) => `${k}=${v}`).join(','),
    Label: (name: string) => r.labels[name] ?? '',
    CreatedAt: () => goTime(r.created, true),
  });
}

export const NETWORK_FILTERS = ['driver', 'id', 'name', 'label', 'scope', 'type'] as const;
const BUILTIN = ['host', 'none'];

/** Docker's daemon-side network filters: driver and scope exact, id and name as patterns. */
export function networkFilter(f: Filters): (r: NetworkRow) => boolean {
  for (const t of f.get('type') ?? []) if (t !== 'custom' && t !== 'builtin') throw new TsrunError(`invalid filter: 'type'='${t}'`);
  return (r) =>
    (!f.has('driver') || f.get('driver')!.includes(r.driver)) &&
    (!f.has('scope') || f.get('scope')!.includes('local')) &&
    matches(f.get('id'), r.id) &&
    matches(f.get('name'), r.name) &&
    matchLabels(f.get('label'), r.labels) &&
    (!f.has('type') || f.get('type')!.includes(BUILTIN.includes(r.name) ? 'builtin' : 'custom'));
}
