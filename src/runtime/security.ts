/**
 * A container's privileges as Docker 20.10 computes them: its 14 default capabilities tweaked
 * by --cap-add/--cap-drop (names with or without CAP_, any case, or ALL), and the
 * --security-opt values tsrun understands. Each bad value is a one-line error.
 */
import { ALL_CAPS, CAP, DOCKER_DEFAULT_CAPS, type CapName } from '../sys/capabilities';
import { TsrunError } from '../sys/error';
import type { SecurityConfig } from '../state/containers';
import type { Privileges } from './spec';


/** NET_ADMIN, net_admin, CAP_NET_ADMIN -> NET_ADMIN; ALL stays ALL. */
function normalize(name: string, flag: string): CapName | 'ALL' {
  const upper = name.trim().toUpperCase();
  if (upper === 'ALL') return 'ALL';
  const bare = upper.startsWith('CAP_') ? upper.slice(4) : upper;
  if (!(bare in CAP)) {
    throw new TsrunError(`invalid ${flag}: unknown capability: "CAP_${bare}" (use a name from capabilities(7) such as NET_ADMIN, with or without CAP_, or ALL)`);
  }
  return bare as CapName;
}

/** Docker's TweakCapabilities: ALL in --cap-add starts from every capability, ALL in --cap-drop from none. */
export function containerCapabilities(add: string[], drop: string[]): CapName[] {
  const adds = add.map((n) => normalize(n, '--cap-add'));
  const drops = drop.map((n) => normalize(n, '--cap-drop'));
  if (adds.includes('ALL')) return ALL_CAPS.filter((c) => !drops.includes(c));
  const added = adds.filter((c): c is CapName => c !== 'ALL');
  if (drops.includes('ALL')) return [...new Set(added)];
  return [...new Set([...DOCKER_DEFAULT_CAPS.filter((c) => !drops.includes(c)), ...added])];
}

/** --security-opt: `no-new-privileges` with an optional `:true|false` (or `=`), as Docker takes it. */
export function parseSecurityOpts(opts: string[]): { noNewPrivileges: boolean } {
  let noNewPrivileges = false;
  for (const opt of opts) {
    const m = /^no-new-privileges(?:[:=](.*))?$/.exec(opt);
    if (m && (m[1] === undefined || m[1] === 'true' || m[1] === 'false')) {
      noNewPrivileges = m[1] !== 'false';
      continue;
    }
    throw new TsrunError(`invalid --security-opt: "${opt}" (tsrun understands no-new-privileges[:true|false])`);
  }
  return { noNewPrivileges };
}

/** Checks the options and returns what the container record keeps. */
export function securityConfig(capAdd: string[], capDrop: string[], securityOpt: string[]): SecurityConfig {
  containerCapabilities(capAdd, capDrop);
  return { capAdd, capDrop, securityOpt, ...parseSecurityOpts(securityOpt) };
}

/** What the container's processes run with (Docker's defaults for records that predate these options). */
export function privilegesOf(c: SecurityConfig | undefined): Privileges {
  return { capabilities: containerCapabilities(c?.capAdd ?? [], c?.capDrop ?? []), noNewPrivileges: c?.noNewPrivileges ?? false };
}
