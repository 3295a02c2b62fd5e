/** How containers are shown: `ps` rows and Docker's `inspect` JSON. */
import type { ContainerRecord, DeadContainer, Resources } from '../state/containers';
import { humanDuration, timeAgo } from './table';

export function statusText(c: ContainerRecord, now = Date.now()): string {
  if (c.state.status === 'running') return `Up ${humanDuration(now - Date.parse(c.state.startedAt))}`;
  if (c.state.status === 'exited') return `Exited (${c.state.exitCode}) ${timeAgo(c.state.finishedAt, now)}`;
  return 'Created';
}

/** Docker quotes the command and cuts it to 20 characters. */
export function commandText(c: ContainerRecord): string {
  const cmd = c.command.join(' ');
  return `"${cmd.length > 20 ? `${cmd.slice(0, 19)}…` : cmd}"`;
}

export function psRow(c: ContainerRecord): string[] {
  return [c.id.slice(0, 12), c.image.ref, commandText(c), timeAgo(c.created), statusText(c), '', c.name];
}

export function psJson(c: ContainerRecord): string {
  return JSON.stringify({
    Command: commandText(c),
    CreatedAt: c.created,
    ID: c.id.slice(0, 12),
    Image: c.image.ref,
    Names: c.name,
    Networks: c.config.network,
    State: c.state.status,
    Status: statusText(c),
  });
}

function prefixOf(cidr: string): number {
  return cidr ? Number(cidr.split('/')[1]) : 0;
}

function addressOf(cidr: string): string {
  return cidr ? cidr.split('/')[0]! : '';
}

function nullIfEmpty(list: string[] | undefined): string[] | null {
  return list && list.length > 0 ? list : null;
}

/** Docker shows the swap limit it applied: twice the memory when only --memory was given. */
function swapOf(r: Resources): number {
  if (r.memorySwap !== 0) return r.memorySwap;
  return r.memory > 0 ? 2 * r.memory : 0;
}

export function inspectContainer(c: ContainerRecord): Record<string, unknown> {
  const ep = c.endpoint;
  const res = c.config.resources as Resources | undefined;
  const networks: Record<string, unknown> = {};
  if (ep) {
    networks[ep.networkName] = {
      NetworkID: ep.networkId,
      EndpointID: ep.endpointId,
      Gateway: ep.gateway,
      IPAddress: addressOf(ep.ipv4),
      IPPrefixLen: prefixOf(ep.ipv4),
      IPv6Gateway: ep.ipv6Gateway,
      GlobalIPv6Address: addressOf(ep.ipv6),
      GlobalIPv6PrefixLen: prefixOf(ep.ipv6),
      MacAddress: ep.mac,
    };
  } else if (c.config.network === 'none' || c.config.network === 'host') {
    networks[c.config.network] = {
      NetworkID: '', EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0,
      IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, MacAddress: '',
    };
  }
  const running = c.state.status === 'running';
  return {
    Id: c.id,
    Created: c.created,
    Path: c.command[0],
    Args: c.command.slice(1),
    State: {
      Status: c.state.status,
      Running: running,
      Paused: false,
      Restarting: false,
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
    HostConfig: {
      NetworkMode: c.config.network,
      AutoRemove: c.config.autoRemove,
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
    },
    Config: {
      Hostname: c.config.hostname,
      Env: c.config.env,
      Cmd: c.command,
      Image: c.image.ref,
      WorkingDir: c.config.workdir,
      Tty: c.config.tty,
      OpenStdin: c.config.interactive,
    },
    NetworkSettings: {
      Gateway: ep?.gateway ?? '',
      IPAddress: addressOf(ep?.ipv4 ?? ''),
      IPPrefixLen: prefixOf(ep?.ipv4 ?? ''),
      MacAddress: ep?.mac ?? '',
      Networks: networks,
    },
  };
}

/** A Dead container (its record unreadable) as `ps -a` lists it: only what its directory still tells. */
export function deadPsRow(d: DeadContainer): string[] {
  return [d.id.slice(0, 12), '', '', '', 'Dead', '', ''];
}

export function deadPsJson(d: DeadContainer): string {
  return JSON.stringify({ Command: '', CreatedAt: '', ID: d.id.slice(0, 12), Image: '', Names: '', Networks: '', State: 'dead', Status: 'Dead' });
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
