/** Drives bin/tsrun-cni as a container runtime does: CNI_* in the environment, the configuration on stdin. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO, type StateRoot } from './tsrun';

export const PLUGIN = join(REPO, 'bin', 'tsrun-cni');

export interface CniCall {
  command: 'ADD' | 'DEL' | 'CHECK' | 'VERSION' | 'STATUS' | 'GC';
  containerId?: string;
  netns?: string;
  ifname?: string;
  args?: string;
  /** Extra environment (TSRUN_EXPLAIN); undefined values leave a variable out. */
  env?: Record<string, string | undefined>;
}

export interface CniOutcome {
  code: number;
  /** stdout parsed as JSON (undefined when empty). */
  json: any;
  stdout: string;
  stderr: string;
}

export function cni(s: StateRoot, call: CniCall, config: unknown): CniOutcome {
  const env: NodeJS.ProcessEnv = {
    ...s.env(),
    CNI_COMMAND: call.command,
    CNI_CONTAINERID: call.containerId ?? '',
    CNI_NETNS: call.netns ?? '',
    CNI_IFNAME: call.ifname ?? 'eth0',
    CNI_PATH: '/opt/cni/bin',
    CNI_ARGS: call.args ?? '',
  };
  for (const [k, v] of Object.entries(call.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const r = spawnSync(PLUGIN, [], { env, input: typeof config === 'string' ? config : JSON.stringify(config), encoding: 'utf8', timeout: 30_000 });
  return { code: r.status ?? 128, json: r.stdout.trim() ? JSON.parse(r.stdout) : undefined, stdout: r.stdout, stderr: r.stderr };
}

/** A network configuration as a runtime hands it to a plugin of a conflist. */
export const netConf = (network: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ cniVersion: '1.0.0', name: network, type: 'tsrun-cni', network, ...extra });
