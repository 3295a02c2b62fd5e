/**
 * Network records: networks/<id>.json, written atomically under the lock. A record holds
 * the network's configuration (Docker's fields), what tsrun created for it (the parent
 * link), and the endpoints of the containers attached to it, whose addresses are the
 * network's IPAM allocations.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TsrunError } from '../sys/error';
import { readJson, writeJsonAtomic } from './atomic';
import { reportForeign } from './foreign';
import { checkId, isId, stateRoot } from './root';

export type DriverName = 'macvlan' | 'ipvlan';

/** One entry of Docker's IPAM.Config, plus whether tsrun chose the subnet. */
export interface Pool {
  subnet: string;
  ipRange?: string;
  gateway?: string;
  auxAddresses: Record<string, string>;
  /** A default pool, not a user subnet: `--ip` is refused there, as Docker does. */
  auto?: boolean;
}

export interface Endpoint {
  containerId: string;
  containerName: string;
  endpointId: string;
  ifname: string;
  mac: string;
  /** CIDR, e.g. 172.16.86.10/24; "" when the network has no pool of that family. */
  ipv4: string;
  ipv6: string;
}

export interface ParentLink {
  name: string;
  /** tsrun made it (an 802.1Q sub-interface or a dummy): re-create it if gone, delete it with the last network on it. */
  created: false | { kind: 'vlan'; master: string; id: number } | { kind: 'dummy' };
}

export interface NetworkRecord {
  id: string;
  name: string;
  driver: DriverName;
  created: string;
  enableIPv6: boolean;
  internal: boolean;
  pools: Pool[];
  /** -o options as given, with the driver's defaults filled in (Docker shows them so). */
  options: Record<string, string>;
  labels: Record<string, string>;
  parent: ParentLink;
  endpoints: Record<string, Endpoint>;
  /** --host-access: the host-side shim link; its address is the pool's "host-access" aux address. */
  hostAccess?: { link: string; address: string };
}

const dir = (): string => join(stateRoot(), 'networks');
const file = (id: string): string => join(dir(), `${checkId(id, 'network')}.json`);

export function listNetworks(): NetworkRecord[] {
  if (!existsSync(dir())) return [];
  const out: NetworkRecord[] = [];
  for (const f of readdirSync(dir())) {
    const id = f.replace(/\.json$/, '');
    if (id === f || !isId(id)) continue;
    const path = join(dir(), f);
    try {
      const net = readJson<NetworkRecord>(path);
      if (net.id === id) out.push(net);
      else reportForeign(path, `its record names the id "${String(net.id)}", not its file's`);
    } catch (err) {
      reportForeign(path, (err as Error).message);
    }
  }
  return out.sort((a, b) => a.created.localeCompare(b.created));
}

/** By name, full id or unique id prefix. */
export function findNetwork(ref: string): NetworkRecord | undefined {
  const all = listNetworks();
  const exact = all.find((n) => n.name === ref || n.id === ref);
  if (exact) return exact;
  const byPrefix = all.filter((n) => n.id.startsWith(ref));
  if (byPrefix.length > 1) throw new TsrunError(`network id prefix "${ref}" is ambiguous: use more characters`);
  return byPrefix[0];
}

export function requireNetwork(ref: string): NetworkRecord {
  const n = findNetwork(ref);
  if (!n) throw new TsrunError(`network ${ref} not found (see 'tsrun network ls')`);
  return n;
}

export function writeNetwork(n: NetworkRecord): void {
  mkdirSync(dir(), { recursive: true, mode: 0o700 });
  writeJsonAtomic(file(n.id), n);
}

export function removeNetworkRecord(id: string): void {
  rmSync(file(id), { force: true });
}
