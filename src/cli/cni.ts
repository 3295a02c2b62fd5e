/**
 * tsrun cni: what a container runtime needs to use tsrun's networks through CNI (docs/cni.md).
 * `install` puts a small wrapper named tsrun-cni into a CNI plugin directory that runs this
 * checkout's plugin with this Node (and this TSRUN_ROOT, if one is set); `conflist` prints a
 * network configuration list for a tsrun network.
 */
import type { Argv } from 'yargs';
import { TsrunError } from '../sys/error';

/** The wrapper's text: absolute paths, since runtimes exec plugins with a minimal PATH. */
export function wrapperScript(node: string, plugin: string, root: string | undefined): string {
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  return [
    '#!/bin/sh',
    '# Made by `tsrun cni install`: the tsrun CNI plugin of this checkout (docs/cni.md).',
    ...(root ? [`TSRUN_ROOT="\${TSRUN_ROOT:-${root.replace(/["\\$`]/g, '\\$&')}}"`, 'export TSRUN_ROOT'] : []),
    `exec ${q(node)} ${q(plugin)} "$@"`,
    '',
  ].join('\n');
}

export function conflist(network: string): Record<string, unknown> {
  return {
    cniVersion: '1.0.0',
    name: network,
    plugins: [{ type: 'tsrun-cni', network, capabilities: { ips: true, mac: true } }],
  };
}

export function cniCommands(y: Argv): Argv {
  return y
    .command(
      'install',
      'Install the tsrun-cni plugin into a CNI plugin directory',
      (c: Argv) => c.option('dir', { type: 'string', default: '/opt/cni/bin', describe: 'The CNI plugin directory (CNI_PATH) to install into' }),
      async (a) => {
        const { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } = await import('node:fs');
        const { basename, join, resolve } = await import('node:path');
        // Beside this bundle (dist/bundle/cni.js), or from tsc's output (dist/src/cli).
        const plugin = basename(__dirname) === 'bundle' ? join(__dirname, 'cni.js') : resolve(__dirname, '..', '..', 'bundle', 'cni.js');
        if (!existsSync(plugin)) throw new TsrunError(`the plugin ${plugin} is missing: run 'npm run build' in the checkout first`);
        const dir = resolve(a.dir);
        const target = join(dir, 'tsrun-cni');
        const tmp = `${target}.tmp${process.pid}`;
        try {
          mkdirSync(dir, { recursive: true, mode: 0o755 });
          writeFileSync(tmp, wrapperScript(process.execPath, plugin, process.env.TSRUN_ROOT));
          chmodSync(tmp, 0o755);
          renameSync(tmp, target);
        } catch (err) {
          throw new TsrunError(`cannot install ${target}: ${(err as Error).message}`);
        }
        console.log(target);
      },
    )
    .command(
      'conflist <network>',
      'Print a CNI network configuration list for a tsrun network',
      (c: Argv) => c.positional('network', { type: 'string', demandOption: true }),
      async (a) => {
        const { requireNetwork } = await import('../state/networks');
        const { readShared } = await import('../state/lock');
        const net = readShared(() => requireNetwork(a.network as string));
        console.log(JSON.stringify(conflist(net.name), null, 2));
      },
    )
    .demandCommand(1, 'name a cni command: install, conflist');
}
