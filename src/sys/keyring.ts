import { check, libc } from './libc';
import { SYS } from './syscall';

const KEYCTL_JOIN_SESSION_KEYRING = 1;

/**
 * Gives the calling thread (and what it starts) a new, empty, anonymous session keyring,
 * as runc does for every container process, so the invoker's session keys stay out of reach.
 */
export function joinNewSessionKeyring(): void {
  check(libc.syscall([SYS.keyctl, KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0]), 'keyctl', 'join a new session keyring');
}
