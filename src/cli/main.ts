/**
 * tsrun's command line. Each command's code is loaded only when that command runs, so
 * `tsrun run` pays for nothing else.
 */
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { TsrunError } from '../sys/error';
import { fail } from './fail';
import { dockerFlagValues, unknownFlags } from './flags';
import { networkCommands } from './network';
import { containerCommands } from './containers';
import { cpCommand } from './cp';
import { labCommands } from './lab';
import { volumeCommands } from './volume';
import { imageCommands, imageShorthands } from './image';
import { printHelp, wantsHelp } from './help';

const { args, explain } = takeExplain(withoutContainerGroup(hideBin(process.argv)));

const cli: Argv = cpCommand(imageShorthands(containerCommands(yargs()
  // English whatever LANG says, as Docker's CLI (and flags.ts reads yargs's English messages);
  // the bundle has no yargs locale files anyway.
  .locale('en')
  .scriptName('tsrun')
  .usage('tsrun: a minimal, daemonless container runtime with Docker-style networks\n\nUsage: $0 <command> [options]'), false, explain)
  .command('run [options] <image> [command..]', 'Run a command in a new container (tsrun run --help)', {}, () => undefined)
  .command('create [options] <image> [command..]', 'Create a new container (tsrun create --help)', {}, () => undefined)))
  .command('container <command>', 'Manage containers', (y: Argv) =>
    cpCommand(containerCommands(y, true, explain))
      // Parsed apart, as at the top level (see the dispatch below): listed here for --help.
      .command('run [options] <image> [command..]', 'Run a command in a new container', {}, () => undefined)
      .command('create [options] <image> [command..]', 'Create a new container', {}, () => undefined)
      .command('exec [options] <container> <command..>', 'Run a command in a running container', {}, () => undefined)
      .demandCommand(1, 'name a container command: ls, run, create, start, restart, exec, cp, inspect, logs, stop, kill, rm, wait, stats, prune'),
  )
  .command('image <command>', 'Manage images', (y: Argv) => imageCommands(y))
  .command('exec [options] <container> <command..>', 'Run a command in a running container (tsrun exec --help)', {}, () => undefined)
  .command('network <command>', 'Manage macvlan and ipvlan networks', (y: Argv) => networkCommands(y))
  .command('volume <command>', 'Manage volumes', (y: Argv) => volumeCommands(y))
  .command('lab <command>', 'A simulated LAN on this machine for the guides (up, down, status)', (y: Argv) => labCommands(y))
  .option('explain', { type: 'boolean', describe: 'Print each kernel operation as the equivalent iproute2 command' })
  // cli is the one yargs instance; while a command's middleware runs, it holds that command's options.
  .middleware((argv): void => dockerFlagValues(argv._.map(String).join(' '), args, argv, cli))
  .demandCommand(1, 'name a command: run, ps, exec, network, image, pull ... (see tsrun --help)')
  // Docker's flags include --no-trunc, which is a flag of its own, not the negation of --trunc.
  .parserConfiguration({ 'boolean-negation': false })
  .strict()
  .help()
  .alias('help', 'H')
  .version()
  .wrap(Math.min(100, process.stdout.columns || 100))
  .fail((msg, err) => {
    if (err) throw err;
    const said = unknownFlags(msg, args).replace(/\n\s*/g, ' ');
    throw new TsrunError(said.includes("(see '") ? said : `${said} (see 'tsrun --help')`);
  });

/**
 * --explain (or -v) may come first (tsrun --explain run ...) or among a command's options;
 * it is taken out here so every command's parser sees the same arguments.
 */
function takeExplain(argv: string[]): { args: string[]; explain: boolean } {
  const end = argv.indexOf('--');
  const head = end === -1 ? argv : argv.slice(0, end);
  const commandEnd = ['run', 'create', 'exec'].includes(argv[0] === '--explain' || argv[0] === '-v' ? argv[1] ?? '' : argv[0] ?? '') ? firstPositional(argv) : head.length;
  const flagged = (a: string, i: number): boolean => (a === '--explain' || (a === '-v' && i === 0)) && i < commandEnd;
  const explain = head.some(flagged);
  return { args: [...head.filter((a, i) => !flagged(a, i)), ...(end === -1 ? [] : argv.slice(end))], explain };
}

/** The index of run's, create's or exec's image/container argument: options after it belong to the command. */
function firstPositional(argv: string[]): number {
  const takesValue = new Set(['--name', '-h', '--hostname', '-e', '--env', '-w', '--workdir', '--net', '--network', '--ip', '--ip6', '--mac-address', '--network-alias', '--cap-add', '--cap-drop', '--security-opt',
    '-m', '--memory', '--memory-swap', '--pids-limit', '--cpus', '-c', '--cpu-shares', '--cgroups', '--cgroup-parent', '--device',
    '--restart', '--log-driver', '--log-opt', '--add-host', '--dns', '--dns-search', '--dns-option', '--dns-opt',
    '-v', '--volume', '--mount', '--tmpfs', '--sysctl', '-l', '--label', '--label-file', '--env-file', '--entrypoint', '-u', '--user']);
  let i = argv[0] === '--explain' || argv[0] === '-v' ? 2 : 1;
  while (i < argv.length) {
    const a = argv[i]!;
    if (!a.startsWith('-')) return i;
    i += takesValue.has(a) ? 2 : 1;
  }
  return argv.length;
}

/** `tsrun container run|create|exec ...` is `tsrun run|create|exec ...`: the same parse of their own. */
function withoutContainerGroup(argv: string[]): string[] {
  const i = argv[0] === '--explain' || argv[0] === '-v' ? 1 : 0;
  return argv[i] === 'container' && ['run', 'create', 'exec'].includes(argv[i + 1] ?? '') ? [...argv.slice(0, i), ...argv.slice(i + 1)] : argv;
}

if (explain) {
  // Loaded only when asked for: it brings the netlink layer (and ffi-rs) with it.
  const { explainTo } = require('../network/netlink/handle') as typeof import('../network/netlink/handle');
  explainTo((cmd) => process.stderr.write(`+ ${cmd}\n`));
}
(async () => {
  try {
    // run's options end at the image name (everything after it is the command's), a
    // parse of its own with halt-at-non-option.
    if (wantsHelp(args)) printHelp();
    else if (args[0] === 'run') await (await import('./run')).runCommand(args.slice(1), explain);
    else if (args[0] === 'create') await (await import('./run')).createCommand(args.slice(1));
    else if (args[0] === 'exec') await (await import('./exec')).execCommand(args.slice(1));
    else await cli.parse(args);
  } catch (err) {
    fail(err, ['run', 'create', 'exec'].includes(args[0] ?? '') ? 125 : 1);
  }
})();
