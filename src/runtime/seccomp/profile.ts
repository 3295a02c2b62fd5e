/**
 * Seccomp profiles as Docker defines them: a default action, and rules that allow (or
 * refuse) calls by name, some only with certain capabilities, on certain architectures or
 * for certain argument values. `filterFor` picks the rules that apply to a container's
 * capabilities and hands them to the compiler (sys/seccomp/filter.ts).
 */
import { release } from 'node:os';
import { ARCH } from '../../sys/arch';
import type { CapName } from '../../sys/capabilities';
import type { Action, ArgCheck, FilterArch, FilterSpec } from '../../sys/seccomp/filter';

export interface ProfileRule {
  names: string[];
  action: Action;
  args?: ArgCheck[];
  /** Applies only if the container has every one of these capabilities. */
  ifCaps?: CapName[];
  /** Applies only if the container has none of these. */
  unlessCaps?: CapName[];
  /** Applies only on these host architectures (Docker's names: amd64, arm64 ...), or not on those. */
  arches?: string[];
  notArches?: string[];
  /** Applies only from this kernel version on. */
  minKernel?: string;
}

export interface Profile {
  defaultAction: Action;
  /** The entry points the filter covers; calls through any other are killed. */
  arches: FilterArch[];
  rules: ProfileRule[];
}

/** This machine's architecture as Docker names it. */
const HOST_ARCH = ARCH.docker;

function kernelAtLeast(min: string): boolean {
  const have = release().split(/[.-]/).map(Number);
  const want = min.split('.').map(Number);
  for (let i = 0; i < want.length; i++) {
    if ((have[i] ?? 0) !== want[i]) return (have[i] ?? 0) > want[i]!;
  }
  return true;
}

export function filterFor(profile: Profile, caps: CapName[]): FilterSpec {
  const has = new Set(caps);
  const applies = (r: ProfileRule): boolean =>
    (r.ifCaps ?? []).every((c) => has.has(c)) &&
    !(r.unlessCaps ?? []).some((c) => has.has(c)) &&
    (r.arches === undefined || r.arches.includes(HOST_ARCH)) &&
    !(r.notArches ?? []).includes(HOST_ARCH) &&
    (r.minKernel === undefined || kernelAtLeast(r.minKernel));
  return {
    defaultAction: profile.defaultAction,
    arches: profile.arches,
    rules: profile.rules.filter(applies).map((r) => ({ names: r.names, action: r.action, args: r.args ?? [] })),
  };
}
