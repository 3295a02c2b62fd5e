/** How containers are shown: `ps` rows and Docker's `inspect` JSON. */
import type { AttachedEndpoint, ContainerRecord, DeadContainer, NetworkAttachment, Resources } from '../state/containers';
import { Cidr } from '../network/ip';
import { TsrunError } from '../sys/error';
import { containerArgv } from '../runtime/entrypoint';
import { goTime, humanDuration, timeAgo } from './table';
import { localVolumes, mountsView, psMounts, usesVolume } from './mounts-view';
import { matches, matchLabels, type Filters } from './format/filters';
import { row } from './format/render';
import type { GoStruct } from './format/values';

export function statusText(c: ContainerRecord, now = Date.now()): string {
  if (c.state.status === 'running') return `Up ${humanDuration(now - Date.parse(c.state.startedAt))}`;
  if (c.state.status === 'exited') return `${c.state.restarting ? 'Restarting' : 'Exited'} (${c.state.exitCode}) ${timeAgo(c.state.finishedAt, now)}`;
  return 'Created';
}

/** Docker quotes the command and cuts it to 20 characters. */
export function commandText(c: ContainerRecord): string {
  const cmd = containerArgv(c).join(' ');
  return `"${cmd.length > 20 ? `${cmd.slice(0, 19)}…` : cmd}"`;
}

/** Docker's `ps` table (cli/command/formatter/container.go). */
export const PS_TABLE = 'table {{.ID}}\\t{{.Image}}\\t{{.Command}}\\t{{.RunningFor}}\\t{{.Status}}\\t{{.Ports}}\\t{{.Names}}';

export const PS_HEADERS = {
  ID: 'CONTAINER ID', Names: 'NAMES', Image: 'IMAGE', Command: 'COMMAND', CreatedAt: 'CREATED AT', RunningFor: 'CREATED', Ports: 'PORTS',
  State: 'STATE', Status: 'STATUS', Size: 'SIZE', Labels: 'LABELS', Mounts: 'MOUNTS', LocalVolumes: 'LOCAL VOLUMES', Networks: 'NETWORKS',
};

/** The networks a container is on, read from its inspect view so every endpoint counts. */
function networksOf(c: ContainerRecord): Record<string, { NetworkID?: string }> {
  return (inspectContainer(c).NetworkSettings as { Networks: Record<string, { NetworkID?: string }> }).Networks;
}

function labelsOf(c: ContainerRecord): Record<string, string> {
  return c.config.labels ?? {};
}

/** A `ps` row as Docker's ContainerContext shows it; `trunc` unless --no-trunc. */
export function psContext(c: ContainerRecord, trunc: boolean): GoStruct {
  const labels = labelsOf(c);
  return row('*formatter.ContainerContext', {
    ID: () => (trunc ? c.id.slice(0, 12) : c.id),
    Names: () => c.name,
    Image: () => c.image.ref || '<no image>',
    Command: () => (trunc ? commandText(c) : JSON.stringify(containerArgv(c).join(' '))),
    CreatedAt: () => goTime(c.created, false),
    RunningFor: () => timeAgo(c.created),
    Ports: () => '',
    State: () => (c.state.restarting ? 'restarting' : c.state.status),
    Status: () => statusText(c),
    Size: () => '0B',
    Labels: () => Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(','),
    Label: (name: string) => labels[name] ?? '',
    Mounts: () => psMounts(c, trunc),
    LocalVolumes: () => localVolumes(c),
    Networks: () => Object.keys(networksOf(c)).join(','),
  });
}

/** A Dead container (its record unreadable) as `ps -a` lists it: only what its directory still tells. */
export function deadPsContext(d: DeadContainer, trunc: boolean): GoStruct {
  const empty = (): string => '';
  return row('*formatter.ContainerContext', {
    ID: () => (trunc ? d.id.slice(0, 12) : d.id),
    Names: empty, Image: empty, Command: empty, CreatedAt: empty, RunningFor: empty, Ports: empty,
    State: () => 'dead',
    Status: () => 'Dead',
    Size: () => '0B', Labels: empty, Label: (_name: string) => '', Mounts: empty, LocalVolumes: () => '0', Networks: empty,
  });
}

/** Docker's `ps --filter` keys, and those Docker takes that tsrun has nothing to match with. */
export const PS_FILTERS = ['id', 'name', 'label', 'status', 'network', 'ancestor', 'exited', 'volume'] as const;
export const PS_DOCKER_ONLY_FILTERS = ['before', 'since', 'health', 'isolation', 'is-task', 'publish', 'expose'];
const STATES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

