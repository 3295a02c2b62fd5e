import type { Argv, CommandModule } from 'yargs';
import { TsrunError } from '../sys/error';
import { choiceFlag, integerFlag } from './flags';

const FORMATS = ['table', 'json'] as const;

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

async function root(): Promise<void> {
  (await import('../runtime/options')).requireRoot();
}

/** Docker's start and restart exit 1 whatever failed: run's 125, 126 and 127 are run's own. */
function asStartFailure(err: unknown): unknown {
  return err instanceof TsrunError && typeof (err as { exitCode?: unknown }).exitCode === 'number' ? new TsrunError(err.message) : err;
}

/** Runs `fn` for each container named; reports each failure as one line and goes on, as Docker does. */
async function each(refs: string[], fn: (ref: string) => Promise<void> | void, echo = true): Promise<void> {
  for (const ref of refs) {
    try {
      await fn(ref);
      if (echo) console.log(ref);
    } catch (err) {
      const { fail } = await import('./fail');
      fail(err, 1);
    }
  }
}

/**
 * The container verbs; `grouped` for `tsrun container <verb>`, where ps is also ls and list,
 * and prune exists. `explain` (a leading --explain; the command's own is in its argv): start and
 * restart have their monitor print each kernel operation.
 */
export function containerCommands(y: Argv, grouped = false, explain = false): Argv {
  const verbs = y
    .command(
      grouped ? ['ls', 'ps', 'list'] : 'ps',
      'List containers',
      (c: Argv) =>
        c
          .option('all', { alias: 'a', type: 'boolean', default: false, describe: 'Show all containers (default: running ones)' })
          .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'Only ids' })
          .option('no-trunc', { type: 'boolean', default: false, describe: 'Full ids and commands' })
          .option('filter', { alias: 'f', type: 'string', array: true, describe: 'KEY=VALUE: id, name, label, status, network, ancestor, exited (repeatable)' })
          .option('format', { type: 'string', describe: "A Go template ('{{.Names}}\\t{{.Status}}'), 'table TEMPLATE' for columns, or json" })
          .parserConfiguration({ 'greedy-arrays': false, 'boolean-negation': false }),
      async (a) => {
        const { parseFilters } = await import('./format/filters');
        const { PS_FILTERS, PS_DOCKER_ONLY_FILTERS, PS_HEADERS, PS_TABLE, psContext, deadPsContext, psFilter } = await import('./container-view');
        const { renderList } = await import('./format/render');
        const filters = parseFilters('ps', list(a.filter), PS_FILTERS, PS_DOCKER_ONLY_FILTERS);
        await root();
        const { viewContainers } = await import('../runtime/view');
        const { findImage } = await import('../image/store');
        const keep = psFilter(filters, (ref) => findImage(ref)?.id);
        const { records, dead } = viewContainers();
        // A status filter lists stopped containers too, as Docker's does.
        const all = a.all || filters.has('status');
        const shown = records.filter((c) => (all || c.state.status === 'running') && keep(c)).sort((x, y) => (y.created < x.created ? -1 : y.created > x.created ? 1 : 0));
        // Dead ones have no state to be running in: listed with -a only, after the others.
        const deadShown = all ? dead.filter(keep) : [];
        const trunc = !a['no-trunc'];
        const rows = [...shown.map((c) => psContext(c, trunc)), ...deadShown.map((d) => deadPsContext(d, trunc))];
        // Docker: -q is {{.ID}} unless a format of one's own is given.
        const format = a.format === undefined || a.format === 'table' ? (a.quiet ? '{{.ID}}' : PS_TABLE) : a.format === 'json' ? '{{json .}}' : a.format;
        process.stdout.write(renderList(format, rows, PS_HEADERS));
      },
    )
    .command(
      'inspect <containers..>',
      "Show containers' state, configuration and network settings as JSON",
      (c: Argv) =>
        c
          .positional('containers', { type: 'string', array: true })
          .option('format', { alias: 'f', type: 'string', describe: "A Go template run over each container, e.g. '{{.State.Status}}'" }),
      async (a) => {
        await root();
        const { viewContainerOrDead } = await import('../runtime/view');
        const { inspectContainer, inspectDead } = await import('./container-view');
        const { printInspected } = await import('./format/inspect');
        const { fail } = await import('./fail');
        const out: unknown[] = [];
        for (const ref of list(a.containers)) {
          try {
            const c = viewContainerOrDead(ref);
            out.push('why' in c ? inspectDead(c) : inspectContainer(c));
          } catch (err) {
            fail(err, 1);
          }
        }
        printInspected(a.format, out);
      },
    )
    .command(
      'logs <container>',
      "Show a detached container's output",
      (c: Argv) =>
        c
          .positional('container', { type: 'string' })
          .option('follow', { alias: 'f', type: 'boolean', default: false, describe: 'Keep printing new output until the container ends' })
          .option('tail', { alias: 'n', type: 'string', default: 'all', describe: 'Only the last N lines (or all)' })
          .option('since', { type: 'string', describe: 'Only lines since a time (2024-01-02T15:04:05Z, 1700000000) or for a duration (10m, 1h30m)' })
          .option('until', { type: 'string', describe: 'Only lines before a time (2024-01-02T15:04:05Z, 1700000000) or a duration ago (42s)' })
          .option('timestamps', { alias: 't', type: 'boolean', default: false, describe: 'Show each line\'s time (RFC 3339 with nanoseconds)' }),
      async (a) => {
        await root();
        const { showLogs } = await import('./logs');
        await showLogs(String(a.container), { follow: a.follow, tail: a.tail, since: a.since, until: a.until, timestamps: a.timestamps });
      },
    )
    .command(
      'start <containers..>',
      'Start created or stopped containers',
      (c: Argv) =>
        c
          .positional('containers', { type: 'string', array: true })
          .option('attach', { alias: 'a', type: 'boolean', default: false, describe: "Stay with the container: its output here, its exit code tsrun's" })
          .option('interactive', { alias: 'i', type: 'boolean', default: false, describe: "Attach this terminal's input to a container made with -i (implies -a)" }),
      async (a) => {
        const refs = list(a.containers);
        if ((a.attach || a.interactive) && refs.length > 1) throw new TsrunError('you cannot start and attach multiple containers at once');
        await root();
        const { AlreadyRunning, startForeground } = await import('../runtime/run');
        if (a.attach || a.interactive) {
          process.exitCode = await startForeground(refs[0]!, a.interactive).catch((err) => {
            throw asStartFailure(err);
          });
          return;
        }
        const { startDetached } = await import('../runtime/detach');
        await each(refs, async (ref) => {
          try {
            await startDetached(ref, explain || Boolean(a.explain));
          } catch (err) {
            // As Docker: starting a running container does nothing.
            if (!(err instanceof AlreadyRunning)) throw asStartFailure(err);
          }
        });
      },
    )
    .command(
      'restart <containers..>',
      'Restart containers: stop (SIGTERM, then SIGKILL after a grace period), then start',
      (c: Argv) =>
        c
          .positional('containers', { type: 'string', array: true })
          .option('time', { alias: 't', type: 'string', default: '10', describe: 'Seconds to wait for the stop before SIGKILL' }),
      async (a) => {
        const seconds = integerFlag('restart', '-t, --time', a.time, '-t 30');
        await root();
        const { restartContainer } = await import('../runtime/restart');
        await each(list(a.containers), (ref) =>
          restartContainer(ref, seconds, explain || Boolean(a.explain)).catch((err) => {
            throw asStartFailure(err);
          }),
        );
      },
    )
    .command(
      'stop <containers..>',
      'Stop containers: SIGTERM, then SIGKILL after a grace period',
      (c: Argv) =>
        c
          .positional('containers', { type: 'string', array: true })
          .option('time', { alias: 't', type: 'string', default: '10', describe: 'Seconds to wait before SIGKILL (negative: wait for ever)' }),
      async (a) => {
        const seconds = integerFlag('stop', '-t, --time', a.time, '-t 30');
        await root();
        const { stopContainer } = await import('../runtime/lifecycle');
        const refs = list(a.containers);
        // In parallel, as Docker does; each reported in order.
        const results = await Promise.allSettled(refs.map((r) => stopContainer(r, seconds)));
        const { fail } = await import('./fail');
        results.forEach((r, i) => (r.status === 'fulfilled' ? console.log(refs[i]) : fail(r.reason, 1)));
      },
    )
    .command(
      'kill <containers..>',
      'Send a signal (default KILL) to containers',
      (c: Argv) => c.positional('containers', { type: 'string', array: true }).option('signal', { alias: 's', type: 'string', default: 'KILL', describe: 'Signal name or number' }),
      async (a) => {
        await root();
        // Checked once, before any container is touched.
        const signal = (await import('../runtime/signals')).parseSignal(a.signal);
        const { killContainer } = await import('../runtime/lifecycle');
        await each(list(a.containers), (ref) => killContainer(ref, signal));
      },
    )
    .command(
      'rm <containers..>',
      'Remove containers',
      (c: Argv) =>
        c
          .positional('containers', { type: 'string', array: true })
          .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'Kill running containers first' })
          .option('volumes', { alias: 'v', type: 'boolean', default: false, describe: 'Also remove their anonymous volumes' }),
      async (a) => {
        await root();
        const { removeContainer } = await import('../runtime/lifecycle');
        await each(list(a.containers), (ref) => removeContainer(ref, a.force, a.volumes));
      },
    )
    .command(
      'stats [containers..]',
      "Show containers' CPU, memory, network, block I/O and process use (default: every running one)",
      (c: Argv) =>
        c
          .positional('containers', { type: 'string', array: true })
          .option('no-stream', { type: 'boolean', default: false, describe: 'Show one sample and exit' })
          .option('format', { type: 'string', default: 'table', describe: 'table, or json (one object per line)' }),
      async (a) => {
        const format = choiceFlag('stats', '--format', a.format, FORMATS);
        await root();
        const { showStats } = await import('./stats');
        await showStats(list(a.containers), !a['no-stream'], format);
      },
    )
    .command(
      'wait <containers..>',
      'Wait for containers to end and print their exit codes',
      (c: Argv) => c.positional('containers', { type: 'string', array: true }),
      async (a) => {
        await root();
        const { waitContainer } = await import('../runtime/lifecycle');
        await each(list(a.containers), async (ref) => console.log(await waitContainer(ref)), false);
      },
    );
  return grouped ? verbs.command(prune) : verbs;
}

const prune: CommandModule = {
  command: 'prune',
  describe: 'Remove all stopped containers',
  builder: (c: Argv) => c.option('force', { alias: 'f', type: 'boolean', default: false, describe: 'Do not ask for confirmation' }),
  handler: async (a) => {
    await root();
    const { confirm } = await import('./confirm');
    if (!a.force && !(await confirm('This will remove all stopped containers.'))) return;
    const { pruneContainers } = await import('../runtime/lifecycle');
    const { humanSize } = await import('./table');
    const { removed, bytes } = pruneContainers();
    if (removed.length > 0) console.log(`Deleted Containers:\n${removed.join('\n')}\n`);
    console.log(`Total reclaimed space: ${humanSize(bytes)}`);
  },
};
