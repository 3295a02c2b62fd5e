import yargs from 'yargs';
import { TsrunError } from '../sys/error';
import { dockerFlagValues, unknownFlags } from './flags';

/** `exec`'s options end at the container name; the rest is the command's. */
export async function execCommand(args: string[]): Promise<void> {
  const y = yargs();
  const a = await y
    .scriptName('tsrun exec')
    .usage('Usage: tsrun exec [options] CONTAINER COMMAND [ARG...]\n\nRun a command in a running container')
    .parserConfiguration({ 'halt-at-non-option': true, 'greedy-arrays': false })
    .option('interactive', { alias: 'i', type: 'boolean', default: false, describe: 'Keep stdin attached' })
    .option('tty', { alias: 't', type: 'boolean', default: false, describe: 'Give the command a terminal' })
    .option('detach', { alias: 'd', type: 'boolean', default: false, describe: 'Leave the command running in the background' })
    .option('env', { alias: 'e', type: 'string', array: true, default: [], describe: 'Set KEY=VALUE, or pass KEY from this environment' })
    .option('user', { alias: 'u', type: 'string', describe: "Run as name|uid[:group|gid] (default: the container's user)" })
    .option('workdir', { alias: 'w', type: 'string', describe: "Working directory (default: the container's)" })
    // Flags end where the image (container) name starts: the rest is the command's own.
    .middleware((argv): void => dockerFlagValues('exec', args.slice(0, args.length - argv._.length), argv, y))
    .strictOptions()
    .help('help')
    .version(false)
    .fail((msg, err) => {
      if (err) throw err;
      throw new TsrunError(`${unknownFlags(msg, args)} (see 'tsrun exec --help')`);
    })
    .parse(args);
  const [container, ...command] = a._.map(String);
  if (container === undefined) throw new TsrunError("exec needs a container and a command: tsrun exec CONTAINER COMMAND (see 'tsrun exec --help')");
  const { execInContainer } = await import('../runtime/exec');
  process.exitCode = await execInContainer({
    container,
    command,
    interactive: a.interactive,
    tty: a.tty,
    detach: a.detach,
    env: a.env.map(String),
    workdir: a.workdir,
    user: a.user,
  });
}