/** Checks the values Docker's daemon checks; returns the test a container must pass. */
export function psFilter(f: Filters, imageIdOf: (ref: string) => string | undefined): (c: ContainerRecord | DeadContainer) => boolean {
  for (const s of f.get('status') ?? []) if (!STATES.includes(s)) throw new TsrunError(`invalid filter 'status=${s}'`);
  const codes = (f.get('exited') ?? []).map((e) => {
    if (!/^[+-]?\d+$/.test(e)) throw new TsrunError(`strconv.Atoi: parsing ${JSON.stringify(e)}: invalid syntax`);
    return Number(e);
  });
  const ancestors = f.has('ancestor') ? (f.get('ancestor') ?? []).map(imageIdOf).filter((i): i is string => i !== undefined) : null;
  return (c) => {
    const dead = 'why' in c;
    const status = dead ? 'dead' : c.state.restarting ? 'restarting' : c.state.status;
    if (!matches(f.get('id'), c.id)) return false;
    if (f.has('status') && !f.get('status')!.includes(status)) return false;
    if (dead) return !['name', 'label', 'network', 'ancestor', 'exited', 'volume'].some((k) => f.has(k));
    if (f.has('volume') && !f.get('volume')!.some((v) => usesVolume(c, v))) return false;
    if (!matches(f.get('name'), `/${c.name}`)) return false;
    if (!matchLabels(f.get('label'), labelsOf(c))) return false;
    if (codes.length > 0 && !(status === 'exited' && codes.includes(c.state.exitCode))) return false;
    if (ancestors && !ancestors.includes(c.image.id)) return false;
    if (f.has('network')) {
      const nets = networksOf(c);
      if (!f.get('network')!.some((v) => v in nets || Object.values(nets).some((n) => !!n.NetworkID && n.NetworkID.startsWith(v)))) return false;
    }
    return true;
  };
}

/** The address fields Docker shows both per network and at the top of NetworkSettings (from the gateway endpoint). */
function addressFields(ep: AttachedEndpoint | undefined): Record<string, string | number> {
  return {
    Gateway: ep?.gateway ?? '',
    IPAddress: addressOf(ep?.ipv4 ?? ''),
    IPPrefixLen: prefixOf(ep?.ipv4 ?? ''),
    IPv6Gateway: ep?.ipv6Gateway ?? '',
    GlobalIPv6Address: addressOf(ep?.ipv6 ?? ''),
    GlobalIPv6PrefixLen: prefixOf(ep?.ipv6 ?? ''),
    MacAddress: ep?.mac ?? '',
  };
}

function prefixOf(cidr: string): number {
  return cidr ? Cidr.parse(cidr, 'address').prefix : 0;
}

function addressOf(cidr: string): string {
  return cidr ? Cidr.parse(cidr, 'address').ip.toString() : '';
}

function nullIfEmpty(list: string[] | undefined): string[] | null {
  return list && list.length > 0 ? list : null;
}

/** Docker shows the swap limit it applied: twice the memory when only --memory was given. */
function swapOf(r: Resources): number {
  if (r.memorySwap !== 0) return r.memorySwap;
  return r.memory > 0 ? 2 * r.memory : 0;
}

/** Docker's NetworkSettings.Networks[name] of one attachment (its endpoint fields empty while stopped). */
function networkEntry(c: ContainerRecord, att: NetworkAttachment): Record<string, unknown> {
  const ep = att.endpoint;
  const { ip, ip6 } = att.ipamConfig;
  // Docker adds the short container id to the aliases on a user-defined network.
  const short = c.id.slice(0, 12);
  return {
    IPAMConfig: ip === undefined && ip6 === undefined ? null : { ...(ip !== undefined && { IPv4Address: ip }), ...(ip6 !== undefined && { IPv6Address: ip6 }) },
    Links: null,
    Aliases: att.aliases.includes(short) ? att.aliases : [...att.aliases, short],
    NetworkID: att.networkId,
    EndpointID: ep?.endpointId ?? '',
    ...addressFields(ep),
    DriverOpts: null,
  };
}

/**
 * The endpoint Docker's top-level NetworkSettings fields come from: the one giving the
 * default route (the first by network name with a gateway), else the first plugged.
 */
function primaryEndpoint(c: ContainerRecord): AttachedEndpoint | undefined {
  const plugged = Object.values(c.networks ?? {})
    .filter((a) => a.endpoint)
    .sort((a, b) => (a.networkName < b.networkName ? -1 : a.networkName > b.networkName ? 1 : 0))
    .map((a) => a.endpoint!);
  return plugged.find((e) => e.gateway || e.ipv6Gateway) ?? plugged[0];
}

