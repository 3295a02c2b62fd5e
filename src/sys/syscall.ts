import { ARCH } from './arch';

/** This machine's numbers of the system calls libc has no non-variadic wrapper for (src/sys/arch.ts). */
export const SYS = ARCH.sys;
