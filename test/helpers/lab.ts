/**
 * A one-machine LAN for root tests (DESIGN.md "Test lab on one machine"): a veth pair
 * stands in for the NIC; its host end is the parent of tsrun networks, its other end sits
 * in a namespace that plays the LAN's router and holds the gateway addresses. Traffic
 * stays between namespaces the test made. remove() deletes all of it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { withState, type StateRoot } from './tsrun';

let counter = 0;

export class Lab {
  /** The host-side link: `-o parent=<parent>`. */
  readonly parent: string;
  readonly router: string;

  constructor(gateways: string[]) {
    const tag = `${process.pid % 100000}${counter++}`;
    this.parent = `tsl${tag}`;
    this.router = `tsrun-router-${tag}`;
    try {
      execFileSync('ip', ['netns', 'add', this.router]);
      execFileSync('ip', ['link', 'add', this.parent, 'type', 'veth', 'peer', 'name', 'lan0', 'netns', this.router]);
      execFileSync('ip', ['link', 'set', this.parent, 'up']);
      this.inRouter(['link', 'set', 'lo', 'up']);
      this.inRouter(['link', 'set', 'lan0', 'up']);
      for (const gw of gateways) this.inRouter(['addr', 'add', gw, 'dev', 'lan0', ...(gw.includes(':') ? ['nodad'] : [])]);
    } catch (err) {
      this.remove();
      throw err;
    }
  }

  inRouter(args: string[]): string {
    return execFileSync('ip', ['-n', this.router, ...args], { encoding: 'utf8' });
  }

  /** The router's neighbour table: ip -> MAC. */
  neighbours(): Map<string, string> {
    const out = new Map<string, string>();
    for (const n of JSON.parse(this.inRouter(['-j', 'neigh', 'show', 'dev', 'lan0'])) as Array<{ dst: string; lladdr?: string }>) {
      if (n.lladdr) out.set(n.dst, n.lladdr);
    }
    return out;
  }

  remove(): void {
    spawnSync('ip', ['link', 'del', this.parent]);
    spawnSync('ip', ['netns', 'del', this.router]);
  }
}

/**
 * Names of the host's links, to check a test left none behind; the parents of other labs
 * (tests running at the same time: tsl<n> here, t<n> of `tsrun lab` in lab.test.ts) and the
 * --host-access shims on other parents are left out, their sub-interfaces are not.
 */
export function hostLinks(lab: Lab): string[] {
  return (JSON.parse(execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' })) as Array<{ ifname: string; link?: string }>)
    .filter((l) => (!/^t(sl)?\d+$/.test(l.ifname) || l.ifname === lab.parent) && !(/^sh-[0-9a-f]{12}$/.test(l.ifname) && l.link !== lab.parent))
    .map((l) => l.ifname)
    .sort();
}

/**
 * A state root with the Alpine image and a lab with these gateway addresses; everything
 * either made is removed afterwards, networks (and the links tsrun made on the lab's
 * parent) before the lab.
 */
export async function withLab(gateways: string[], fn: (s: StateRoot, lab: Lab) => Promise<void> | void): Promise<void> {
  const lab = new Lab(gateways);
  try {
    await withState((s) => fn(s, lab));
  } finally {
    lab.remove();
  }
}
