/** What the parent tells init over the sync socket, and the messages they exchange. */
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
  /** Files bind-mounted over /etc/hosts, /etc/hostname, /etc/resolv.conf. */
  etc: { hosts: string; hostname: string; 'resolv.conf': string };
}

/** What `tsrun exec` tells its tenant. */
export interface TenantSpec {
  /** The container's PID 1 as the host sees it: its mount namespace is joined. */
  containerPid: number;
  argv: string[];
  env: string[];
  workdir: string;
  tty: boolean;
  interactive: boolean;
}

/** parent -> init or tenant */
export type ParentMessage =
  | { type: 'spec'; spec: InitSpec }
  | { type: 'exec'; spec: TenantSpec }
  | { type: 'pty'; number: number }
  | { type: 'go' };

/** init or tenant -> parent. A successful execve closes the socket instead of answering. */
export type InitMessage = { type: 'need-pty' } | { type: 'error'; message: string; exitCode: number };

/** The fd of the sync socket in init (stdio index 3). */
export const SYNC_FD = 3;
