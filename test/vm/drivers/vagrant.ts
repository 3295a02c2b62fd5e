/**
 * The Vagrant driver of the VM harness: boots the hosts of the repository's Vagrantfile
 * with vagrant-libvirt on a private libvirtd, so CI exercises the same Vagrantfile lab
 * users run on VirtualBox or libvirt.
 *
 * The Debian packages it needs are listed in test/vm/vagrant/packages (.ci/run installs
 * them with `apt-get install -y --no-install-recommends`). It never uses the machine's own
 * libvirtd, if one runs: its libvirtd is private (below).
 *
 * What it does, all under WORKDIR/vagrant/:
 *   home/     VAGRANT_HOME (the host's ~/.vagrant.d stays untouched), holding the box
 *             built by test/vm/vagrant/build-box.sh; rebuilt only when that script changes
 *   artifacts/  Node and node_modules for Linux x64 from the npm registry
 *             (test/vm/vagrant/guest-artifacts.sh), what the guests provision from: the
 *             switch is isolated, so the guests take the Vagrantfile's offline path, and
 *             nothing of this machine's own Node or node_modules reaches them
 *   dot/      VAGRANT_DOTFILE_PATH (the repository gets no .vagrant/)
 *   libvirt/  config and state of the confined libvirtd (test/vm/vagrant/libvirt-up.sh):
 *             its own network namespace holds the management network, the switch, dnsmasq
 *             and the VMs, with no route out of the machine
 *   console/  each guest's serial console, NAME.log
 *   ssh/      the ssh config from `vagrant ssh-config` and the connection sockets
 *   vagrant.log  what the last run's vagrant commands printed
 * down() removes everything but home/, console/ and vagrant.log.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { REPO } from '../../helpers/tsrun';
import type { CommandResult, VmDriver, VmHost } from '../driver';

const NETNS = 'tsrun-vagrant';
const BOX_NAME = 'tsrun-bookworm';
const TOOLS = [
  'vagrant', 'virsh', 'libvirtd', 'virtlogd', 'qemu-system-x86_64', 'qemu-img', 'mmdebstrap',
  'mkfs.ext4', 'rsync', 'ssh', 'nsenter', 'unshare', 'dnsmasq', 'iptables', 'ip', 'npm',
];
/** The guests' CPU, as npm names it: the box is built for this machine's. */
const GUEST_CPU = 'x64';
const UP_TIMEOUT_MS = 20 * 60_000;
const DESTROY_TIMEOUT_MS = 3 * 60_000;
const RUN_TIMEOUT_MS = 5 * 60_000;

interface Exec {
  code: number;
  /** stdout and stderr together, in arrival order. */
  out: string;
  stdout: string;
}

/** Single-quotes a word for sh. */
function shq(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => existsSync(path.join(dir, tool)));
}

export class VagrantDriver implements VmDriver {
  readonly name = 'vagrant';
  private readonly repo = REPO;
  private readonly scripts = path.join(this.repo, 'test/vm/vagrant');
  private readonly base: string;
  private readonly children = new Set<ReturnType<typeof spawn>>();
  private downing: Promise<void> | undefined;

  constructor(options: { workDir: string }) {
    this.base = path.join(path.resolve(options.workDir), 'vagrant');
  }

  private dir(name: 'build' | 'home' | 'artifacts' | 'dot' | 'libvirt' | 'console' | 'ssh'): string {
    return path.join(this.base, name);
  }

  async up(names: string[]): Promise<Record<string, VmHost>> {
    this.downing = undefined;
    this.checkTools();
    mkdirSync(this.base, { recursive: true });
    rmSync(path.join(this.base, 'vagrant.log'), { force: true });
    // A run killed outright (SIGKILL, lost machine) leaves its namespaces behind.
    await this.sweep();
    const kernel = await this.ensureBox();
    await this.exec(path.join(this.scripts, 'guest-artifacts.sh'), [this.dir('artifacts'), GUEST_CPU], { check: true, timeoutMs: 10 * 60_000, log: true });
    rmSync(this.dir('console'), { recursive: true, force: true });
    for (const d of ['console', 'ssh'] as const) mkdirSync(this.dir(d), { recursive: true });
    const [kvm] = await Promise.all([
      this.exec(path.join(this.scripts, 'kvm-works.sh'), [kernel]),
      this.exec(path.join(this.scripts, 'libvirt-up.sh'), [this.dir('libvirt'), NETNS], { check: true, log: true }),
    ]);
    const env = this.vagrantEnv(names, kvm.code === 0);
    await this.vagrant(['up', '--provider=libvirt'], env, UP_TIMEOUT_MS);
    const sshConfig = path.join(this.dir('ssh'), 'config');
    writeFileSync(sshConfig, (await this.vagrant(['ssh-config'], env, 60_000)).stdout);
    const hosts: Record<string, VmHost> = {};
    await Promise.all(names.map(async (name) => (hosts[name] = await this.host(name, sshConfig))));
    return hosts;
  }

