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
import { cniCommands } from './cni';
import { imageCommands, imageShorthands } from './image';
import { printHelp, wantsHelp } from './help';
import { EXPLAIN_OPTION, startExplaining } from './explain';

const { args, explain: leading } = takeLeadingExplain(withoutContainerGroup(hideBin(process.argv)));

/**
 * The parser of every command but run, create and exec (which parse their own options, up to
 * the image or container name). Built only when one of those commands runs.
 */
function commandLine(): Argv {
  const cli: Argv = cpCommand(imageShorthands(containerCommands(yargs()
    // English whatever LANG says, as Docker's CLI (and flags.ts reads yargs's English messages);
    // the bundle has no yargs locale files anyway.
    .locale('en')
    .scriptName('tsrun')
    .usage('tsrun: a minimal, daemonless container runtime with Docker-style networks\n\nUsage: $0 <command> [options]'), false, leading)
    .command('run [options] <image> [command..]', 'Run a command in a new container (tsrun run --help)', {}, () => undefined)
    .command('create [options] <image> [command..]', 'Create a new container (tsrun create --help)', {}, () => undefined)))
    .command('container <command>', 'Manage containers', (y: Argv) =>
      cpCommand(containerCommands(y, true, leading))
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
    .command('cni <command>', 'Serve tsrun networks to Podman, containerd, Kubernetes through CNI (install, conflist)', (y: Argv) => cniCommands(y))
    .command('lab <command>', 'A simulated LAN on this machine for the guides (up, down, status)', (y: Argv) => labCommands(y))
    .option('explain', EXPLAIN_OPTION)
    // cli is the one yargs instance; while a command's middleware runs, it holds that command's options.
    .middleware((argv): void => dockerFlagValues(argv._.map(String).join(' '), args, argv, cli))
    // --explain among a command's options (a leading one is already on).
    .middleware((argv): void => {
      if (argv.explain && !leading) startExplaining();
    })
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
  withoutHelpCache(cli);
  return cli;
}

interface YargsInternals {
  getInternalMethods?(): { getUsageInstance(): { cacheHelpMessage?(): void } };
}

/**
 * yargs 17 renders a command's whole help text each time it runs the command's handler, to
 * show it should the handler fail later; tsrun's .fail() never shows it. That rendering is
 * about a twentieth of a listing's start-up: it is skipped (yargs is pinned; if its
 * internals differ, nothing is changed).
 */
function withoutHelpCache(cli: Argv): void {
  const usage = (cli as unknown as YargsInternals).getInternalMethods?.().getUsageInstance();
  if (typeof usage?.cacheHelpMessage === 'function') usage.cacheHelpMessage = (): void => undefined;
}

/**
 * A leading --explain (or -v): tsrun --explain run ... Among a command's own options,
 * --explain is that command's parser's to find.
 */
function takeLeadingExplain(argv: string[]): { args: string[]; explain: boolean } {
  const explain = argv[0] === '--explain' || argv[0] === '-v';
  return { args: explain ? argv.slice(1) : argv, explain };
}

/** `tsrun container run|create|exec ...` is `tsrun run|create|exec ...`: the same parse of their own. */
function withoutContainerGroup(argv: string[]): string[] {
  const i = argv[0] === '--explain' || argv[0] === '-v' ? 1 : 0;
  return argv[i] === 'container' && ['run', 'create', 'exec'].includes(argv[i + 1] ?? '') ? [...argv.slice(0, i), ...argv.slice(i + 1)] : argv;
}

if (leading) startExplaining();
(async () => {
  try {
    // run's options end at the image name (everything after it is the command's), a
    // parse of its own with halt-at-non-option.
    if (wantsHelp(args)) printHelp();
    else if (args[0] === 'run') await (await import('./run')).runCommand(args.slice(1), leading);
    else if (args[0] === 'create') await (await import('./run')).createCommand(args.slice(1));
    else if (args[0] === 'exec') await (await import('./exec')).execCommand(args.slice(1));
    else await commandLine().parse(args);
  } catch (err) {
    fail(err, ['run', 'create', 'exec'].includes(args[0] ?? '') ? 125 : 1);
  }
})();
