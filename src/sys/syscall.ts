/** x86-64 system call numbers for the calls libc has no non-variadic wrapper for. */
export const SYS = {
  ioctl: 16,
  capset: 126,
  prctl: 157,
  pivot_root: 155,
  close_range: 436,
} as const;
