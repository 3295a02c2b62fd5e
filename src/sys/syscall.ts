/** x86-64 system call numbers for the calls libc has no non-variadic wrapper for. */
export const SYS = {
  ioctl: 16,
  capget: 125,
  capset: 126,
  setgroups: 116,
  setresuid: 117,
  setresgid: 119,
  prctl: 157,
  pivot_root: 155,
  close_range: 436,
  openat2: 437,
  keyctl: 250,
  seccomp: 317,
  bpf: 321,
} as const;
