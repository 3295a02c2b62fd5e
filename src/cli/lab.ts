import type { Argv } from 'yargs';

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

async function root(): Promise<void> {
  (await import('../runtime/options')).requireRoot();
}

const nameOption = { type: 'string', default: 'lab', describe: 'Lab name: the parent is <name>0, the router namespace tsrun-<name>' } as const;

export function labCommands(y: Argv): Argv {
  return y
    .command(
      'up',
      'Build a simulated LAN: parent link <name>0 and a router namespace holding the gateways',
      (c: Argv) =>
        c
          .option('name', nameOption)
          .option('subnet', { type: 'string', array: true, describe: 'A LAN subnet (repeatable; default 172.16.86.0/24)' })
          .option('gateway', { type: 'string', array: true, describe: "The router's address in a subnet (default: its first address)" })
          .option('vlan', { type: 'string', array: true, describe: 'ID=CIDR: a tagged VLAN on the trunk (repeatable)' })
          .parserConfiguration({ 'greedy-arrays': false }),
      async (a) => {
        await root();
        const { labUp } = await import('../network/lab');
        const lab = labUp({ name: a.name, subnets: list(a.subnet), gateways: list(a.gateway), vlans: list(a.vlan) });
        const { describeLab } = await import('./lab-view');
        console.log(describeLab(lab));
      },
    )
    .command(
      'down',
      'Remove the lab (its networks must be removed first)',
      (c: Argv) => c.option('name', nameOption),
      async (a) => {
        await root();
        const { labDown } = await import('../network/lab');
        labDown(a.name);
      },
    )
    .command(
      'status',
      'Show the lab: parent, router, subnets, VLANs and the networks on it',
      (c: Argv) => c.option('name', { ...nameOption, default: undefined }),
      async (a) => {
        const { labStatus } = await import('../network/lab');
        const { describeLab } = await import('./lab-view');
        const labs = labStatus(a.name);
        if (labs.length === 0) {
          console.log("no lab is up (tsrun lab up builds one)");
          return;
        }
        console.log(labs.map(describeLab).join('\n\n'));
      },
    )
    .demandCommand(1, 'name a lab command: up, down or status');
}
