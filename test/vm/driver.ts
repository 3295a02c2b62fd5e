/**
 * The one small interface between the VM scenarios (test/vm/scenarios.ts) and the two ways
 * of running them: direct qemu (drivers/qemu.ts) and Vagrant (drivers/vagrant.ts). A driver
 * boots hosts joined by one virtual switch that carries 802.1Q tags untouched, lets the
 * scenarios run shell commands as root in each, and removes everything it made.
 */
export interface CommandResult {
  code: number;
  /** stdout and stderr together, in order. */
  out: string;
}

export interface VmHost {
  name: string;
  /** The NIC on the shared switch, e.g. eth0 (qemu) or eth1 (Vagrant, where eth0 is management). */
  nic: string;
  /** How to invoke tsrun in this host, e.g. "/work/main/bin/tsrun" or "/tsrun/bin/tsrun". */
  tsrun: string;
  /** The project directory in this host (for the ava tests that run inside it). */
  repo: string;
  /** Path of alpine-minirootfs-3.20.3-x86_64.tar.gz in this host. */
  alpineTarball: string;
  /** Runs a shell command as root (sh -c) and returns its exit code and output. */
  run(command: string, timeoutMs?: number): Promise<CommandResult>;
}

export interface VmDriver {
  readonly name: 'qemu' | 'vagrant';
  /** Boots the named hosts on one switch; resolves once every host runs commands. */
  up(names: string[]): Promise<Record<string, VmHost>>;
  /** The console log of a host, shown when one of its checks fails. */
  consoleLog(name: string): string;
  /** Removes every VM, tap, bridge, namespace, domain and network it made, even after a failure. */
  down(): Promise<void>;
}
