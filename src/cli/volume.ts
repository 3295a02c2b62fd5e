/** `tsrun volume create|ls|inspect|rm|prune`: Docker's local volumes. */
import type { Argv } from 'yargs';
import { TsrunError } from '../sys/error';

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

async function root(): Promise<void> {
  (await import('../runtime/options')).requireRoot();
}

/** KEY=VALUE (or KEY, an empty value) labels, as Docker reads --label. */
function labelsOf(args: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    labels[eq === -1 ? a : a.slice(0, eq)] = eq === -1 ? '' : a.slice(eq + 1);
  }
  return labels;
}

export function volumeCommands(y: Argv): Argv {
  return y
    .command(
      'create [name]',
      'Create a volume',
      (c: Argv) =>
        c
          .usage('tsrun volume create [options] [VOLUME]\n\nCreate a volume (a name of 64 hex digits is chosen when none is given)')
          .positional('name', { type: 'string' })
          .option('driver', { alias: 'd', type: 'string', default: 'local', describe: 'Volume driver (only local)' })
          .option('label', { type: 'string', array: true, describe: 'KEY=VALUE metadata (repeatable)' })
          .option('opt', { alias: 'o', type: 'string', array: true, describe: 'Driver options (none: tsrun volumes are plain directories)' })
          .parserConfiguration({ 'greedy-arrays': false }),
      async (a) => {
        if (a.driver !== 'local') throw new TsrunError(`volume driver ${a.driver} is not available: tsrun has only the local driver`);
        if (list(a.opt).length > 0) throw new TsrunError('volume create -o is not supported by tsrun: its local volumes are plain directories (no type=, device= or o=)');
        await root();
        const { validateVolumeName } = await import('../runtime/mounts');
        const { newId } = await import('../state/id');
        const name = a.name ?? newId();
        validateVolumeName(name);
        const { ensureVolume } = await import('../state/volumes');
        const { withLock } = await import('../state/lock');
        // dockerd 20.10 shows Labels null when none were given, and Options null.
        const labels = list(a.label);
        withLock(() => ensureVolume(name, labels.length > 0 ? labelsOf(labels) : null));
        console.log(name);
      },
    )
    .command(
      ['ls', 'list'],
      'List volumes',
      (c: Argv) =>
        c
          .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'Only names' })
          .option('filter', { alias: 'f', type: 'string', array: true, describe: 'KEY=VALUE: dangling=true|false, driver, label, name (repeatable)' })
          .option('format', { type: 'string', describe: "A Go template ('{{.Name}}\\t{{.Mountpoint}}'), 'table TEMPLATE' for columns, or json" })
          .parserConfiguration({ 'greedy-arrays': false, 'boolean-negation': false }),
      async (a) => {
        const { parseFilters } = await import('./format/filters');
        const { renderList } = await import('./format/render');
        const { VOLUME_FILTERS, VOLUME_HEADERS, VOLUME_TABLE, volumeContext, volumeFilter } = await import('./volume-view');
        const filters = parseFilters('volume ls', list(a.filter), VOLUME_FILTERS);
        await root();
        const { listVolumes } = await import('../state/volumes');
        const { withLock } = await import('../state/lock');
        const { reconcile } = await import('../runtime/reconcile');
        const [volumes, containers] = withLock(() => [listVolumes(), reconcile()] as const);
        const keep = volumeFilter(filters, containers);
        const rows = volumes.filter(keep).map(volumeContext);
        const format = a.format === undefined || a.format === 'table' ? (a.quiet ? '{{.Name}}' : VOLUME_TABLE) : a.format === 'json' ? '{{json .}}' : a.format;
        process.stdout.write(renderList(format, rows, VOLUME_HEADERS));
      },
    )
    .command(
      'inspect <volumes..>',
      "Show volumes' details as JSON",
      (c: Argv) =>
        c
          .positional('volumes', { type: 'string', array: true })
          .option('format', { alias: 'f', type: 'string', describe: "A Go template run over each volume, e.g. '{{.Mountpoint}}'" }),
      async (a) => {
        await root();
        const { requireVolume } = await import('../state/volumes');
        const { withLock } = await import('../state/lock');
        const { inspectVolume } = await import('./volume-view');
        const { printInspected } = await import('./format/inspect');
        const volumes = withLock(() => list(a.volumes).map((name) => inspectVolume(requireVolume(name))));
        printInspected(a.format, volumes);
      },
    )
    .command(
      ['rm <volumes..>', 'remove'],
      'Remove volumes no container uses',
      (c: Argv) =>
        c
          .positional('volumes', { type: 'string', array: true })
          .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'No error for a volume that does not exist' }),
      async (a) => {
        await root();
        const { findVolume, removeVolume } = await import('../state/volumes');
        const { withLock } = await import('../state/lock');
        const { reconcile } = await import('../runtime/reconcile');
        for (const name of list(a.volumes)) {
          try {
            withLock(() => {
              if (a.force && !findVolume(name)) return;
              removeVolume(name, reconcile());
            });
            console.log(name);
          } catch (err) {
            const { fail } = await import('./fail');
            fail(err, 1);
          }
        }
      },
    )
    .command(
      'prune',
      'Remove every volume no container uses',
      (c: Argv) => c.option('force', { alias: 'f', type: 'boolean', default: false, describe: 'Do not ask for confirmation' }),
      async (a) => {
        await root();
        const { confirm } = await import('./confirm');
        if (!a.force && !(await confirm('This will remove all local volumes not used by at least one container.'))) return;
        const { listVolumes, removeVolume, volumeDir, volumeUsers } = await import('../state/volumes');
        const { diskUsage } = await import('../state/disk-usage');
        const { humanSize } = await import('./table');
        const { withLock } = await import('../state/lock');
        const { reconcile } = await import('../runtime/reconcile');
        const { removed, bytes } = withLock(() => {
          const containers = reconcile();
          const unused = listVolumes().filter((v) => volumeUsers(v.name, containers).length === 0);
          let total = 0;
          for (const v of unused) {
            total += diskUsage(volumeDir.data(v.name));
            removeVolume(v.name, containers);
          }
          return { removed: unused.map((v) => v.name), bytes: total };
        });
        if (removed.length > 0) console.log(`Deleted Volumes:\n${removed.join('\n')}\n`);
        console.log(`Total reclaimed space: ${humanSize(bytes)}`);
      },
    )
    .demandCommand(1, 'name a volume command: create, ls, inspect, rm or prune');
}
