/**
 * The direct-qemu driver: Debian's generic kernel and a busybox initramfs (made by
 * test/vm/qemu/prepare.sh, cached), the host's root shared read-only over virtio-9p under a
 * tmpfs overlay, and every VM's NIC on one Linux bridge of taps inside a network namespace
 * made for the run, so nothing reaches the host's own network. Commands reach a guest's
 * agent (test/vm/qemu/agent.sh) as files on a second, writable 9p share.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ALPINE_TARBALL, REPO } from '../../helpers/tsrun';
import type { CommandResult, VmDriver, VmHost } from '../driver';

const BOOT_TIMEOUT_MS = 180_000;

export class QemuDriver implements VmDriver {
  readonly name = 'qemu';
  private readonly work: string;
  private readonly netns = `tsrun-vm-${process.pid}`;
  private readonly share: string;
  private readonly vms = new Map<string, ChildProcess>();
  private seq = 0;

  constructor(opts: { workDir: string }) {
    this.work = join(opts.workDir, 'qemu');
    this.share = join(opts.workDir, `share-${process.pid}`);
  }

  private console(name: string): string {
    return join(this.share, `console-${name}.log`);
  }

  consoleLog(name: string): string {
    return existsSync(this.console(name)) ? readFileSync(this.console(name), 'utf8') : '';
  }

  async up(names: string[]): Promise<Record<string, VmHost>> {
    execFileSync('bash', [join(REPO, 'test/vm/qemu/prepare.sh'), this.work], { stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync('ip', ['netns', 'add', this.netns]);
    const inNs = (args: string[]): void => {
      execFileSync('ip', ['-n', this.netns, ...args]);
    };
    inNs(['link', 'add', 'sw0', 'type', 'bridge']);
    inNs(['link', 'set', 'sw0', 'up']);
    const hosts: Record<string, VmHost> = {};
    names.forEach((name, i) => {
      const tap = `tap${i}`;
      inNs(['tuntap', 'add', 'dev', tap, 'mode', 'tap']);
      inNs(['link', 'set', tap, 'master', 'sw0', 'up']);
      mkdirSync(join(this.share, name), { recursive: true });
      this.vms.set(name, this.boot(name, tap, i));
      hosts[name] = this.host(name);
    });
    const deadline = Date.now() + BOOT_TIMEOUT_MS;
    for (const name of names) {
      while (!existsSync(join(this.share, name, 'ready'))) {
        if (this.vms.get(name)!.exitCode !== null) throw new Error(`VM ${name} exited while booting:\n${this.consoleLog(name).slice(-3000)}`);
        if (Date.now() > deadline) throw new Error(`VM ${name} did not boot in ${BOOT_TIMEOUT_MS / 1000} s:\n${this.consoleLog(name).slice(-3000)}`);
        await sleep(200);
      }
    }
    return hosts;
  }

  private boot(name: string, tap: string, i: number): ChildProcess {
    // KVM is used only when asked for: where it is present but nested, it can hang or abort.
    const accel = process.env.TSRUN_VM_ACCEL === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg', '-cpu', 'max'];
    const args = [
      'netns', 'exec', this.netns, 'qemu-system-x86_64',
      '-nodefaults', '-display', 'none', '-no-reboot', '-machine', 'q35', ...accel, '-smp', '2', '-m', '1536',
      '-kernel', join(this.work, 'vmlinuz'), '-initrd', join(this.work, 'initrd.img'),
      '-append', `console=ttyS0 panic=-1 quiet tsrun.host=${name} tsrun.agent=${join(REPO, 'test/vm/qemu/agent.sh')} tsrun.modules=${join(this.work, 'modules/lib/modules')}`,
      '-serial', `file:${this.console(name)}`,
      '-virtfs', 'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
      '-virtfs', `local,path=${this.share},mount_tag=share,security_model=none`,
      '-netdev', `tap,id=n0,ifname=${tap},script=no,downscript=no`,
      // romfile= : no PXE option ROM, so qemu needs no ipxe firmware package.
      '-device', `virtio-net-pci,netdev=n0,romfile=,mac=52:54:00:00:00:${(i + 1).toString(16).padStart(2, '0')}`,
    ];
    const p = spawn('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    p.stderr?.on('data', () => undefined);
    return p;
  }

  private host(name: string): VmHost {
    return {
      name,
      nic: 'eth0',
      tsrun: join(REPO, 'bin/tsrun'),
      repo: REPO,
      alpineTarball: ALPINE_TARBALL,
      run: (command, timeoutMs = 120_000) => this.exec(name, command, timeoutMs),
    };
  }

  private async exec(name: string, command: string, timeoutMs: number): Promise<CommandResult> {
    const dir = join(this.share, name);
    const n = ++this.seq;
    writeFileSync(join(dir, `cmd-${n}.tmp`), `${command}\n`);
    renameSync(join(dir, `cmd-${n}.tmp`), join(dir, `cmd-${n}.sh`));
    const deadline = Date.now() + timeoutMs;
    while (!existsSync(join(dir, `rc-${n}`))) {
      if (this.vms.get(name)?.exitCode !== null) return { code: 255, out: `VM ${name} is gone` };
      if (Date.now() > deadline) return { code: 124, out: `timed out after ${timeoutMs / 1000} s: ${command}` };
      await sleep(100);
    }
    const out = readFileSync(join(dir, `out-${n}`), 'utf8');
    const code = Number(readFileSync(join(dir, `rc-${n}`), 'utf8').trim());
    rmSync(join(dir, `out-${n}`), { force: true });
    rmSync(join(dir, `rc-${n}`), { force: true });
    return { code, out };
  }

  async down(): Promise<void> {
    for (const name of this.vms.keys()) {
      if (existsSync(join(this.share, name))) writeFileSync(join(this.share, name, 'poweroff'), '');
    }
    const deadline = Date.now() + 10_000;
    for (const vm of this.vms.values()) {
      while (vm.exitCode === null && vm.signalCode === null && Date.now() < deadline) await sleep(100);
      if (vm.exitCode === null && vm.signalCode === null) vm.kill('SIGKILL');
    }
    // Anything qemu that is still in our namespace goes too (ip netns exec forks qemu).
    spawnSync('ip', ['netns', 'pids', this.netns], { encoding: 'utf8' }).stdout?.split('\n').filter(Boolean).forEach((pid) => {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    });
    await sleep(200);
    spawnSync('ip', ['netns', 'del', this.netns]);
    rmSync(this.share, { recursive: true, force: true });
    this.vms.clear();
  }
}
