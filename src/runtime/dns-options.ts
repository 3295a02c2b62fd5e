/**
 * `run --add-host`, `--dns`, `--dns-search` and `--dns-option`: checked as Docker 20.10's CLI
 * checks them (its words, before anything is created) and kept as Docker keeps them in
 * HostConfig. `/etc/hosts` and `/etc/resolv.conf` are written from them by etc-files.ts.
 */
import { Ip } from '../network/ip';
import type { NetworkRecord } from '../state/networks';
import { TsrunError } from '../sys/error';
import type { HostsEntry } from './etc-files';

/** The flags as given, each repeatable. */
export interface NameFlags {
  addHost?: string[];
  dns?: string[];
  dnsSearch?: string[];
  dnsOption?: string[];
}

/** What the container record keeps (Docker's ExtraHosts, Dns, DnsSearch, DnsOptions). */
export interface NameConfig {
  /** NAME:IP as given; IP may be `host-gateway`. */
  extraHosts: string[];
  /** The address `host-gateway` stands for, found when the container was created. */
  hostGateway?: string;
  dns: string[];
  dnsSearch: string[];
  dnsOptions: string[];
}

/** The special IP of --add-host that names the host, as in Docker. */
export const HOST_GATEWAY = 'host-gateway';

function flagError(value: string, flag: string, why: string): TsrunError {
  return new TsrunError(`invalid argument "${value}" for "${flag}" flag: ${why}`);
}

/** Go's net.ParseIP after TrimSpace, and its String(): an IPv4-mapped IPv6 address reads as IPv4. */
function normalIp(text: string): string | undefined {
  const ip = Ip.parse(text.trim());
  if (!ip) return undefined;
  if (ip.family === 6 && ip.value >> 32n === 0xffffn) return new Ip(4, ip.value & 0xffffffffn).toString();
  return ip.toString();
}

/** NAME:IP, split at the first colon (so an IPv6 address keeps its own). */
function checkExtraHost(value: string): string {
  const colon = value.indexOf(':');
  if (colon <= 0) throw flagError(value, '--add-host', `bad format for add-host: "${value}" (use NAME:IP, e.g. db:10.1.2.3)`);
  const ip = value.slice(colon + 1);
  if (ip !== HOST_GATEWAY && normalIp(ip) === undefined) {
    throw flagError(value, '--add-host', `invalid IP address in add-host: "${ip}" (use an IPv4 or IPv6 address, or ${HOST_GATEWAY})`);
  }
  return value;
}

function checkDns(value: string): string {
  const ip = normalIp(value);
  if (ip === undefined) throw flagError(value, '--dns', `${value} is not an ip address (e.g. --dns 10.0.0.53)`);
  return ip;
}

/** Labels of letters, digits and inner hyphens, dot-separated, one trailing dot allowed (and dropped). */
const DOMAIN = /^((?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*)\.?\s*$/;

/** A search domain as Docker takes it; `.` stands for "no search domains". */
function checkDnsSearch(value: string): string {
  const domain = value.replace(/^ +| +$/g, '');
  if (domain === '.') return domain;
  const m = /[A-Za-z]/.test(domain) ? DOMAIN.exec(domain) : null;
  if (!m || m[1]!.length >= 255) {
    throw flagError(value, '--dns-search', `${domain} is not a valid domain (e.g. --dns-search example.com, or . for none)`);
  }
  return m[1]!;
}

/**
 * Checks every value; `hostGateway` is asked for the host's address only when an --add-host
 * names host-gateway. Throws the first bad value's one-line error.
 */
export function nameConfig(flags: NameFlags, hostGateway: () => string): NameConfig {
  const extraHosts = (flags.addHost ?? []).map(checkExtraHost);
  const config: NameConfig = {
    extraHosts,
    dns: (flags.dns ?? []).map(checkDns),
    dnsSearch: (flags.dnsSearch ?? []).map(checkDnsSearch),
    // Docker's CLI takes any option text: the resolver ignores what it does not know.
    dnsOptions: [...(flags.dnsOption ?? [])],
  };
  if (extraHosts.some((h) => h.slice(h.indexOf(':') + 1) === HOST_GATEWAY)) config.hostGateway = hostGateway();
  return config;
}

/**
 * The address host-gateway stands for. dockerd uses its --host-gateway-ip, by default the
 * default bridge's gateway: the host's own address on the link its containers use. tsrun
 * has no bridge, and the kernel keeps a macvlan or ipvlan container from reaching the
 * host's address on the parent, so the equivalent is the host side of the network's
 * --host-access shim; with --net=host the container shares the host's loopback.
 */
export function hostGatewayIp(mode: 'none' | 'host' | 'network', net: NetworkRecord | undefined): string {
  const why = 'unable to derive the IP value for host-gateway';
  if (mode === 'host') return '127.0.0.1';
  if (mode === 'none' || !net) throw new TsrunError(`${why}: --net=none has no way to the host (give the address instead: --add-host NAME:IP)`);
  if (!net.hostAccess) {
    throw new TsrunError(
      `${why}: network ${net.name} has no host-access shim, and the kernel keeps its containers from reaching the host's address on the parent ` +
        `(create the network with --host-access, or give the address instead: --add-host NAME:IP)`,
    );
  }
  return net.hostAccess.address;
}

/** The /etc/hosts lines of --add-host, in the order given, host-gateway replaced by its address. */
export function addedHosts(config: { extraHosts?: string[]; hostGateway?: string }): HostsEntry[] {
  return (config.extraHosts ?? []).map((h) => {
    const colon = h.indexOf(':');
    const ip = h.slice(colon + 1);
    return { ip: ip === HOST_GATEWAY ? config.hostGateway ?? '' : ip, names: [h.slice(0, colon)] };
  });
}

