/** The /etc/hosts, /etc/hostname and /etc/resolv.conf tsrun writes for a container. */
import { readFileSync } from 'node:fs';

/** One /etc/hosts line. */
export interface HostsEntry {
  ip: string;
  names: string[];
}

/**
 * Docker's /etc/hosts for a container with its own network namespace: the standard lines,
 * then `extra` (--add-host, in the order given), then `entries` (the container's own
 * addresses and its peers'), as libnetwork writes the --add-host lines before the
 * container's own.
 */
export function hostsFile(entries: HostsEntry[], extra: HostsEntry[] = []): string {
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    ...[...extra, ...entries].map((e) => `${e.ip}\t${e.names.join(' ')}`),
  ];
  return `${lines.join('\n')}\n`;
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

/**
 * --net=host: a copy of the host's file. With --add-host Docker 20.10 writes its standard
 * file and the added lines instead (the host's own lines are not kept), and so does tsrun.
 */
export function hostHostsFile(extra: HostsEntry[]): string {
  return extra.length > 0 ? hostsFile([], extra) : readOr('/etc/hosts', hostsFile([]));
}

/** --dns, --dns-search, --dns-option as recorded (absent in records of before them). */
export interface DnsConfig {
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
}

/** The words after the last `keyword` line (comments dropped), as libnetwork reads search and options. */
function lastList(conf: string, keyword: string): string[] {
  let list: string[] = [];
  for (const line of conf.split('\n')) {
    const words = line.replace(/#.*/, '').trim().split(/\s+/);
    if (words[0] === keyword) list = words.slice(1);
  }
  return list;
}

function nameservers(conf: string): string[] {
  // Required here: node:net is not loaded by the commands that only show containers.
  const { isIP } = require('node:net') as typeof import('node:net');
  return conf.split('\n').flatMap((line) => {
    const m = /^\s*nameserver\s+(\S+)\s*$/.exec(line.replace(/#.*/, ''));
    return m && isIP(m[1]!) !== 0 ? [m[1]!] : [];
  });
}

/** A resolver on the host's loopback is unreachable from the container's own namespace. */
function loopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1';
}
const FALLBACK_NAMESERVERS = ['8.8.8.8', '8.8.4.4'];

/**
 * The container's resolv.conf from the host's (`host`), as Docker 20.10 writes it:
 * - no --dns, --dns-search or --dns-option: with --net=host the host's file unchanged;
 *   otherwise the host's file without loopback nameservers, Google's public resolvers if
 *   none remain;
 * - any of them: a file of three parts, `search` (--dns-search, else the host's; none when
 *   it is just `.`), `nameserver` lines (--dns, else the host's) and `options`
 *   (--dns-option, else the host's). Nameservers taken from the host lose their loopback
 *   ones in a namespace of the container's own, as above (Docker's user-defined networks
 *   reach those through their embedded resolver, which tsrun has not).
 */
export function containerResolvConf(host: string, hostNetwork: boolean, dns: DnsConfig): string {
  const given = { dns: dns.dns ?? [], search: dns.dnsSearch ?? [], options: dns.dnsOptions ?? [] };
  if (given.dns.length + given.search.length + given.options.length === 0) {
    if (hostNetwork) return host;
    const kept = host.split('\n').filter((l) => !nameservers(l).some(loopback));
    if (nameservers(kept.join('\n')).length === 0) kept.push(...FALLBACK_NAMESERVERS.map((ns) => `nameserver ${ns}`));
    return `${kept.filter((l, i, a) => l !== '' || i < a.length - 1).join('\n')}\n`;
  }
  let servers = given.dns;
  if (servers.length === 0) {
    servers = nameservers(host).filter((ns) => hostNetwork || !loopback(ns));
    if (servers.length === 0 && !hostNetwork) servers = FALLBACK_NAMESERVERS;
  }
  const search = given.search.length > 0 ? given.search : lastList(host, 'search');
  const options = given.options.length > 0 ? given.options : lastList(host, 'options');
  const lines = [
    ...(search.length > 0 && search.join(' ').trim() !== '.' ? [`search ${search.join(' ')}`] : []),
    ...servers.map((ns) => `nameserver ${ns}`),
    ...(options.join(' ').trim() !== '' ? [`options ${options.join(' ')}`] : []),
  ];
  return lines.map((l) => `${l}\n`).join('');
}

/**
 * The host's resolv.conf as the container's is made from it. A container with a namespace
 * of its own cannot use a systemd-resolved stub (127.0.0.53): then, as Docker does, the
 * upstream servers that systemd-resolved itself uses.
 */
function hostResolvConf(hostNetwork: boolean): string {
  const etc = readOr('/etc/resolv.conf', '');
  if (hostNetwork) return etc;
  const stub = nameservers(etc);
  return stub.length === 1 && stub[0] === '127.0.0.53' ? readOr('/run/systemd/resolve/resolv.conf', etc) : etc;
}

export function resolvConf(hostNetwork: boolean, dns: DnsConfig): string {
  return containerResolvConf(hostResolvConf(hostNetwork), hostNetwork, dns);
}