  consoleLog(name: string): string {
    const file = path.join(this.dir('console'), `${name}.log`);
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  down(): Promise<void> {
    this.downing ??= this.teardown();
    return this.downing;
  }

  /** Also what the runner calls on SIGINT and SIGTERM, with `vagrant up` perhaps still running. */
  private async teardown(): Promise<void> {
    // A `vagrant up` still running holds the machines' locks: destroy would refuse.
    for (const child of this.children) child.kill('SIGKILL');
    if (existsSync(path.join(this.dir('dot'), 'machines'))) {
      const env = { ...process.env, ...this.baseEnv() };
      await this.powerOff(env);
      const destroy = await this.inNs('vagrant', ['--no-color', 'destroy', '-f'], env, DESTROY_TIMEOUT_MS);
      if (destroy.code !== 0) process.stderr.write(`vagrant destroy -f failed, removing by force:\n${destroy.out}\n`);
    }
    await this.sweep();
  }

  /**
   * Pulls the plug on every VM. Throwaway VMs need no clean shutdown, and vagrant-libvirt
   * waits 2 s for an IP address each time it looks at a running VM that has none yet (one
   * interrupted while booting): a minute of waiting in `vagrant destroy` for three VMs.
   */
  private async powerOff(env: NodeJS.ProcessEnv): Promise<void> {
    const virsh = ['--quiet', '--connect', 'qemu:///system'];
    const running = await this.inNs('virsh', [...virsh, 'list', '--name'], env, 60_000);
    for (const domain of running.out.split('\n').filter((line) => line.trim() !== '')) {
      await this.inNs('virsh', [...virsh, 'destroy', domain.trim()], env, 60_000);
    }
  }

  /** Stops the confined libvirt and everything in its namespace, then forgets the VMs. */
  private async sweep(): Promise<void> {
    await this.exec(path.join(this.scripts, 'libvirt-down.sh'), [this.dir('libvirt'), NETNS], { check: true });
    for (const d of ['dot', 'ssh'] as const) rmSync(this.dir(d), { recursive: true, force: true });
  }

  private checkTools(): void {
    const missing = TOOLS.filter((tool) => !onPath(tool));
    if (missing.length > 0) {
      throw new Error(`the Vagrant VM driver needs ${missing.join(', ')}: install them with: apt-get install -y --no-install-recommends $(cat test/vm/vagrant/packages)`);
    }
  }

  /**
   * Builds the box and adds it to Vagrant, unless the box added last was built by the same
   * build script. Returns the path of the box's kernel.
   */
  private async ensureBox(): Promise<string> {
    const script = path.join(this.scripts, 'build-box.sh');
    const key = createHash('sha256').update(readFileSync(script)).digest('hex');
    const stamp = path.join(this.dir('home'), `${BOX_NAME}.key`);
    if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== key) {
      const build = this.dir('build');
      rmSync(build, { recursive: true, force: true });
      await this.exec(script, [build], { check: true, timeoutMs: 15 * 60_000, log: true });
      const env = { ...process.env, ...this.baseEnv() };
      const add = ['--no-color', 'box', 'add', '--force', '--name', BOX_NAME, path.join(build, 'tsrun.box')];
      await this.exec('vagrant', add, { env, check: true, log: true });
      rmSync(build, { recursive: true, force: true });
      writeFileSync(stamp, key);
    }
    // Where `vagrant box add` unpacks an unversioned box.
    return path.join(this.dir('home'), 'boxes', BOX_NAME, '0', 'libvirt', 'vmlinuz');
  }

  private baseEnv(): NodeJS.ProcessEnv {
    return {
      VAGRANT_CWD: this.repo,
      VAGRANT_HOME: this.dir('home'),
      VAGRANT_DOTFILE_PATH: this.dir('dot'),
      VAGRANT_DEFAULT_PROVIDER: 'libvirt',
      VAGRANT_CHECKPOINT_DISABLE: '1',
      VAGRANT_BOX_UPDATE_CHECK_DISABLE: '1',
    };
  }

  private vagrantEnv(names: string[], kvm: boolean): NodeJS.ProcessEnv {
    return {
      ...process.env,
      ...this.baseEnv(),
      TSRUN_VM_HOSTS: names.join(' '),
      TSRUN_VAGRANT_BOX: BOX_NAME,
      TSRUN_VAGRANT_LIBVIRT_DRIVER: process.env.TSRUN_VAGRANT_LIBVIRT_DRIVER ?? (kvm ? 'kvm' : 'qemu'),
      TSRUN_VM_CONSOLE_DIR: this.dir('console'),
      TSRUN_VAGRANT_CPU: GUEST_CPU,
      TSRUN_VAGRANT_ARTIFACTS: this.dir('artifacts'),
    };
  }

