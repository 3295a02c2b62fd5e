/** The /etc/hosts, /etc/hostname and /etc/resolv.conf tsrun writes for a container. */
import { readFileSync } from 'node:fs';

/** Docker's /etc/hosts for a container with its own network namespace. */
export function hostsFile(entries: Array<{ ip: string; names: string[] }>): string {
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    ...entries.map((e) => `${e.ip}\t${e.names.join(' ')}`),
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

export function hostHostsFile(): string {
  return readOr('/etc/hosts', hostsFile([]));
}

/**
 * The host's resolv.conf without loopback nameservers (a resolver on the host's 127.0.0.x is
 * unreachable from the container's namespace); Google's public resolvers if none remain,
 * as Docker does. `hostNetwork` keeps the host's file unchanged.
 */
export function resolvConf(hostNetwork: boolean): string {
  const host = readOr('/etc/resolv.conf', '');
  if (hostNetwork) return host;
  const kept = host.split('\n').filter((l) => !/^\s*nameserver\s+(127\.|::1\b)/.test(l));
  if (!kept.some((l) => /^\s*nameserver\s/.test(l))) {
    kept.push('nameserver 8.8.8.8', 'nameserver 8.8.4.4');
  }
  return `${kept.filter((l, i, a) => l !== '' || i < a.length - 1).join('\n')}\n`;
}
