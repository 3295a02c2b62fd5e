/**
 * Network records: networks/<id>.json, written atomically under the lock. A record holds
 * the network's configuration (Docker's fields), what tsrun created for it (the parent
 * link), and the endpoints of the containers attached to it, whose addresses are the
 * network's IPAM allocations.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TsrunError } from '../sys/error';
import { readJson, withoutStaleTemps, writeJsonAtomic } from './atomic';
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
  /** --network-alias / --alias: more names the other containers' /etc/hosts give it (absent in older records). */
  aliases?: string[];
  /** Made by the CNI plugin (src/cni) for a runtime's sandbox, not by a tsrun container: its namespace's path and CNI network. */
  cni?: { netns: string; network: string };
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

/** The path of a network's record relative to TSRUN_ROOT (as intents name it). */
export const networkRecordPath = (id: string): string => `networks/${checkId(id, 'network')}.json`;

/** A file networks/<id>.json that cannot be read as a network record. */
export interface BrokenNetwork {
  id: string;
  path: string;
  why: string;
}

/** Why a parsed record is not a network record tsrun wrote for `id`, or undefined. */
function invalid(net: NetworkRecord, id: string): string | undefined {
  if (!net || typeof net !== 'object') return 'it is not a JSON object';
  if (net.id !== id) return `its record names the id "${String(net.id)}", not its file's`;
  const fields: Array<[keyof NetworkRecord, boolean]> = [
    ['name', typeof net.name === 'string'],
    ['driver', net.driver === 'macvlan' || net.driver === 'ipvlan'],
    ['pools', Array.isArray(net.pools)],
    ['parent', typeof net.parent === 'object' && net.parent !== null && typeof net.parent.name === 'string'],
    ['endpoints', typeof net.endpoints === 'object' && net.endpoints !== null],
    ['options', typeof net.options === 'object' && net.options !== null],
  ];
  const bad = fields.filter(([, ok]) => !ok).map(([k]) => k);
  return bad.length > 0 ? `it lacks a valid ${bad.join(', ')}` : undefined;
}

function readAll(): { nets: NetworkRecord[]; broken: BrokenNetwork[] } {
  const nets: NetworkRecord[] = [];
  const broken: BrokenNetwork[] = [];
  if (!existsSync(dir())) return { nets, broken };
  for (const f of withoutStaleTemps(dir(), readdirSync(dir()))) {
    const id = f.replace(/\.json$/, '');
    if (id === f || !isId(id)) continue;
    const path = join(dir(), f);
    let why: string | undefined;
    try {
      const net = readJson<NetworkRecord>(path);
      why = invalid(net, id);
      if (!why) nets.push(net);
    } catch (err) {
      // Removed since the readdir (a `network rm` under the lock while this reads without it).
      if ((err as TsrunError).errno === 'ENOENT') continue;
      why = err instanceof SyntaxError ? `not valid JSON: ${err.message}` : (err as Error).message;
    }
    if (why) broken.push({ id, path, why });
  }
  // Timestamps of one format: their text order is their time order.
  return { nets: nets.sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : 0)), broken };
}

/**
 * The readable network records. An unreadable one is reported once, by path, and left out:
 * every other network keeps working, and `network rm <its id>` removes it.
 */
export function listNetworks(): NetworkRecord[] {
  const { nets, broken } = readAll();
  for (const b of broken) reportForeign(b.path, `${b.why} ('tsrun network rm ${b.id.slice(0, 12)}' removes it)`);
  return nets;
}

/** An unreadable record named by `ref`: its full id, a unique id prefix, or its file name. */
export function findBrokenNetwork(ref: string): BrokenNetwork | undefined {
  const id = ref.replace(/\.json$/, '');
  const matches = readAll().broken.filter((b) => b.id.startsWith(id) && id.length > 0);
  return matches.length === 1 ? matches[0] : undefined;
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

/**
 * The network `ref` names. `shownAs` is how the user named it, when `ref` is the id found
 * earlier (a network removed since is "not found" under the name the user gave).
 */
export function requireNetwork(ref: string, shownAs = ref): NetworkRecord {
  const n = findNetwork(ref);
  if (n) return n;
  const broken = findBrokenNetwork(ref);
  if (broken) throw new TsrunError(`network record ${broken.path} is unreadable (${broken.why}): 'tsrun network rm ${broken.id.slice(0, 12)}' removes it`);
  throw new TsrunError(`network ${shownAs} not found (see 'tsrun network ls')`);
}

export function writeNetwork(n: NetworkRecord): void {
  mkdirSync(dir(), { recursive: true, mode: 0o700 });
  writeJsonAtomic(file(n.id), n);
}

export function removeNetworkRecord(id: string): void {
  rmSync(file(id), { force: true });
}
