/**
 * Which device nodes a container may create and open: Docker's default allowlist (mknod of
 * anything; read and write only null, zero, full, random, urandom, tty, console, ptmx, the
 * pts range and net/tun), plus `--device` additions. The same rules become cgroup v1's
 * devices.allow lines or cgroup v2's eBPF program.
 */
import { statSync } from 'node:fs';
import { ebpf, type Insn } from '../../sys/bpf';
import { fromNodeError, TsrunError } from '../../sys/error';
import type { DeviceMapping, DeviceRule } from '../../state/containers';

const rule = (type: 'c' | 'b', major: number | '*', minor: number | '*', access = 'rwm'): DeviceRule => ({ type, major, minor, access });

/** runc's and Docker's default allowlist. */
export const DEFAULT_DEVICE_RULES: DeviceRule[] = [
  rule('c', '*', '*', 'm'),
  rule('b', '*', '*', 'm'),
  rule('c', 1, 3), // null
  rule('c', 1, 5), // zero
  rule('c', 1, 7), // full
  rule('c', 1, 8), // random
  rule('c', 1, 9), // urandom
  rule('c', 5, 0), // tty
  rule('c', 5, 1), // console
  rule('c', 5, 2), // ptmx
  rule('c', 136, '*'), // pts
  rule('c', 10, 200), // net/tun
];

/** --privileged: Docker's single rule that allows every device. */
export const ALL_DEVICES: DeviceRule[] = [rule('c', '*', '*'), rule('b', '*', '*')];

/** `c 1:3 rwm`, as devices.allow takes it. */
export function v1Line(r: DeviceRule): string {
  return `${r.type} ${r.major}:${r.minor} ${r.access}`;
}

// struct bpf_cgroup_dev_ctx { u32 access_type (access << 16 | type); u32 major; u32 minor; }
const DEV_TYPE = { b: 1, c: 2 } as const;
const ACCESS = { m: 1, r: 2, w: 4 } as const;

/**
 * The eBPF program of a rule list: registers r3 (type), r4 (access), r5 (major), r6 (minor)
 * are loaded from the context once; each rule then checks them in turn and returns 1 when all
 * match. No rule matching returns 0 (EPERM for the process).
 */
export function deviceProgram(rules: DeviceRule[]): Insn[] {
  const out: Insn[] = [
    ebpf.loadWord(2, 1, 0),
    ebpf.movReg(3, 2),
    ebpf.andImm(3, 0xffff),
    ebpf.movReg(4, 2),
    ebpf.rshImm(4, 16),
    ebpf.loadWord(5, 1, 4),
    ebpf.loadWord(6, 1, 8),
  ];
  for (const r of rules) {
    const allowed = [...r.access].reduce((m, a) => m | ACCESS[a as keyof typeof ACCESS], 0);
    // Each check ends in a jump past the rest of this rule's block: `rest` instructions.
    const checks: Array<(rest: number) => Insn[]> = [
      (rest) => [ebpf.jneImm(3, DEV_TYPE[r.type], rest)],
      (rest) => [ebpf.movReg(7, 4), ebpf.andImm(7, ~allowed & 7), ebpf.jneImm(7, 0, rest)],
      ...(r.major === '*' ? [] : [(rest: number) => [ebpf.jneImm(5, r.major as number, rest)]]),
      ...(r.minor === '*' ? [] : [(rest: number) => [ebpf.jneImm(6, r.minor as number, rest)]]),
    ];
    const allow = [ebpf.movImm(0, 1), ebpf.exit()];
    // Built from the end, so every jump knows how many instructions it skips.
    let block = allow;
    for (const check of checks.reverse()) block = [...check(block.length), ...block];
    out.push(...block);
  }
  out.push(ebpf.movImm(0, 0), ebpf.exit());
  return out;
}

/** `--device HOST[:CONTAINER][:PERMS]`, checked against the host's node as Docker does. */
export function parseDevice(spec: string): DeviceMapping {
  const parts = spec.split(':');
  const host = parts[0];
  let container: string | undefined = parts[1];
  let perms: string | undefined = parts[2];
  if (parts.length === 2 && /^[rwm]+$/.test(container!)) [container, perms] = [undefined, container];
  if (parts.length > 3 || !host) throw new TsrunError(`invalid --device "${spec}": use HOST[:CONTAINER][:PERMS], e.g. /dev/net/tun or /dev/ttyUSB0:/dev/modem:rw`);
  perms ??= 'rwm';
  if (!/^[rwm]{1,3}$/.test(perms) || new Set(perms).size !== perms.length) throw new TsrunError(`invalid --device "${spec}": invalid device mode "${perms}" (a combination of r, w and m)`);
  container ??= host;
  if (!container.startsWith('/')) throw new TsrunError(`invalid --device "${spec}": the container path ${container} must be absolute`);
  let st;
  try {
    st = statSync(host);
  } catch (err) {
    throw fromNodeError(err, `error gathering device information while adding custom device "${host}"`);
  }
  if (!st.isCharacterDevice() && !st.isBlockDevice()) {
    throw new TsrunError(`error gathering device information while adding custom device "${host}": not a device node`);
  }
  const major = Number((BigInt(st.rdev) >> 8n) & 0xfffn);
  const minor = Number((BigInt(st.rdev) & 0xffn) | ((BigInt(st.rdev) >> 12n) & 0xfff00n));
  return { host, container, rule: rule(st.isCharacterDevice() ? 'c' : 'b', major, minor, perms), mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
}
