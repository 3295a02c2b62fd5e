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
import { labCommands } from './lab';

const cli: Argv = containerCommands(yargs()
  .scriptName('tsrun')
  .usage('tsrun: a minimal, daemonless container runtime with Docker-style networks\n\nUsage: $0 <command> [options]'))
  .command('run [options] <image> [command..]', 'Run a command in a new container (tsrun run --help)', {}, () => undefined)
  .command('image <command>', 'Manage images', (y: Argv) =>
    y
      .command(
        'import <source> <reference>',
        'Import a rootfs tarball (.tar or .tar.gz, file or URL) as NAME[:TAG]',
        (yy: Argv) => yy.positional('source', { type: 'string' }).positional('reference', { type: 'string' }),
        async (a) => {
          const { importImage } = await import('../image/import');
          const { requireRoot } = await import('../runtime/options');
          requireRoot();
          const image = await importImage(a.source as string, a.reference as string);
          console.log(`sha256:${image.id}`);
        },
      )
      .command(
        ['ls', 'list'],
        'List images',
        (yy: Argv) => yy.option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'Only ids' }),
        async (a) => {
          const { printImages } = await import('./images');
          printImages(a.quiet);
        },
      )
      .command(
        ['rm <images..>', 'remove'],
        'Remove images',
        (yy: Argv) => yy.positional('images', { type: 'string', array: true }),
        async (a) => {
          const { removeImages } = await import('./images');
          removeImages((a.images as string[]).map(String));
        },
      )
      .demandCommand(1, 'name an image command: import, ls or rm'),
  )
  .command('exec [options] <container> <command..>', 'Run a command in a running container (tsrun exec --help)', {}, () => undefined)
  .command('network <command>', 'Manage macvlan and ipvlan networks', (y: Argv) => networkCommands(y))
  .command('lab <command>', 'A simulated LAN on this machine for the guides (up, down, status)', (y: Argv) => labCommands(y))
  .option('explain', { type: 'boolean', describe: 'Print each kernel operation as the equivalent iproute2 command' })
  // cli is the one yargs instance; while a command's middleware runs, it holds that command's options.
  .middleware((argv): void => dockerFlagValues(argv._.map(String).join(' '), args, argv, cli))
  .command(
    'pull <image>',
    'Download the Alpine minirootfs (alpine[:latest|3.20|3.20.3]) and import it',
    (y: Argv) => y.positional('image', { type: 'string' }),
    async (a) => {
      const { pullAlpine } = await import('../image/pull');
      const { requireRoot } = await import('../runtime/options');
      requireRoot();
      const image = await pullAlpine(a.image as string);
      console.log(`${image.tags.at(-1)}: sha256:${image.id}`);
    },
  )
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
    throw new TsrunError(`${unknownFlags(msg, args).replace(/\n\s*/g, ' ')} (see 'tsrun --help')`);
  });

/**
 * --explain (or -v) may come first (tsrun --explain run ...) or among a command's options;
 * it is taken out here so every command's parser sees the same arguments.
 */
function takeExplain(argv: string[]): { args: string[]; explain: boolean } {
  const end = argv.indexOf('--');
  const head = end === -1 ? argv : argv.slice(0, end);
  const commandEnd = ['run', 'exec'].includes(argv[0] === '--explain' || argv[0] === '-v' ? argv[1] ?? '' : argv[0] ?? '') ? firstPositional(argv) : head.length;
  const flagged = (a: string, i: number): boolean => (a === '--explain' || (a === '-v' && i === 0)) && i < commandEnd;
  const explain = head.some(flagged);
  return { args: [...head.filter((a, i) => !flagged(a, i)), ...(end === -1 ? [] : argv.slice(end))], explain };
}

/** The index of run's or exec's image/container argument: options after it belong to the command. */
function firstPositional(argv: string[]): number {
  const takesValue = new Set(['--name', '-h', '--hostname', '-e', '--env', '-w', '--workdir', '--net', '--network', '--ip', '--ip6', '--mac-address', '--network-alias', '--cap-add', '--cap-drop', '--security-opt',
    '-m', '--memory', '--memory-swap', '--pids-limit', '--cpus', '-c', '--cpu-shares', '--cgroups', '--cgroup-parent', '--device']);
  let i = argv[0] === '--explain' || argv[0] === '-v' ? 2 : 1;
  while (i < argv.length) {
    const a = argv[i]!;
    if (!a.startsWith('-')) return i;
    i += takesValue.has(a) ? 2 : 1;
  }
  return argv.length;
}

const { args, explain } = takeExplain(hideBin(process.argv));
if (explain) {
  // Loaded only when asked for: it brings the netlink layer (and ffi-rs) with it.
  const { explainTo } = require('../network/netlink/handle') as typeof import('../network/netlink/handle');
  explainTo((cmd) => process.stderr.write(`+ ${cmd}\n`));
}
(async () => {
  try {
    // run's options end at the image name (everything after it is the command's), a
    // parse of its own with halt-at-non-option.
    if (args[0] === 'run') await (await import('./run')).runCommand(args.slice(1), explain);
    else if (args[0] === 'exec') await (await import('./exec')).execCommand(args.slice(1));
    else await cli.parse(args);
  } catch (err) {
    fail(err, args[0] === 'run' || args[0] === 'exec' ? 125 : 1);
  }
})();
