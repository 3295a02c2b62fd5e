/** What a VM scenario uses to act on its hosts and assert; a failed check throws. */
import { isDeepStrictEqual } from 'node:util';
import type { CommandResult, VmHost } from './driver';

export class CheckFailed extends Error {}

export class Ctx {
  constructor(readonly hosts: Record<string, VmHost>) {}

  host(name: string): VmHost {
    const h = this.hosts[name];
    if (!h) throw new Error(`no host ${name}`);
    return h;
  }

  /** NIC and TSRUN are set for every command: scenarios are written once for every driver. */
  private wrap(host: string, command: string): string {
    const h = this.host(host);
    return `export NIC=${h.nic} TSRUN=${h.tsrun}; ${command}`;
  }

  /** Runs a command that must succeed; returns its output. */
  async sh(host: string, command: string, timeoutMs?: number): Promise<string> {
    const r = await this.host(host).run(this.wrap(host, command), timeoutMs);
    if (r.code !== 0) throw new CheckFailed(`on ${host}: \`${command}\` exited ${r.code}:\n${r.out}`);
    return r.out;
  }

  /** Runs a command whose exit code the scenario looks at itself. */
  async try(host: string, command: string, timeoutMs?: number): Promise<CommandResult> {
    return this.host(host).run(this.wrap(host, command), timeoutMs);
  }

  /** tsrun in that host: `await c.tsrun('host1', 'network ls')`. */
  async tsrun(host: string, args: string, timeoutMs?: number): Promise<string> {
    return this.sh(host, `${this.host(host).tsrun} ${args}`, timeoutMs);
  }

  async tsrunTry(host: string, args: string): Promise<CommandResult> {
    return this.try(host, `${this.host(host).tsrun} ${args}`);
  }

  is<T>(actual: T, expected: T, what: string): void {
    if (!isDeepStrictEqual(actual, expected)) throw new CheckFailed(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }

  match(text: string, re: RegExp, what: string): void {
    if (!re.test(text)) throw new CheckFailed(`${what}: ${re} does not match:\n${text}`);
  }

  noMatch(text: string, re: RegExp, what: string): void {
    if (re.test(text)) throw new CheckFailed(`${what}: ${re} should not match:\n${text}`);
  }
}
