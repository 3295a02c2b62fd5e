/**
 * A container's privileges as Docker 20.10 computes them: its 14 default capabilities tweaked
 * by --cap-add/--cap-drop (names with or without CAP_, any case, or ALL), and the
 * --security-opt values tsrun understands. Each bad value is a one-line error.
 */
import { ALL_CAPS, CAP, DOCKER_DEFAULT_CAPS, type CapName } from '../sys/capabilities';
import { TsrunError } from '../sys/error';
import type { SecurityConfig } from '../state/containers';


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

/**
 * --security-opt: `no-new-privileges` with an optional `:true|false` (or `=`), and
 * `seccomp=unconfined` or `seccomp=PROFILE.json`, as Docker takes them. A profile file is read
 * (and checked) now; the container keeps its text.
 */
export function parseSecurityOpts(opts: string[]): Pick<SecurityConfig, 'noNewPrivileges' | 'seccomp'> {
  let noNewPrivileges = false;
  let seccomp: SecurityConfig['seccomp'] = 'default';
  for (const opt of opts) {
    const nnp = /^no-new-privileges(?:[:=](.*))?$/.exec(opt);
    if (nnp && (nnp[1] === undefined || nnp[1] === 'true' || nnp[1] === 'false')) {
      noNewPrivileges = nnp[1] !== 'false';
      continue;
    }
    const sc = /^seccomp[:=](.+)$/.exec(opt);
    if (sc) {
      if (sc[1] === 'unconfined') seccomp = 'unconfined';
      else {
        // Loaded only for a profile file: the run path stays lean.
        const { parseDockerProfile, readProfileFile } = require('./seccomp/docker-json') as typeof import('./seccomp/docker-json');
        const json = readProfileFile(sc[1]!);
        parseDockerProfile(json, sc[1]!);
        seccomp = { source: sc[1]!, json };
      }
      continue;
    }
    throw new TsrunError(`invalid --security-opt: "${opt}" (tsrun understands no-new-privileges[:true|false], seccomp=unconfined and seccomp=PROFILE.json)`);
  }
  return { noNewPrivileges, seccomp };
}

/** Checks the options and returns what the container record keeps. */
export function securityConfig(capAdd: string[], capDrop: string[], securityOpt: string[], privileged = false): SecurityConfig {
  containerCapabilities(capAdd, capDrop);
  return { capAdd, capDrop, securityOpt, ...parseSecurityOpts(securityOpt), ...(privileged && { privileged }) };
}
