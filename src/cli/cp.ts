/** `tsrun cp` and `tsrun container cp`: Docker's `docker cp` between a container and the host. */
import type { Argv } from 'yargs';

/** yargs reads a lone `-` as a flag without a name (true, or '' for a string): it is stdin or stdout here. */
function operand(v: unknown): string {
  return (v === true || v === '') && process.argv.includes('-') ? '-' : String(v ?? '');
}

export function cpCommand(y: Argv): Argv {
  return y.command(
    'cp [options] <source> <destination>',
    "Copy files between a container and the host (CONTAINER:SRC_PATH DEST_PATH|-, or SRC_PATH|- CONTAINER:DEST_PATH)",
    (c: Argv) =>
      c
        .positional('source', { type: 'string', describe: 'CONTAINER:SRC_PATH, a host path, or - (a tar archive on stdin)' })
        .positional('destination', { type: 'string', describe: 'CONTAINER:DEST_PATH, a host path, or - (a tar archive on stdout)' })
        .option('archive', { alias: 'a', type: 'boolean', default: false, describe: 'Archive mode (copy all uid/gid information)' })
        .option('follow-link', { alias: 'L', type: 'boolean', default: false, describe: 'Always follow symbol link in SRC_PATH' })
        .example('$0 cp web:/etc/hosts ./hosts', 'A file out of a container')
        .example('$0 cp ./site/. web:/srv/www', 'The contents of a directory into one of the container')
        .example('$0 cp web:/var/log - | tar t', 'A tar archive on stdout')
        // c1:0123 stays a string
        .parserConfiguration({ 'parse-positional-numbers': false }),
    async (a) => {
      const { requireRoot } = await import('../runtime/options');
      requireRoot();
      const { copy } = await import('../runtime/copy/copy');
      await copy(operand(a.source), operand(a.destination), { archive: Boolean(a.archive), followLink: Boolean(a['follow-link']) });
    },
  );
}
