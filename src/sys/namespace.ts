import { openSync, closeSync } from 'node:fs';
import { check, libc } from './libc';

export const CLONE = {
  NEWNS: 0x00020000,
  NEWCGROUP: 0x02000000,
  NEWUTS: 0x04000000,
  NEWIPC: 0x08000000,
  NEWUSER: 0x10000000,
  NEWPID: 0x20000000,
  NEWNET: 0x40000000,
  FS: 0x00000200,
} as const;

/** Namespace kinds as named under /proc/PID/ns, with the CLONE flag setns checks. */
export const NS_KINDS = {
  net: CLONE.NEWNET,
  uts: CLONE.NEWUTS,
  ipc: CLONE.NEWIPC,
  pid: CLONE.NEWPID,
  pid_for_children: CLONE.NEWPID,
  cgroup: CLONE.NEWCGROUP,
  mnt: CLONE.NEWNS,
} as const;
export type NsKind = keyof typeof NS_KINDS;

/** Namespace changes apply to the calling thread only: this is always Node's main thread. */
export function unshare(flags: number, what: string): void {
  check(libc.unshare([flags]), 'unshare', what);
}

export function setns(fd: number, kind: NsKind, what: string): void {
  check(libc.setns([fd, NS_KINDS[kind]]), 'setns', `${kind} namespace of ${what}`);
}

export function openNamespace(path: string): number {
  return openSync(path, 'r');
}

/**
 * Holds fds for a set of namespaces so the thread can return to them later, e.g. the
 * main thread's own namespaces saved before it unshares into a container's.
 */
export class NamespaceSet {
  private constructor(
    private readonly fds: Map<NsKind, number>,
    private readonly owner: string,
  ) {}

  static open(dir: string, kinds: NsKind[], owner: string): NamespaceSet {
    const fds = new Map<NsKind, number>();
    try {
      for (const k of kinds) fds.set(k, openSync(`${dir}/${k}`, 'r'));
    } catch (err) {
      for (const fd of fds.values()) closeSync(fd);
      throw err;
    }
    return new NamespaceSet(fds, owner);
  }

  /** The calling thread's own namespaces. */
  static ofThisThread(kinds: NsKind[]): NamespaceSet {
    return NamespaceSet.open('/proc/thread-self/ns', kinds, 'tsrun');
  }

  enter(): void {
    for (const [kind, fd] of this.fds) setns(fd, kind, this.owner);
  }

  /**
   * Returns this thread to these namespaces, its own. One that cannot go back must not go on
   * (the supervisor would make the next container's links, hostname and spawns in another
   * container's namespaces): the process ends, and what it ran is settled as a dead monitor's.
   */
  return(): void {
    try {
      this.enter();
    } catch (err) {
      process.stderr.write(`tsrun: cannot return to its own namespaces (${err instanceof Error ? err.message : String(err)}): ending the process\n`);
      process.exit(125);
    }
  }

  fd(kind: NsKind): number {
    const fd = this.fds.get(kind);
    if (fd === undefined) throw new Error(`namespace set of ${this.owner} has no ${kind}`);
    return fd;
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}

/** Runs `fn` with this thread in the network namespace of `fd`, and returns it home after. */
export function inNetworkNamespace<T>(fd: number, what: string, fn: () => T): T {
  const home = NamespaceSet.ofThisThread(['net']);
  try {
    setns(fd, 'net', what);
    try {
      return fn();
    } finally {
      home.return();
    }
  } finally {
    home.close();
  }
}
