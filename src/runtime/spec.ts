/** What the parent tells init over the sync socket, and the messages they exchange. */
import type { CapName } from '../sys/capabilities';

/** What the container's processes may do: the same for init's command and for what `exec` starts. */
export interface Privileges {
  capabilities: CapName[];
  noNewPrivileges: boolean;
}

export interface InitSpec {
  id: string;
  /** Overlay layers and the mount point that becomes the container's /. */
  lower: string;
  upper: string;
  work: string;
  rootfs: string;
  hostname: string;
  argv: string[];
  env: string[];
  workdir: string;
  tty: boolean;
  /** Without -i the command's stdin is the container's own /dev/null; with it, the pipe init was given. */
  interactive: boolean;
  privileges: Privileges;
  /** Files bind-mounted over /etc/hosts, /etc/hostname, /etc/resolv.conf. */
  etc: { hosts: string; hostname: string; 'resolv.conf': string };
}

/** parent -> init */
export type ParentMessage =
  | { type: 'spec'; spec: InitSpec }
  | { type: 'pty'; number: number }
  | { type: 'go' };

/** init -> parent. A successful execve closes the socket instead of answering. */
export type InitMessage = { type: 'need-pty' } | { type: 'error'; message: string; exitCode: number };

/** The fd of the sync socket in init (stdio index 3). */
export const SYNC_FD = 3;
