import type { Argv } from 'yargs';
import { TsrunError } from '../sys/error';

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

async function root(): Promise<void> {
  (await import('../runtime/options')).requireRoot();
}

export function networkCommands(y: Argv): Argv {
  return y
    .command(
      // [name], not <name>: yargs leaves a name given after `--` (network create -- -x) in _.
      'create [name]',
      'Create a macvlan or ipvlan network',
      (c: Argv) =>
        c
          .usage('tsrun network create [options] NAME\n\nCreate a macvlan or ipvlan network')
          .positional('name', { type: 'string' })
          .option('driver', { alias: 'd', type: 'string', default: 'bridge', describe: "macvlan or ipvlan (Docker's default, bridge, is not available)" })
          .option('subnet', { type: 'string', array: true, describe: 'Subnet in CIDR form (repeatable; IPv4 and IPv6)' })
          .option('gateway', { type: 'string', array: true, describe: 'Gateway of a subnet (repeatable; default: its first address)' })
          .option('ip-range', { type: 'string', array: true, describe: 'Allocate container addresses from this sub-range (repeatable)' })
          .option('aux-address', { type: 'string', array: true, describe: 'NAME=IP an address never given to containers (repeatable)' })
          .option('ipv6', { type: 'boolean', default: false, describe: 'Enable IPv6 (needs an IPv6 --subnet)' })
          .option('internal', { type: 'boolean', default: false, describe: 'No default route in the containers (without -o parent: a dummy parent, so they reach only each other)' })
          .option('host-access', { type: 'boolean', default: false, describe: 'Add a host-side shim link so this host can reach the containers' })
          .option('opt', { alias: 'o', type: 'string', array: true, describe: 'parent=IFACE, macvlan_mode=, ipvlan_mode=, ipvlan_flag=' })
          .option('label', { type: 'string', array: true, describe: 'KEY=VALUE metadata (repeatable)' })
          .parserConfiguration({ 'greedy-arrays': false }),
      async (a) => {
        const name = a.name ?? a._.slice(2).map(String)[0];
        if (name === undefined) throw new TsrunError("network create needs a name: tsrun network create [options] NAME (see 'tsrun network create --help')");
        await root();
        const { createNetwork } = await import('../network/networks');
        const net = createNetwork({
          name,
          driver: a.driver,
          subnets: list(a.subnet),
          gateways: list(a.gateway),
          ipRanges: list(a['ip-range']),
          auxAddresses: list(a['aux-address']),
          ipv6: a.ipv6,
          internal: a.internal,
          hostAccess: a['host-access'],
          options: list(a.opt),
          labels: list(a.label),
        });
        console.log(net.id);
      },
    )
    .command(
      ['ls', 'list'],
      'List networks',
      (c: Argv) =>
        c
          .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'Only ids' })
          .option('no-trunc', { type: 'boolean', default: false, describe: 'Full ids' })
          .option('filter', { alias: 'f', type: 'string', array: true, describe: 'KEY=VALUE: driver, id, name, label, scope, type=custom|builtin (repeatable)' })
          .option('format', { type: 'string', describe: "A Go template ('{{.Name}}\\t{{.Driver}}'), 'table TEMPLATE' for columns, or json" })
          .parserConfiguration({ 'greedy-arrays': false, 'boolean-negation': false }),
      async (a) => {
        const { parseFilters } = await import('./format/filters');
        const { renderList } = await import('./format/render');
        const { NETWORK_FILTERS, NETWORK_HEADERS, NETWORK_TABLE, networkContext, networkFilter, networkRows } = await import('./network-view');
        const keep = networkFilter(parseFilters('network ls', list(a.filter), NETWORK_FILTERS, ['dangling']));
        const { listNetworks } = await import('../state/networks');
        const { readShared } = await import('../state/lock');
        // A network command killed midway is finished first (readShared), and is not listed half made:
        // a create writes the record only once the network is whole.
        const rows = networkRows(readShared(listNetworks)).filter(keep).map((r) => networkContext(r, !a['no-trunc']));
        const format = a.format === undefined || a.format === 'table' ? (a.quiet ? '{{.ID}}' : NETWORK_TABLE) : a.format === 'json' ? '{{json .}}' : a.format;
        process.stdout.write(renderList(format, rows, NETWORK_HEADERS));
      },
    )
    .command(
      'inspect <networks..>',
      "Show networks' configuration and containers as JSON",
      (c: Argv) =>
        c
          .positional('networks', { type: 'string', array: true })
          .option('format', { alias: 'f', type: 'string', describe: "A Go template run over each network, e.g. '{{json .IPAM.Config}}'" }),
      async (a) => {
        const { requireNetwork } = await import('../state/networks');
        const { readShared } = await import('../state/lock');
        const { inspectNetwork } = await import('./network-view');
        const { printInspected } = await import('./format/inspect');
        const nets = readShared(() => list(a.networks).map((ref) => inspectNetwork(requireNetwork(ref))));
        printInspected(a.format, nets);
      },
    )
    .command(
      ['rm <networks..>', 'remove'],
      'Remove networks (and the parent links tsrun created for them)',
      (c: Argv) => c.positional('networks', { type: 'string', array: true }),
      async (a) => {
        await root();
        const { removeNetworks } = await import('../network/networks');
        removeNetworks(
          list(a.networks),
          (ref) => console.log(ref),
          (err) => {
            process.stderr.write(`tsrun: ${err.message}\n`);
            process.exitCode = 1;
          },
        );
      },
    )
    .command(
      'connect [network] [container]',
      'Connect a container to a network',
      (c: Argv) =>
        c
          .usage('tsrun network connect [options] NETWORK CONTAINER\n\nConnect a container to a network (a running one at once, another at its next start)')
          .positional('network', { type: 'string' })
          .positional('container', { type: 'string' })
          .option('ip', { type: 'string', describe: 'IPv4 address on the network (e.g. 172.16.86.10)' })
          .option('ip6', { type: 'string', describe: 'IPv6 address on the network' })
          .option('alias', { type: 'string', array: true, describe: 'Another name of the container on the network (repeatable)' })
          .parserConfiguration({ 'greedy-arrays': false }),
      async (a) => {
        if (a.network === undefined || a.container === undefined) {
          throw new TsrunError("network connect needs a network and a container: tsrun network connect [options] NETWORK CONTAINER (see 'tsrun network connect --help')");
        }
        await root();
        const { connectContainer } = await import('../runtime/connect');
        connectContainer(a.network, a.container, { ip: a.ip, ip6: a.ip6, aliases: list(a.alias) });
      },
    )
    .command(
      'disconnect [network] [container]',
      'Disconnect a container from a network',
      (c: Argv) =>
        c
          .usage('tsrun network disconnect [options] NETWORK CONTAINER\n\nDisconnect a container from a network')
          .positional('network', { type: 'string' })
          .positional('container', { type: 'string' })
          .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'Also when the network no longer exists' }),
      async (a) => {
        if (a.network === undefined || a.container === undefined) {
          throw new TsrunError("network disconnect needs a network and a container: tsrun network disconnect [options] NETWORK CONTAINER (see 'tsrun network disconnect --help')");
        }
        await root();
        const { disconnectContainer } = await import('../runtime/connect');
        disconnectContainer(a.network, a.container, a.force);
      },
    )
    .command(
      'prune',
      'Remove every network no container is attached to',
      (c: Argv) => c.option('force', { alias: 'f', type: 'boolean', default: false, describe: 'Do not ask for confirmation' }),
      async (a) => {
        await root();
        if (!a.force && !(await confirm('WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] '))) return;
        const { pruneNetworks } = await import('../network/networks');
        const removed = pruneNetworks();
        if (removed.length > 0) console.log(`Deleted Networks:\n${removed.join('\n')}`);
      },
    )
    .demandCommand(1, 'name a network command: create, connect, disconnect, ls, inspect, rm or prune');
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new TsrunError('network prune asks for confirmation on a terminal: use -f to prune without asking');
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
