/** What the parent tells init over the sync socket, and the messages they exchange. */
import type { CapName } from '../sys/capabilities';

/** What the container's processes may do: the same for init's command and for what `exec` starts. */
export interface Privileges {
  capabilities: CapName[];
  noNewPrivileges: boolean;
  /** The compiled seccomp filter (struct sock_filter[], base64), or null for unconfined. */
  seccomp: string | null;
}

/** What init mounts at /sys/fs/cgroup: the host's layout, each v1 hierarchy by the name of its mount. */
export type CgroupMounts = { version: 2 } | { version: 1; hierarchies: Array<{ name: string; options: string }> };

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
  cgroups: CgroupMounts;
  /** --device nodes to make in the container's /dev. */
  devices: Array<{ path: string; type: 'c' | 'b'; major: number; minor: number; mode: number; uid: number; gid: number }>;
  /** Files bind-mounted over /etc/hosts, /etc/hostname, /etc/resolv.conf. */
  etc: { hosts: string; hostname: string; 'resolv.conf': string };
  /** -v, --mount and --tmpfs, a parent before what goes inside it (absent: none). */
  mounts?: InitMount[];
  /** --sysctl settings, written through the container's /proc before /proc/sys turns read-only. */
  sysctls: Record<string, string>;
  /** -u as given ('' for none): resolved by init in the container's /etc/passwd and /etc/group. */
  user: string;
  /** --read-only: the root filesystem (and the /etc files, as Docker binds them) read-only. */
  readOnly: boolean;
  /** --privileged: /sys and /sys/fs/cgroup writable, no masked or read-only paths (and every host device in `devices`). */
  privileged: boolean;
}

/** A mount init makes: a host path (a volume's is its _data) bound, or a tmpfs. */
export type InitMount =
  | { type: 'bind'; source: string; target: string; readonly: boolean; propagation: string; recursive: boolean }
  | { type: 'tmpfs'; target: string; flags: number; data: string };

/**
 * parent -> init. init says `booted` as soon as its Node start-up is done (the parent then
 * moves it into the container's cgroup while it works), answers the spec with `ready` (after
 * `need-pty` with -t) once its root is built, and execs on `go`.
 */
export type ParentMessage =
  | { type: 'spec'; spec: InitSpec }
  | { type: 'pty'; number: number }
  | { type: 'go' };

/** init -> parent. A successful execve closes the socket instead of answering. */
export type InitMessage = { type: 'booted' } | { type: 'need-pty' } | { type: 'ready' } | { type: 'error'; message: string; exitCode: number };

/** The fd of the sync socket in init (stdio index 3). */
export const SYNC_FD = 3;