export function inspectContainer(c: ContainerRecord): Record<string, unknown> {
  const ep = primaryEndpoint(c);
  const mounts = mountsView(c);
  const res = c.config.resources as Resources | undefined;
  const networks: Record<string, unknown> = {};
  for (const [name, att] of Object.entries(c.networks ?? {})) networks[name] = networkEntry(c, att);
  if (c.config.network === 'none' || c.config.network === 'host') {
    networks[c.config.network] = {
      IPAMConfig: null, Links: null, Aliases: null, NetworkID: '', EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0,
      IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, MacAddress: '', DriverOpts: null,
    };
  }
  const running = c.state.status === 'running';
  return {
    Id: c.id,
    Created: c.created,
    Path: containerArgv(c)[0],
    Args: containerArgv(c).slice(1),
    State: {
      Status: c.state.restarting ? 'restarting' : c.state.status,
      Running: running,
      Paused: false,
      Restarting: c.state.restarting ?? false,
      OOMKilled: c.state.oomKilled ?? false,
      Dead: false,
      Pid: running ? c.state.pid : 0,
      ExitCode: c.state.exitCode,
      Error: c.state.error,
      StartedAt: c.state.startedAt || '0001-01-01T00:00:00Z',
      FinishedAt: c.state.finishedAt || '0001-01-01T00:00:00Z',
    },
    Image: `sha256:${c.image.id}`,
    LogPath: c.logPath,
    Name: `/${c.name}`,
    RestartCount: c.state.restartCount ?? 0,
    Mounts: mounts.mounts,
    HostConfig: {
      Binds: mounts.binds,
      ...(mounts.hostMounts && { Mounts: mounts.hostMounts }),
      ...(mounts.tmpfs && { Tmpfs: mounts.tmpfs }),
      NetworkMode: c.config.network,
      AutoRemove: c.config.autoRemove,
      RestartPolicy: { Name: c.config.restartPolicy?.name ?? 'no', MaximumRetryCount: c.config.restartPolicy?.maximumRetryCount ?? 0 },
      // Docker shows an option never given as null.
      CapAdd: nullIfEmpty(c.config.security?.capAdd),
      CapDrop: nullIfEmpty(c.config.security?.capDrop),
      SecurityOpt: nullIfEmpty(c.config.security?.securityOpt),
      CgroupParent: res?.cgroup === false ? '' : res?.cgroupParent ?? '',
      Memory: res?.memory ?? 0,
      MemorySwap: res ? swapOf(res) : 0,
      NanoCpus: res?.nanoCpus ?? 0,
      CpuShares: res?.cpuShares ?? 0,
      PidsLimit: res && res.pidsLimit > 0 ? res.pidsLimit : null,
      Devices: (res?.devices ?? []).map((d) => ({ PathOnHost: d.host, PathInContainer: d.container, CgroupPermissions: d.rule.access })),
      LogConfig: { Type: c.config.log?.type ?? 'json-file', Config: c.config.log?.config ?? {} },
      // Docker shows these three as [] and ExtraHosts as null when not given.
      Dns: c.config.dns ?? [],
      DnsOptions: c.config.dnsOptions ?? [],
      DnsSearch: c.config.dnsSearch ?? [],
      ExtraHosts: nullIfEmpty(c.config.extraHosts),
      ReadonlyRootfs: c.config.readOnly ?? false,
      Privileged: c.config.security?.privileged ?? false,
      // Docker leaves Sysctls out when none was given.
      ...(c.config.sysctls && Object.keys(c.config.sysctls).length > 0 && { Sysctls: c.config.sysctls }),
    },
    Config: {
      Hostname: c.config.hostname,
      Env: c.config.env,
      Cmd: c.command.length > 0 ? c.command : null,
      Entrypoint: c.config.entrypoint ?? null,
      Image: c.image.ref,
      WorkingDir: c.config.workdir,
      Tty: c.config.tty,
      OpenStdin: c.config.interactive,
      Volumes: mounts.volumes,
      Labels: c.config.labels ?? {},
      User: c.config.user ?? '',
    },
    NetworkSettings: {
      ...addressFields(ep),
      Networks: networks,
    },
  };
}

/** Docker's inspect of a dead container, with why tsrun counts it dead. */
export function inspectDead(d: DeadContainer): unknown {
  return {
    Id: d.id,
    Created: '',
    Path: '',
    Args: [],
    State: { Status: 'dead', Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: true, Pid: 0, ExitCode: 0, Error: `its record ${d.path} cannot be read: ${d.why}`, StartedAt: '', FinishedAt: '' },
    Name: '',
  };
}