  private async vagrant(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Exec> {
    const result = await this.inNs('vagrant', ['--no-color', ...args], env, timeoutMs);
    if (result.code !== 0) throw new Error(`vagrant ${args.join(' ')} failed (${result.code}):\n${tail(result.out)}`);
    return result;
  }

  /** Runs a command next to the confined libvirtd, where the VMs' networks are. */
  private inNs(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Exec> {
    const ns = [`--net=/run/netns/${NETNS}`, `--mount=${path.join(this.dir('libvirt'), 'ns/mnt')}`];
    return this.exec('nsenter', [...ns, command, ...args], { env, timeoutMs, log: true });
  }

  private async host(name: string, sshConfig: string): Promise<VmHost> {
    const controlPath = path.join(this.dir('ssh'), '%C');
    const ssh = [`--net=/run/netns/${NETNS}`, 'ssh', '-F', sshConfig, '-o', 'BatchMode=yes', '-o', `ControlPath=${controlPath}`];
    // One persistent connection per host, started apart from run() so that no run()'s
    // output pipe is inherited by the long-lived master.
    await this.exec('nsenter', [...ssh, '-o', 'ControlMaster=yes', '-o', 'ControlPersist=yes', '-f', '-N', name], { check: true });
    const run = (command: string, timeoutMs = RUN_TIMEOUT_MS): Promise<CommandResult> => {
      const seconds = Math.ceil(timeoutMs / 1000);
      const remote = `sudo timeout --kill-after=5 ${seconds} sh -c ${shq(command)} 2>&1`;
      // Past the guest's own timeout, the connection itself is given up.
      return this.exec('nsenter', [...ssh, '-o', 'ControlMaster=no', name, remote], { timeoutMs: timeoutMs + 20_000 });
    };
    const nic = await run('cat /etc/tsrun-vm-nic');
    if (nic.code !== 0) throw new Error(`${name}: cannot read /etc/tsrun-vm-nic (${nic.code}): ${nic.out}`);
    return {
      name,
      nic: nic.out.trim(),
      tsrun: '/tsrun/bin/tsrun',
      repo: '/tsrun',
      alpineTarball: '/shared/images/alpine-minirootfs-3.20.3-x86_64.tar.gz',
      run,
    };
  }

  /** Logs header to vagrant.log and returns a writer that appends whole lines, each prefixed with the time. */
  private lineLog(header: string): (text: string) => void {
    const file = path.join(this.base, 'vagrant.log');
    const write = (lines: string[]): void => {
      const stamp = new Date().toISOString().slice(11, 19);
      appendFileSync(file, lines.map((line) => `${stamp} ${line}\n`).join(''));
    };
    write([header]);
    let pending = '';
    return (text) => {
      const lines = (pending + text).split('\n');
      pending = lines.pop() ?? '';
      write(lines);
    };
  }

  /**
   * Runs a command with stdin closed; resolves with its exit code and its stdout and
   * stderr in arrival order (124 when the timeout killed it). With check, a non-zero exit
   * rejects instead, quoting the end of the output. With log, the output also goes to
   * vagrant.log as it comes, each line stamped with the time, to show where a slow or
   * failed start-up spent its time.
   */
  private exec(
    command: string,
    args: string[],
    options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; check?: boolean; log?: boolean } = {},
  ): Promise<Exec> {
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
      this.children.add(child);
      let out = '';
      let stdout = '';
      let timedOut = false;
      const log = options.log ? this.lineLog(`$ ${command} ${args.join(' ')}`) : undefined;
      const record = (d: Buffer): string => {
        // Vagrant draws its upload progress bar even without a terminal.
        const text = d.toString().replace(/(\x1b\[K|Progress: \d+%)+/g, '');
        out += text;
        log?.(text);
        return text;
      };
      child.stdout.on('data', (d: Buffer) => (stdout += record(d)));
      child.stderr.on('data', record);
      const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, options.timeoutMs);
      child.on('error', (err) => {
        clearTimeout(timer);
        this.children.delete(child);
        reject(new Error(`${command}: ${err.message}`));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        this.children.delete(child);
        if (out !== '' && !out.endsWith('\n')) log?.('\n');
        const result = { code: timedOut ? 124 : code ?? 128 + (signal ? constants.signals[signal] : 0), out, stdout };
        if (timedOut) result.out += `\n[${command} killed after ${options.timeoutMs} ms]\n`;
        if (options.check && result.code !== 0) {
          reject(new Error(`${command} ${args.join(' ')} failed (${result.code}):\n${tail(result.out)}`));
        } else {
          resolve(result);
        }
      });
    });
  }
}

/** The last lines of a long output, enough to see why a command failed. */
function tail(out: string, lines = 60): string {
  return out.split('\n').slice(-lines).join('\n');
}
