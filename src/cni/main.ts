/**
 * tsrun-cni, the CNI plugin (bin/tsrun-cni): run by a container runtime once per ADD, DEL,
 * CHECK, VERSION, STATUS or GC, with the CNI_* environment and the network configuration on
 * stdin. It prints the result (or the spec's error JSON) on stdout and exits non-zero on
 * error. Kept to this file's imports so that a start-up loads little: VERSION loads no
 * netlink at all.
 */
import { readFileSync } from 'node:fs';
import { startExplaining } from '../cli/explain';
import { commandOf, parseInvocation, versionOf, type Invocation } from './request';
import { CniError, CODE, LATEST_VERSION, SUPPORTED_VERSIONS } from './spec';

function readStdin(): string {
  try {
    try {
      return readFileSync(0, 'utf8');
    } catch (err) {
      // A non-blocking stdin (the runtime's choice): a fresh open of it blocks.
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      return readFileSync('/proc/self/fd/0', 'utf8');
    }
  } catch (err) {
    throw new CniError(CODE.io, 'cannot read the network configuration from stdin', (err as Error).message);
  }
}

function print(v: unknown): void {
  process.stdout.write(`${JSON.stringify(v)}\n`);
}

/** VERSION answers in the configuration's version if it names one this plugin speaks. */
function version(stdin: string): void {
  let cniVersion = LATEST_VERSION;
  try {
    cniVersion = versionOf(JSON.parse(stdin) as Record<string, unknown>);
  } catch {
    // The spec's VERSION takes any {"cniVersion"}; answering in the latest is always understood.
  }
  print({ cniVersion, supportedVersions: SUPPORTED_VERSIONS });
}

function run(inv: Invocation): void {
  if (inv.conf.explain || ['1', 'true'].includes(process.env.TSRUN_EXPLAIN ?? '')) startExplaining();
  const ops = require('./attachment') as typeof import('./attachment');
  try {
    switch (inv.command) {
      case 'ADD':
        if (inv.conf.inline) (require('./inline') as typeof import('./inline')).ensureInlineNetwork(inv.conf.network, inv.conf.inline);
        print(ops.add(inv));
        return;
      case 'DEL':
        ops.del(inv);
        return;
      case 'CHECK':
        ops.check(inv);
        return;
      case 'GC':
        ops.gc(inv);
        return;
      case 'STATUS':
        ops.status(inv);
        return;
      default:
        return;
    }
  } catch (err) {
    throw ops.asCniError(err);
  }
}

function main(): void {
  let cniVersion = LATEST_VERSION;
  try {
    const stdin = readStdin();
    try {
      cniVersion = versionOf(JSON.parse(stdin) as Record<string, unknown>);
    } catch {
      // Reported below, by parseInvocation, with the right code.
    }
    if (commandOf(process.env) === 'VERSION') return version(stdin);
    run(parseInvocation(process.env, stdin));
  } catch (err) {
    const e = err instanceof CniError ? err : new CniError(CODE.tsrun, `internal error: ${(err as Error)?.message ?? String(err)}`, process.env.TSRUN_DEBUG ? (err as Error)?.stack ?? '' : '');
    print({ cniVersion, code: e.code, msg: e.message, ...(e.details && { details: e.details }) });
    process.stderr.write(`tsrun-cni: ${e.message}${e.details ? ` (${e.details})` : ''}\n`);
    process.exitCode = 1;
  }
}

main();
