/**
 * eBPF for cgroup v2's devices rule: a BPF_PROG_TYPE_CGROUP_DEVICE program, written as
 * instructions here (no compiler, no libbpf), loaded with bpf(BPF_PROG_LOAD) and attached to
 * a cgroup directory with bpf(BPF_PROG_ATTACH). The kernel asks the program about every
 * mknod and every open of a device node by a process in the cgroup; 1 allows, 0 refuses
 * (EPERM), as cgroup v1's devices.allow/deny do.
 */
import { TsrunError } from './error';
import { addressOf, check, libc } from './libc';
import { SYS } from './syscall';

const BPF_PROG_LOAD = 5;
const BPF_PROG_ATTACH = 8;
const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
const BPF_CGROUP_DEVICE = 6;
/** Programs of parent cgroups keep applying too: all must allow. */
const BPF_F_ALLOW_MULTI = 2;

/** One 64-bit eBPF instruction: opcode, dst and src registers, 16-bit offset, 32-bit immediate. */
export interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

/** The instructions a device program needs (BPF_ALU64, BPF_JMP, BPF_LDX | BPF_W). */
export const ebpf = {
  /** dst = *(u32 *)(src + off) */
  loadWord: (dst: number, src: number, off: number): Insn => ({ code: 0x61, dst, src, off, imm: 0 }),
  movReg: (dst: number, src: number): Insn => ({ code: 0xbf, dst, src, off: 0, imm: 0 }),
  movImm: (dst: number, imm: number): Insn => ({ code: 0xb7, dst, src: 0, off: 0, imm }),
  andImm: (dst: number, imm: number): Insn => ({ code: 0x57, dst, src: 0, off: 0, imm }),
  rshImm: (dst: number, imm: number): Insn => ({ code: 0x77, dst, src: 0, off: 0, imm }),
  /** if dst != imm: skip `off` instructions */
  jneImm: (dst: number, imm: number, off: number): Insn => ({ code: 0x55, dst, src: 0, off, imm }),
  exit: (): Insn => ({ code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }),
};

function encode(insns: Insn[]): Buffer {
  const out = Buffer.alloc(8 * insns.length);
  insns.forEach((i, n) => {
    out.writeUInt8(i.code, 8 * n);
    out.writeUInt8((i.src << 4) | i.dst, 8 * n + 1);
    out.writeInt16LE(i.off, 8 * n + 2);
    out.writeInt32LE(i.imm | 0, 8 * n + 4);
  });
  return out;
}

function bpf(cmd: number, attr: Buffer, what: string): number {
  return check(libc.syscall([SYS.bpf, cmd, addressOf(attr), attr.length, 0, 0]), 'bpf', what);
}

/** Loads a device program; returns its fd. The verifier's complaint, if any, is in the error. */
export function loadDeviceProgram(insns: Insn[]): number {
  const code = encode(insns);
  const license = Buffer.from('GPL\0');
  const log = Buffer.alloc(65536);
  const attr = Buffer.alloc(128);
  attr.writeUInt32LE(BPF_PROG_TYPE_CGROUP_DEVICE, 0);
  attr.writeUInt32LE(insns.length, 4);
  attr.writeBigUInt64LE(BigInt(addressOf(code)), 8);
  attr.writeBigUInt64LE(BigInt(addressOf(license)), 16);
  attr.writeUInt32LE(1, 24); // log_level
  attr.writeUInt32LE(log.length, 28);
  attr.writeBigUInt64LE(BigInt(addressOf(log)), 32);
  attr.write('tsrun_devices', 48);
  attr.writeUInt32LE(BPF_CGROUP_DEVICE, 68); // expected_attach_type
  try {
    return bpf(BPF_PROG_LOAD, attr, 'load the devices program');
  } catch (err) {
    const verifier = log.toString('utf8', 0, Math.max(0, log.indexOf(0))).trim().split('\n').at(-1);
    throw new TsrunError(`${(err as Error).message}${verifier ? `: ${verifier}` : ''}`, (err as TsrunError).errno);
  } finally {
    // The kernel copied code, license and log during the call; keep them alive until then.
    if (code.length + license.length + log.length < 0) throw new Error('unreachable');
  }
}

/** Attaches the program `progFd` to the cgroup directory `cgroupFd`; the cgroup keeps it. */
export function attachDeviceProgram(cgroupFd: number, progFd: number, what: string): void {
  const attr = Buffer.alloc(20);
  attr.writeUInt32LE(cgroupFd, 0);
  attr.writeUInt32LE(progFd, 4);
  attr.writeUInt32LE(BPF_CGROUP_DEVICE, 8);
  attr.writeUInt32LE(BPF_F_ALLOW_MULTI, 12);
  bpf(BPF_PROG_ATTACH, attr, `attach the devices program to ${what}`);
}
