/**
 * One invocation of the plugin as the runtime made it: the CNI_* environment and the network
 * configuration on stdin, checked and turned into what tsrun needs (which network, which
 * sandbox, which static address and MAC). Every refusal here is the spec's error code.
 */
import { Ip } from '../network/ip';
import { CniError, CODE, SUPPORTED_VERSIONS, type CniResult } from './spec';

export type Command = 'ADD' | 'DEL' | 'CHECK' | 'VERSION' | 'STATUS' | 'GC';
const COMMANDS: Command[] = ['ADD', 'DEL', 'CHECK', 'VERSION', 'STATUS', 'GC'];

/** The driver options a configuration may carry instead of naming a tsrun network. */
export interface InlineNetwork {
  driver: string;
  parent?: string;
  mode?: string;
  subnet: string[];
  gateway: string[];
  ipRange: string[];
  auxAddresses: Record<string, string>;
}

export interface NetConf {
  cniVersion: string;
  /** The CNI network's name (the conflist's). */
  name: string;
  /** The tsrun network: `network`, else the CNI name for an inline network. */
  network: string;
  inline?: InlineNetwork;
  explain: boolean;
  /** false: no default route (a secondary network, as with Multus). */
  defaultRoute: boolean;
  dns?: CniResult['dns'];
  prevResult?: CniResult;
  /** GC (1.1): the attachments the runtime still has. */
  validAttachments?: Array<{ containerID: string; ifname: string }>;
  ip?: string;
  ip6?: string;
  mac?: string;
}

export interface Invocation {
  command: Command;
  containerId: string;
  netns: string;
  ifname: string;
  /** K8S_POD_NAME from CNI_ARGS, shown as the endpoint's name. */
  podName?: string;
  conf: NetConf;
}

/** The command alone: VERSION needs nothing else, and an error must know it to be worded. */
export function commandOf(env: NodeJS.ProcessEnv): Command {
  const c = env.CNI_COMMAND;
  if (!c) throw new CniError(CODE.invalidEnvironment, 'CNI_COMMAND is not set', `tsrun-cni is a CNI plugin, run by a container runtime with CNI_COMMAND=${COMMANDS.join('|')}`);
  if (!COMMANDS.includes(c as Command)) throw new CniError(CODE.invalidEnvironment, `unknown CNI_COMMAND ${c}`, `one of ${COMMANDS.join(', ')}`);
  return c as Command;
}

function parseJson(stdin: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(stdin);
  } catch (err) {
    throw new CniError(CODE.decode, 'the network configuration on stdin is not valid JSON', (err as Error).message);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new CniError(CODE.decode, 'the network configuration on stdin is not a JSON object');
  return v as Record<string, unknown>;
}

/** The version a configuration is in, checked to be one this plugin speaks. */
export function versionOf(raw: Record<string, unknown>): string {
  const v = raw.cniVersion;
  if (typeof v !== 'string' || v === '') throw new CniError(CODE.invalidConfig, 'the network configuration has no cniVersion');
  if (!SUPPORTED_VERSIONS.includes(v)) {
    throw new CniError(CODE.incompatibleVersion, `incompatible CNI versions: config is ${v}, plugin supports ${SUPPORTED_VERSIONS.join(', ')}`);
  }
  return v;
}

const str = (raw: Record<string, unknown>, key: string): string | undefined => {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new CniError(CODE.invalidConfig, `"${key}" must be a string in the network configuration`);
  return v;
};

const strings = (raw: Record<string, unknown>, key: string): string[] => {
  const v = raw[key];
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw new CniError(CODE.invalidConfig, `"${key}" must be a string or a list of strings in the network configuration`);
};

function parseInline(raw: Record<string, unknown>): InlineNetwork | undefined {
  const driver = str(raw, 'driver');
  const given = ['parent', 'mode', 'subnet', 'gateway', 'ipRange', 'auxAddresses'].filter((k) => raw[k] !== undefined);
  if (driver === undefined) {
    if (given.length > 0) throw new CniError(CODE.invalidConfig, `"${given[0]}" needs "driver" (macvlan or ipvlan) beside it, or name a tsrun network with "network"`);
    return undefined;
  }
  const aux = raw.auxAddresses ?? {};
  if (typeof aux !== 'object' || aux === null || Array.isArray(aux) || !Object.values(aux).every((x) => typeof x === 'string')) {
    throw new CniError(CODE.invalidConfig, '"auxAddresses" must be an object of name: address');
  }
  return {
    driver,
    ...(str(raw, 'parent') !== undefined && { parent: str(raw, 'parent') }),
    ...(str(raw, 'mode') !== undefined && { mode: str(raw, 'mode') }),
    subnet: strings(raw, 'subnet'),
    gateway: strings(raw, 'gateway'),
    ipRange: strings(raw, 'ipRange'),
    auxAddresses: aux as Record<string, string>,
  };
}

