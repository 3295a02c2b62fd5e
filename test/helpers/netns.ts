/** Throwaway network namespaces for root tests: made by `ip netns add`, always deleted. */
import { execFileSync, spawnSync } from 'node:child_process';
import { Handle } from '../../src/network/netlink/handle';

let counter = 0;

export class TestNetns {
  readonly name: string;
  readonly path: string;
  private handles: Handle[] = [];

  constructor(tag = 't') {
    this.name = `tsrun-${tag}-${process.pid}-${counter++}`;
    this.path = `/run/netns/${this.name}`;
    execFileSync('ip', ['netns', 'add', this.name]);
  }

  /** A library handle bound to this namespace (closed by remove()). */
  handle(): Handle {
    const h = Handle.fromPath(this.path);
    this.handles.push(h);
    return h;
  }

  /** iproute2's JSON view of this namespace: ip -n NS -j ARGS. */
  ipJson<T = Array<Record<string, unknown>>>(args: string[]): T {
    return JSON.parse(execFileSync('ip', ['-n', this.name, '-j', ...args], { encoding: 'utf8' }) || '[]') as T;
  }

  /** Runs iproute2 in this namespace; returns exit code and output. */
  ip(args: string[]): { code: number; out: string } {
    const r = spawnSync('ip', ['-n', this.name, ...args], { encoding: 'utf8' });
    return { code: r.status ?? 1, out: `${r.stdout}${r.stderr}` };
  }

  remove(): void {
    for (const h of this.handles) h.close();
    this.handles = [];
    spawnSync('ip', ['netns', 'del', this.name]);
  }
}

/** Runs fn with fresh namespaces, deleting them however fn ends. */
export async function withNetns<T>(count: number, fn: (...ns: TestNetns[]) => T | Promise<T>): Promise<T> {
  const list: TestNetns[] = [];
  try {
    for (let i = 0; i < count; i++) list.push(new TestNetns());
    return await fn(...list);
  } finally {
    for (const ns of list) ns.remove();
  }
}
