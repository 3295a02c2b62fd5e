/**
 * Every number tsrun uses that differs between the CPU architectures it runs on (x86-64 and
 * arm64 Linux), in one table: the system calls made through ffi-rs's syscall(), the open(2)
 * flags arm64 numbers differently, and the seccomp entry points (audit arch and call
 * numbers) a filter covers. What is the same on both stays where it is used: ioctl
 * requests (both use asm-generic/ioctls.h), O_CLOEXEC, O_PATH and the other open flags,
 * mount, clone and socket constants, and the layouts of open_how, the capability structs,
 * bpf_attr, seccomp_data, siginfo_t, statfs, termios, posix_spawn's types and netlink's
 * messages (64-bit little-endian with the same glibc structs on both).
 */
import { TsrunError } from './error';
import { AARCH64, I386, X32, X86_64 } from './seccomp/syscall-numbers';

/** A kernel entry point a seccomp filter can see a call come through, by libseccomp's name. */
export type FilterArch = 'x86_64' | 'x86' | 'x32' | 'aarch64';

export interface EntryPoint {
  /** seccomp_data.arch of calls made through it (AUDIT_ARCH_*, linux/audit.h). */
  audit: number;
  /** Call numbers by name (scripts/syscall-tables). */
  numbers: Record<string, number>;
  /** Added to every number: x32 calls carry __X32_SYSCALL_BIT. */
  base: number;
}

export const X32_SYSCALL_BIT = 0x40000000;

export const ENTRY_POINTS: Record<FilterArch, EntryPoint> = {
  x86_64: { audit: 0xc000003e, numbers: X86_64, base: 0 },
  x86: { audit: 0x40000003, numbers: I386, base: 0 },
  // x32 shares x86-64's audit arch; the bit in the call number tells them apart.
  x32: { audit: 0xc000003e, numbers: X32, base: X32_SYSCALL_BIT },
  aarch64: { audit: 0xc00000b7, numbers: AARCH64, base: 0 },
};

/** The calls tsrun makes with syscall() because libc has no non-variadic wrapper for them. */
const SYSCALLS = [
  'ioctl', 'capget', 'capset', 'setgroups', 'setresuid', 'setresgid', 'prctl', 'pivot_root',
  'close_range', 'openat2', 'keyctl', 'seccomp', 'bpf',
] as const;

export type SyscallName = (typeof SYSCALLS)[number];

export interface Arch {
  /** process.arch. */
  node: string;
  /** `uname -m`. */
  machine: string;
  /** Docker's name (a profile's includes.arches). */
  docker: string;
  /** The entry points Docker's default profile covers here (its archMap); the first is the native one. */
  seccomp: FilterArch[];
  /** Numbers of the calls in SYSCALLS, from the native entry point's table. */
  sys: Record<SyscallName, number>;
  /** open(2) flags whose values differ: arm64's asm/fcntl.h swaps them with O_DIRECT and O_LARGEFILE. */
  o: { DIRECTORY: number; NOFOLLOW: number };
}

const ARCHES: Record<string, Omit<Arch, 'sys'>> = {
  x64: { node: 'x64', machine: 'x86_64', docker: 'amd64', seccomp: ['x86_64', 'x86', 'x32'], o: { DIRECTORY: 0o200000, NOFOLLOW: 0o400000 } },
  // The AArch32 compat entry point is not covered: a filter kills 32-bit ARM programs' calls.
  arm64: { node: 'arm64', machine: 'aarch64', docker: 'arm64', seccomp: ['aarch64'], o: { DIRECTORY: 0o40000, NOFOLLOW: 0o100000 } },
};

/** The table of `nodeArch` (a process.arch value); refuses an architecture tsrun does not know. */
export function archOf(nodeArch: string): Arch {
  const arch = ARCHES[nodeArch];
  if (!arch) {
    throw new TsrunError(`tsrun runs on x86-64 (x64) and arm64 Linux, not ${nodeArch}: its system call numbers for ${nodeArch} are unknown`, 'EINVAL');
  }
  const numbers = ENTRY_POINTS[arch.seccomp[0]!].numbers;
  const sys = Object.fromEntries(SYSCALLS.map((name) => [name, numbers[name]!])) as Record<SyscallName, number>;
  return { ...arch, sys };
}

/** This machine's. */
export const ARCH = archOf(process.arch);