/** CNI_ARGS: KEY=VALUE;... Unknown keys are refused unless IgnoreUnknown is set (the CNI convention). */
function parseArgs(s: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (s ?? '').split(';').filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new CniError(CODE.invalidEnvironment, `CNI_ARGS entry "${part}" is not KEY=VALUE`);
    out.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const ignore = ['1', 'true'].includes((out.get('IgnoreUnknown') ?? '').toLowerCase());
  const known = ['IgnoreUnknown', 'IP', 'MAC', 'K8S_POD_NAME', 'K8S_POD_NAMESPACE', 'K8S_POD_INFRA_CONTAINER_ID', 'K8S_POD_UID'];
  const unknown = [...out.keys()].find((k) => !known.includes(k));
  if (unknown && !ignore) throw new CniError(CODE.unsupportedField, `CNI_ARGS key ${unknown} is not one tsrun-cni knows (IP, MAC); set IgnoreUnknown=1 to pass it anyway`);
  return out;
}

/** Static addresses: runtimeConfig.ips (the `ips` capability), args.cni.ips, else CNI_ARGS IP=. */
function staticAddresses(raw: Record<string, unknown>, args: Map<string, string>): { ip?: string; ip6?: string } {
  const rc = (raw.runtimeConfig ?? {}) as Record<string, unknown>;
  const cniArgs = ((raw.args as Record<string, unknown> | undefined)?.cni ?? {}) as Record<string, unknown>;
  const listed = [...strings(rc, 'ips'), ...strings(cniArgs, 'ips'), ...(args.get('IP')?.split(',') ?? [])];
  const out: { ip?: string; ip6?: string } = {};
  for (const entry of listed) {
    const addr = entry.replace(/\/\d+$/, '');
    const ip = Ip.parse(addr);
    if (!ip) throw new CniError(CODE.invalidConfig, `requested address ${entry} is not an IP address`);
    const key = ip.family === 4 ? 'ip' : 'ip6';
    if (out[key] !== undefined && out[key] !== addr) throw new CniError(CODE.invalidConfig, `two IPv${ip.family} addresses requested (${out[key]}, ${addr}): tsrun gives one per family`);
    out[key] = addr;
  }
  return out;
}

function requireEnv(env: NodeJS.ProcessEnv, key: string): string {
  const v = env[key];
  if (!v) throw new CniError(CODE.invalidEnvironment, `${key} is not set`);
  return v;
}

export function parseInvocation(env: NodeJS.ProcessEnv, stdin: string): Invocation {
  const command = commandOf(env);
  const raw = parseJson(stdin);
  const cniVersion = versionOf(raw);
  const name = str(raw, 'name');
  if (!name) throw new CniError(CODE.invalidConfig, 'the network configuration has no name');
  const inline = parseInline(raw);
  const network = str(raw, 'network') ?? (inline ? name : undefined);
  if (!network) throw new CniError(CODE.invalidConfig, 'the configuration names no network: give "network": "<a tsrun network>" (see tsrun network ls), or inline "driver", "parent", "subnet"');
  if (inline && raw.network !== undefined) throw new CniError(CODE.invalidConfig, '"network" and inline "driver" options exclude each other: a named tsrun network already has its driver');
  const args = parseArgs(env.CNI_ARGS);
  const rc = (raw.runtimeConfig ?? {}) as Record<string, unknown>;
  const mac = str(rc, 'mac') ?? args.get('MAC') ?? str(raw, 'mac');
  const conf: NetConf = {
    cniVersion,
    name,
    network,
    ...(inline && { inline }),
    explain: raw.explain === true,
    defaultRoute: raw.defaultRoute !== false,
    ...(raw.dns !== undefined && { dns: raw.dns as CniResult['dns'] }),
    ...(raw.prevResult !== undefined && { prevResult: raw.prevResult as CniResult }),
    ...(Array.isArray(raw['cni.dev/valid-attachments']) && { validAttachments: raw['cni.dev/valid-attachments'] as NetConf['validAttachments'] }),
    ...staticAddresses(raw, args),
    ...(mac !== undefined && { mac }),
  };
  const needsSandbox = command === 'ADD' || command === 'DEL' || command === 'CHECK';
  const containerId = needsSandbox ? requireEnv(env, 'CNI_CONTAINERID') : env.CNI_CONTAINERID ?? '';
  if (containerId && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(containerId)) {
    throw new CniError(CODE.invalidEnvironment, `CNI_CONTAINERID "${containerId}" is not alphanumeric with _ . -`);
  }
  // DEL may come without a namespace (it is gone: a reboot, or a sandbox torn down first).
  const netns = command === 'ADD' || command === 'CHECK' ? requireEnv(env, 'CNI_NETNS') : env.CNI_NETNS ?? '';
  const ifname = needsSandbox ? requireEnv(env, 'CNI_IFNAME') : '';
  const podName = args.get('K8S_POD_NAME');
  return { command, containerId, netns, ifname, ...(podName && { podName }), conf };
}
