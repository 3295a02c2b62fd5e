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
          .option('internal', { type: 'boolean', default: false, describe: 'No parent NIC: containers reach only each other' })
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
        const { withLock } = await import('../state/lock');
        // Under the lock: a network command killed midway is finished first, and is not listed half made.
        const rows = networkRows(withLock(listNetworks)).filter(keep).map((r) => networkContext(r, !a['no-trunc']));
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
        const { withLock } = await import('../state/lock');
        const { inspectNetwork } = await import('./network-view');
        const { printInspected } = await import('./format/inspect');
        const nets = withLock(() => list(a.networks).map((ref) => inspectNetwork(requireNetwork(ref))));
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
    .demandCommand(1, 'name a network command: create, ls, inspect, rm or prune');
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
