/**
 * What a container's processes run with: its capabilities, no_new_privs, and the seccomp
 * filter compiled for those capabilities from its profile. Loaded once init is spawning
 * (the compiler and Docker's profile are not on the start-up's critical path).
 */
import { ALL_CAPS } from '../sys/capabilities';
import { compileFilter } from '../sys/seccomp/filter';
import type { SecurityConfig } from '../state/containers';
import { DEFAULT_PROFILE } from './seccomp/default-profile';
import { parseDockerProfile } from './seccomp/docker-json';
import { filterFor, type Profile } from './seccomp/profile';
import { containerCapabilities } from './security';
import type { Privileges } from './spec';

function profileOf(c: SecurityConfig['seccomp'] | undefined): Profile | null {
  if (c === 'unconfined') return null;
  if (c === undefined || c === 'default') return DEFAULT_PROFILE;
  return parseDockerProfile(c.json, c.source);
}

/** Docker's defaults for records that predate these options. */
export function privilegesOf(c: SecurityConfig | undefined): Privileges {
  // Docker's --privileged: every capability (--cap-add/--cap-drop ignored) and no seccomp filter, whatever the profile.
  if (c?.privileged) return { capabilities: ALL_CAPS, noNewPrivileges: c.noNewPrivileges, seccomp: null };
  const capabilities = containerCapabilities(c?.capAdd ?? [], c?.capDrop ?? []);
  const profile = profileOf(c?.seccomp);
  return {
    capabilities,
    noNewPrivileges: c?.noNewPrivileges ?? false,
    seccomp: profile ? compileFilter(filterFor(profile, capabilities)).toString('base64') : null,
  };
}
