#!/usr/bin/env node
// The whole test suite, as README.md and .ci/run run it: the ava tests (unit and root
// integration), a few unit tests again as arm64 under qemu-user, then the VM scenarios
// (test/vm): all of them on the direct-qemu driver, and the macvlan and 802.1Q ones again
// on hosts the repository's Vagrantfile boots, so the lab users' Vagrantfile is tested too.
// Every stage prints TAP; this script shows it, counts it and ends with the plain summary
// line "N passed, N failed".
//
//   node scripts/test.js            everything
//   node scripts/test.js --no-vm    the ava tests only (x86-64)
'use strict';
const { spawn } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
const ava = join(root, 'node_modules', 'ava', 'entrypoints', 'cli.mjs');
const vm = join(root, 'dist', 'test', 'vm', 'run.js');
const stages = [
  { name: 'ava', args: [ava, '--tap'] },
  // Arm64: the architecture table and netlink codec tests under qemu-user (test/arm64/run.ts).
  { name: 'arm64', args: [join(root, 'dist', 'test', 'arm64', 'run.js')] },
  { name: 'vm/qemu', args: [vm, '--driver', 'qemu'] },
  { name: 'vm/vagrant', args: [vm, '--driver', 'vagrant', '--only', 'macvlan bridge across hosts', '--only', '802.1Q: same VLAN'] },
];
const selected = process.argv.includes('--no-vm') ? stages.slice(0, 1) : stages;

let passed = 0;
let failed = 0;
let skipped = 0;

function runStage(stage) {
  return new Promise((resolve) => {
    const started = Date.now();
    console.log(`\n=== ${stage.name} ===`);
    const child = spawn(process.execPath, stage.args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let stageFailed = 0;
    let pending = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) {
        if (/^not ok \d+/.test(line)) stageFailed++;
        else if (/^ok \d+ .*# SKIP/.test(line)) skipped++;
        else if (/^ok \d+/.test(line)) passed++;
      }
    });
    child.on('close', (code) => {
      // A stage that fails outside any test (a crash) still fails the run.
      if (code !== 0 && stageFailed === 0) stageFailed = 1;
      failed += stageFailed;
      console.log(`=== ${stage.name}: ${((Date.now() - started) / 1000).toFixed(0)} s ===`);
      resolve();
    });
  });
}

(async () => {
  for (const stage of selected) await runStage(stage);
  console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(failed > 0 ? 1 : 0);
})();
