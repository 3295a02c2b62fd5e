import yargs, { type Argv } from 'yargs';
import type { RunOptions } from '../runtime/run';
import { TsrunError } from '../sys/error';
import { dockerFlagValues, unknownFlags } from './flags';
import { EXPLAIN_OPTION, startExplaining } from './explain';
import { envWithFiles, labelsWithFiles } from '../runtime/env-file';

const USAGE = {
  run: 'Usage: tsrun run [options] IMAGE [COMMAND [ARG...]]\n\nRun a command in a new container',
  create: 'Usage: tsrun create [options] IMAGE [COMMAND [ARG...]]\n\nCreate a new container (tsrun start runs it)',
};

/** run's and create's options (create has all but -d), parsed up to the image name; --explain apart. */
async function parseRunArgs(verb: 'run' | 'create', args: string[]): Promise<{ options: RunOptions; explain: boolean }> {
  const y = yargs();
  const withDetach = (c: Argv): Argv => (verb === 'run' ? c.option('detach', { alias: 'd', type: 'boolean', default: false, describe: 'Run in the background and print the container id' }) : c);
  const a = await withDetach(y
    .scriptName(`tsrun ${verb}`)
    .usage(USAGE[verb])
    .parserConfiguration({ 'halt-at-non-option': true, 'greedy-arrays': false }))
    .option('rm', { type: 'boolean', default: false, describe: 'Remove the container when it exits' })
    .option('restart', { type: 'string', default: 'no', describe: 'Start it again when it exits: no, on-failure[:N], always or unless-stopped (a stop or kill ends it)' })
    .option('name', { type: 'string', describe: 'Container name' })
    .option('hostname', { alias: 'h', type: 'string', describe: 'Hostname (default: the short container id)' })
    .option('env', { alias: 'e', type: 'string', array: true, default: [], describe: 'Set KEY=VALUE, or pass KEY from this environment' })
    .option('workdir', { alias: 'w', type: 'string', describe: 'Working directory inside the container' })
    .option('interactive', { alias: 'i', type: 'boolean', default: false, describe: 'Keep stdin attached' })
    .option('tty', { alias: 't', type: 'boolean', default: false, describe: 'Give the container a terminal' })
    .option('net', { alias: 'network', type: 'string', default: 'none', describe: 'Network: none, host, or a macvlan/ipvlan network' })
    .option('ip', { type: 'string', describe: 'IPv4 address on the network (e.g. 172.16.86.10)' })
    .option('ip6', { type: 'string', describe: 'IPv6 address on the network' })
    .option('network-alias', { type: 'string', array: true, default: [], describe: 'Another name of the container on its network (repeatable)' })
    .option('mac-address', { type: 'string', describe: 'MAC address of a macvlan endpoint (default 02:42 + the IPv4 address)' })
    .option('cap-add', { type: 'string', array: true, default: [], describe: 'Add a capability (NET_ADMIN, CAP_NET_RAW ..., or ALL)' })
    .option('cap-drop', { type: 'string', array: true, default: [], describe: 'Drop a capability of the default set (or ALL)' })
    .option('security-opt', { type: 'string', array: true, default: [], describe: 'no-new-privileges[:true|false], seccomp=unconfined or seccomp=PROFILE.json' })
    .option('memory', { alias: 'm', type: 'string', describe: 'Memory limit (e.g. 512m, 1g; at least 6m)' })
    .option('memory-swap', { type: 'string', describe: 'Memory plus swap limit, or -1 for unlimited swap (default: twice --memory)' })
    .option('pids-limit', { type: 'string', describe: 'Most processes and threads at once (-1 or 0: unlimited)' })
    .option('cpus', { type: 'string', describe: 'CPUs the container may use (e.g. 0.5)' })
    .option('cpu-shares', { alias: 'c', type: 'string', describe: 'Relative CPU weight (default 1024)' })
    .option('cgroups', { type: 'string', describe: 'enabled (default), or disabled: no cgroup of its own, as Podman\'s --cgroups=disabled' })
    .option('cgroup-parent', { type: 'string', describe: 'Parent cgroup of the container\'s cgroup (default tsrun)' })
    .option('device', { type: 'string', array: true, default: [], describe: 'Give the container a host device: HOST[:CONTAINER][:PERMS]' })
    .option('volume', { alias: 'v', type: 'string', array: true, default: [], describe: 'Bind a host path (HOST:DST[:ro]; a missing HOST is made), mount a named volume (NAME:DST[:ro]) or a new anonymous one (DST)' })
    .option('mount', { type: 'string', array: true, default: [], describe: 'type=bind,source=,target=[,readonly][,bind-propagation=] | type=volume,source=,target= | type=tmpfs,target=[,tmpfs-size=][,tmpfs-mode=]' })
    .option('tmpfs', { type: 'string', array: true, default: [], describe: 'Mount a tmpfs: DST[:OPTIONS] (noexec,nosuid,nodev by default; size=64m, mode=1777 ...)' })
    .option('log-driver', { type: 'string', default: 'json-file', describe: 'Where run -d keeps the output: json-file, or none' })
    .option('log-opt', { type: 'string', array: true, default: [], describe: 'json-file option: max-size=10m (rotate at that size), max-file=3 (files kept)' })
    .option('add-host', { type: 'string', array: true, default: [], describe: 'Add NAME:IP to /etc/hosts; IP host-gateway is the host (the network\'s --host-access shim; 127.0.0.1 with --net=host)' })
    .option('dns', { type: 'string', array: true, default: [], describe: 'Nameserver of /etc/resolv.conf (replaces the host\'s)' })
    .option('dns-search', { type: 'string', array: true, default: [], describe: 'Search domain of /etc/resolv.conf (replaces the host\'s; . for none)' })
    .option('dns-option', { alias: 'dns-opt', type: 'string', array: true, default: [], describe: 'Option of /etc/resolv.conf, e.g. ndots:2 (replaces the host\'s)' })
    .option('sysctl', { type: 'string', array: true, default: [], describe: 'Set a namespaced kernel setting KEY=VALUE: net.*, fs.mqueue.*, kernel.msg*, kernel.shm*, kernel.sem (repeatable)' })
    .option('label', { alias: 'l', type: 'string', array: true, default: [], describe: 'Set a label KEY=VALUE on the container (repeatable)' })
    .option('label-file', { type: 'string', array: true, default: [], describe: 'Read labels from a file of KEY=VALUE lines (repeatable)' })
    .option('env-file', { type: 'string', array: true, default: [], describe: 'Read environment variables from a file of KEY=VALUE lines (repeatable; -e overrides)' })
    .option('entrypoint', { type: 'string', describe: 'Run this program, with the command as its arguments ("" for none)' })
    .option('user', { alias: 'u', type: 'string', describe: 'Run as name|uid[:group|gid], looked up in the container\'s /etc/passwd and /etc/group' })
    .option('read-only', { type: 'boolean', default: false, describe: 'Mount the container\'s root filesystem read-only (/dev, /dev/shm, /proc stay as they are)' })
    .option('privileged', { type: 'boolean', default: false, describe: 'Give up isolation as Docker does: every capability and host device, no seccomp, writable /sys' })
    .option('explain', EXPLAIN_OPTION)
    // Flags end where the image (container) name starts: the rest is the command's own.
    .middleware((argv): void => dockerFlagValues(verb, args.slice(0, args.length - argv._.length), argv, y))
    .strictOptions()
    .help('help')
    .version(false)
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err) throw err;
      throw new TsrunError(`${unknownFlags(msg, args)} (see 'tsrun ${verb} --help')`);
    })
    .parse(args);
  const [image, ...command] = a._.map(String);
  if (image === undefined) throw new TsrunError(`${verb} needs an image: tsrun ${verb} [options] IMAGE [COMMAND...] (see 'tsrun ${verb} --help')`);
  const options: RunOptions = {
    image,
    command,
    name: a.name,
    hostname: a.hostname,
    env: envWithFiles(a['env-file'].map(String), a.env.map(String)),
    workdir: a.workdir,
    interactive: a.interactive,
    tty: a.tty,
    rm: a.rm,
    restart: a.restart,
    net: a.net,
    ip: a.ip,
    ip6: a.ip6,
    macAddress: a['mac-address'],
    networkAliases: a['network-alias'].map(String),
    detach: a.detach === true,
    logDriver: a['log-driver'],
    logOpts: a['log-opt'].map(String),
    capAdd: a['cap-add'].map(String),
    capDrop: a['cap-drop'].map(String),
    securityOpt: a['security-opt'].map(String),
    names: {
      addHost: a['add-host'].map(String),
      dns: a.dns.map(String),
      dnsSearch: a['dns-search'].map(String),
      dnsOption: a['dns-option'].map(String),
    },
    resources: {
      memory: a.memory,
      memorySwap: a['memory-swap'],
      pidsLimit: a['pids-limit'],
      cpus: a.cpus,
      cpuShares: a['cpu-shares'],
      cgroups: a.cgroups,
      cgroupParent: a['cgroup-parent'],
      devices: a.device.map(String),
    },
    volumes: a.volume.map(String),
    mounts: a.mount.map(String),
    tmpfs: a.tmpfs.map(String),
    sysctls: a.sysctl.map(String),
    entrypoint: a.entrypoint,
    user: a.user,
    readOnly: a['read-only'],
    privileged: a.privileged,
    labels: labelsWithFiles(a['label-file'].map(String), a.label.map(String)),
  };
  return { options, explain: Boolean(a.explain) };
}

/** `leading`: tsrun --explain run ... */
export async function runCommand(args: string[], leading: boolean): Promise<void> {
  const { options, explain: own } = await parseRunArgs('run', args);
  if (own && !leading) startExplaining();
  const explain = leading || own;
  if (options.detach) {
    const { runDetached } = await import('../runtime/detach');
    console.log(await runDetached(options, explain));
  } else {
    const { runForeground } = await import('../runtime/run');
    process.exitCode = await runForeground(options);
  }
}

export async function createCommand(args: string[]): Promise<void> {
  const { options } = await parseRunArgs('create', args);
  const { createContainer } = await import('../runtime/create');
  console.log(createContainer(options).id);
}
