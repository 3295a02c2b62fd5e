/**
 * The image verbs, as Docker groups them: `tsrun image import|ls|rm|inspect|prune|pull`, and
 * the shorthands `images`, `rmi`, `pull` and `import` at the top level. Each verb is one
 * command module, registered under both names.
 */
import type { Argv, CommandModule } from 'yargs';

async function root(): Promise<void> {
  (await import('../runtime/options')).requireRoot();
}

const importImage: CommandModule = {
  command: 'import <source> <reference>',
  describe: 'Import a rootfs tarball (.tar or .tar.gz, file or URL) as NAME[:TAG]',
  builder: (y: Argv) => y.positional('source', { type: 'string' }).positional('reference', { type: 'string' }),
  handler: async (a) => {
    const { importImage: run } = await import('../image/import');
    await root();
    const image = await run(a.source as string, a.reference as string);
    console.log(`sha256:${image.id}`);
  },
};

const list: CommandModule = {
  command: ['ls', 'list'],
  describe: 'List images',
  builder: (y: Argv) =>
    y
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'Only ids' })
      .option('filter', { alias: 'f', type: 'string', array: true, describe: "reference=PATTERN, e.g. 'alp*:3*' (repeatable)" })
      .option('format', { type: 'string', describe: "A Go template ('{{.Repository}}:{{.Tag}}'), 'table TEMPLATE' for columns, or json" })
      .parserConfiguration({ 'greedy-arrays': false, 'boolean-negation': false }),
  handler: async (a) => {
    const { printImages } = await import('./images');
    printImages(a.quiet as boolean, a.format as string | undefined, ((a.filter as unknown[] | undefined) ?? []).map(String));
  },
};

const remove: CommandModule = {
  command: ['rm <images..>', 'remove'],
  describe: 'Remove images',
  builder: (y: Argv) => y.positional('images', { type: 'string', array: true }),
  handler: async (a) => {
    const { removeImages } = await import('./images');
    removeImages((a.images as string[]).map(String));
  },
};

const inspect: CommandModule = {
  command: 'inspect <images..>',
  describe: 'Show images as JSON (Docker\'s image inspect fields)',
  builder: (y: Argv) =>
    y.positional('images', { type: 'string', array: true }).option('format', { alias: 'f', type: 'string', describe: "A Go template over each image ('{{.Id}}')" }),
  handler: async (a) => {
    const { inspectImages } = await import('./images');
    inspectImages((a.images as string[]).map(String), a.format as string | undefined);
  },
};

const prune: CommandModule = {
  command: 'prune',
  describe: 'Remove untagged images no container uses (-a: every image no container uses)',
  builder: (y: Argv) =>
    y
      .option('all', { alias: 'a', type: 'boolean', default: false, describe: 'Remove every image no container uses, tagged or not' })
      .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'Do not ask for confirmation' }),
  handler: async (a) => {
    await root();
    const { pruneImages } = await import('./images');
    await pruneImages(a.all as boolean, a.force as boolean);
  },
};

const pull: CommandModule = {
  command: 'pull <image>',
  describe: 'Download the Alpine minirootfs (alpine[:latest|3.20|3.20.3]) and import it',
  builder: (y: Argv) => y.positional('image', { type: 'string' }),
  handler: async (a) => {
    const { pullAlpine } = await import('../image/pull');
    await root();
    const image = await pullAlpine(a.image as string);
    console.log(`${image.tags.at(-1)}: sha256:${image.id}`);
  },
};

/** `tsrun image <verb>`. */
export function imageCommands(y: Argv): Argv {
  return [importImage, list, remove, inspect, prune, pull]
    .reduce((acc, m) => acc.command(m), y)
    .demandCommand(1, 'name an image command: import, ls, rm, inspect, prune or pull');
}

/** Docker's top-level shorthands: images, rmi, pull, import. */
export function imageShorthands(y: Argv): Argv {
  return y
    .command({ ...list, command: 'images', describe: 'List images (tsrun image ls)' })
    .command({ ...remove, command: 'rmi <images..>', describe: 'Remove images (tsrun image rm)' })
    .command(pull)
    .command({ ...importImage, describe: `${importImage.describe as string} (tsrun image import)` });
}
