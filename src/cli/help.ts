/**
 * `tsrun --help` grouped as Docker's: management commands (container, image, network, volume, lab, cni),
 * then the commands. Each verb's own `--help` comes from its parser.
 */
const MANAGEMENT: Array<[string, string]> = [
  ['container', 'Manage containers'],
  ['image', 'Manage images'],
  ['network', 'Manage macvlan and ipvlan networks'],
  ['volume', 'Manage volumes'],
  ['lab', 'A simulated LAN on this machine for the guides (up, down, status)'],
  ['cni', 'Serve tsrun networks to Podman, containerd, Kubernetes through CNI (install, conflist)'],
];

const COMMANDS: Array<[string, string]> = [
  ['cp', 'Copy files between a container and the host'],
  ['create', 'Create a new container'],
  ['exec', 'Run a command in a running container'],
  ['images', 'List images'],
  ['import', 'Import a rootfs tarball as an image'],
  ['inspect', "Show containers' state, configuration and network settings as JSON"],
  ['kill', 'Send a signal (default KILL) to containers'],
  ['logs', "Show a detached container's output"],
  ['ps', 'List containers'],
  ['pull', 'Download the Alpine minirootfs and import it'],
  ['restart', 'Restart containers'],
  ['rm', 'Remove containers'],
  ['rmi', 'Remove images'],
  ['run', 'Run a command in a new container'],
  ['start', 'Start created or stopped containers'],
  ['stats', "Show containers' resource use"],
  ['stop', 'Stop containers'],
  ['wait', 'Wait for containers to end and print their exit codes'],
];

/** The top-level help only: a command's own help is its parser's. */
export function wantsHelp(args: string[]): boolean {
  return args.length === 1 && ['--help', '-H', 'help'].includes(args[0]!);
}

export function helpText(): string {
  const rows = (list: Array<[string, string]>): string => list.map(([c, d]) => `  ${c.padEnd(11)} ${d}`).join('\n');
  return [
    'Usage:  tsrun [OPTIONS] COMMAND',
    '',
    'A minimal, daemonless container runtime with Docker-style networks',
    '',
    'Options:',
    '      --explain   Print each kernel operation as the equivalent iproute2 command',
    '  -H, --help      Show help',
    '      --version   Show the version',
    '',
    'Management Commands:',
    rows(MANAGEMENT),
    '',
    'Commands:',
    rows(COMMANDS),
    '',
    "Run 'tsrun COMMAND --help' for more information on a command.",
    '',
  ].join('\n');
}

export function printHelp(): void {
  process.stdout.write(helpText());
}
