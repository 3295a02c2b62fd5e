/**
 * A Podman of the test's own (Debian's podman 4.3 with its CNI backend): private storage,
 * run and tmp dirs, a CNI config dir and a plugin dir holding only tsrun-cni, all in one
 * temporary directory that remove() deletes with every container, netns and mount in it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALPINE_TARBALL, type Result, type StateRoot } from './tsrun';

/** Created by containers/image on a root Podman's first pull or import, whatever its --root. */
const BLOB_CACHE = '/var/lib/containers';

export class Podman {
  readonly dir: string;
  private readonly hadBlobCache = existsSync(BLOB_CACHE);

  constructor(readonly state: StateRoot) {
    this.dir = join(state.dir, 'podman');
    for (const d of ['net.d', 'bin', 'root', 'runroot', 'tmp']) mkdirSync(join(this.dir, d), { recursive: true });
    // runc: Debian's crun 1.8 refuses this host's hybrid cgroups. The limits: this host's
    // root lacks CAP_SYS_RESOURCE, so Podman's default (raise nofile and nproc) fails.
    writeFileSync(
      join(this.dir, 'containers.conf'),
      `[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]\n[network]\nnetwork_backend = "cni"\ncni_plugin_dirs = ["${this.dir}/bin"]\nnetwork_config_dir = "${this.dir}/net.d"\n[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n`,
    );
    writeFileSync(join(this.dir, 'storage.conf'), `[storage]\ndriver = "overlay"\nrunroot = "${this.dir}/runroot"\ngraphroot = "${this.dir}/root"\n`);
    const inst = state.run(['cni', 'install', '--dir', join(this.dir, 'bin')]);
    if (inst.code !== 0) throw new Error(`tsrun cni install: ${inst.stderr}`);
  }

  env(): NodeJS.ProcessEnv {
    return { ...process.env, CONTAINERS_CONF: join(this.dir, 'containers.conf'), CONTAINERS_STORAGE_CONF: join(this.dir, 'storage.conf'), TMPDIR: join(this.dir, 'tmp') };
  }

  run(args: string[]): Result {
    const base = ['--root', join(this.dir, 'root'), '--runroot', join(this.dir, 'runroot'), '--tmpdir', join(this.dir, 'tmp'), '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
    const r = spawnSync('podman', [...base, ...args], { env: this.env(), encoding: 'utf8', timeout: 60_000 });
    return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
  }

  /** The conflist of a tsrun network, as `tsrun cni conflist` prints it, in Podman's config dir. */
  addNetwork(name: string): void {
    const r = this.state.run(['cni', 'conflist', name]);
    if (r.code !== 0) throw new Error(`tsrun cni conflist: ${r.stderr}`);
    writeFileSync(join(this.dir, 'net.d', `${name}.conflist`), r.stdout);
  }

  importAlpine(): void {
    const r = this.run(['import', ALPINE_TARBALL, 'alpine']);
    if (r.code !== 0) throw new Error(`podman import: ${r.stderr}`);
  }

  remove(): void {
    this.run(['rm', '-a', '-f', '-t', '0']);
    this.run(['rmi', '-a', '-f']);
    const mounts = execFileSync('findmnt', ['-rn', '-o', 'TARGET'], { encoding: 'utf8' }).split('\n').filter((m) => m.startsWith(this.dir));
    for (const m of mounts.reverse()) spawnSync('umount', ['-l', m]);
    rmSync(this.dir, { recursive: true, force: true });
    if (!this.hadBlobCache) rmSync(BLOB_CACHE, { recursive: true, force: true });
  }
}
