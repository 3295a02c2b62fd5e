/**
 * The arm64 check: the unit tests of what differs by architecture (the architecture table
 * and the seccomp filter it feeds, test/unit/arch.test.ts) and of the netlink codec, run by
 * Node for Linux arm64 under qemu-user, so process.arch, `uname -m` and ffi-rs's native
 * binary are arm64's. Prints ava's TAP (scripts/test.js counts it).
 *
 *   node dist/test/arm64/run.js
 *
 * Needs qemu-aarch64 (qemu-user) and an arm64 C library to run Node against
 * (libc6-arm64-cross, libstdc++6-arm64-cross, libgcc-s1-arm64-cross: /usr/aarch64-linux-gnu),
 * which .ci/run installs; nothing is registered with binfmt_misc. Node and node_modules
 * for arm64 come from the npm registry (test/vm/vagrant/guest-artifacts.sh), the compiled
 * tests from this machine's dist/, all under .cache/arm64.
 *
 * ava runs each test file in a child process it starts with process.execPath. An emulated
 * process cannot exec an arm64 binary without binfmt_misc, so execPath is pointed at a
 * shell script, which the kernel runs natively and which starts the child under qemu too.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../helpers/tsrun';

const SYSROOT = '/usr/aarch64-linux-gnu';
const FILES = ['dist/test/unit/arch.test.js', 'dist/test/unit/netlink-codec.test.js'];
const TIMEOUT_MS = 10 * 60_000;

function main(): void {
  const qemu = spawnSync('qemu-aarch64', ['--version']);
  if (qemu.error || !existsSync(join(SYSROOT, 'lib/ld-linux-aarch64.so.1')) || !existsSync(join(SYSROOT, 'lib/libstdc++.so.6'))) {
    throw new Error('the arm64 check needs qemu-user and an arm64 C library: apt-get install -y --no-install-recommends qemu-user libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross');
  }
  const cache = join(REPO, '.cache', 'arm64');
  const prepared = spawnSync(join(REPO, 'test/vm/vagrant/guest-artifacts.sh'), [cache, 'arm64'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (prepared.status !== 0) throw new Error(`guest-artifacts.sh ${cache} arm64 failed (${prepared.status ?? prepared.signal})`);
  const artifacts = join(cache, 'linux-arm64');

  // The tests resolve their modules from where they are: a copy beside arm64's node_modules.
  const run = join(cache, 'run');
  rmSync(run, { recursive: true, force: true });
  mkdirSync(join(run, 'dist', 'test'), { recursive: true });
  cpSync(join(REPO, 'dist', 'src'), join(run, 'dist', 'src'), { recursive: true });
  cpSync(join(REPO, 'dist', 'test', 'unit'), join(run, 'dist', 'test', 'unit'), { recursive: true });
  cpSync(join(REPO, 'test', 'fixtures'), join(run, 'test', 'fixtures'), { recursive: true });
  for (const file of ['package.json', 'ava.config.js']) cpSync(join(REPO, file), join(run, file));
  symlinkSync(join(artifacts, 'node_modules'), join(run, 'node_modules'));
  const node = join(run, 'node');
  writeFileSync(node, `#!/bin/sh\nexec qemu-aarch64 -L ${SYSROOT} ${join(artifacts, 'node')} "$@"\n`);
  chmodSync(node, 0o755);
  writeFileSync(join(run, 'launch.js'), `process.execPath = ${JSON.stringify(node)};\nimport('./node_modules/ava/entrypoints/cli.mjs');\n`);

  const child = spawn(node, ['launch.js', '--tap', ...FILES], { cwd: run, stdio: ['ignore', 'inherit', 'inherit'] });
  const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
  child.on('close', (code, signal) => {
    clearTimeout(timer);
    rmSync(run, { recursive: true, force: true });
    if (code !== 0) console.log(`# the arm64 tests ended with ${code ?? signal}`);
    process.exit(code ?? 1);
  });
}

try {
  main();
} catch (err) {
  console.log(`not ok 1 - arm64: ${(err as Error).message}`);
  process.exit(1);
}
