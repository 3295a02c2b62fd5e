#!/usr/bin/env node
// Runs the whole ava suite (unit and root integration tests) with the TAP reporter, shows
// its output, and ends with the plain summary line CI reads: "N passed, N failed".
'use strict';
const { spawn } = require('node:child_process');
const { join } = require('node:path');

const ava = join(__dirname, '..', 'node_modules', 'ava', 'entrypoints', 'cli.mjs');
const child = spawn(process.execPath, [ava, '--tap', ...process.argv.slice(2)], { stdio: ['ignore', 'pipe', 'inherit'] });
let passed = 0;
let failed = 0;
let skipped = 0;
let pending = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  pending += chunk;
  const lines = pending.split('\n');
  pending = lines.pop();
  for (const line of lines) {
    if (/^not ok \d+/.test(line)) failed++;
    else if (/^ok \d+ .*# SKIP/.test(line)) skipped++;
    else if (/^ok \d+/.test(line)) passed++;
  }
});
child.on('close', (code) => {
  // ava failing outside any test (a crash, an uncaught error) still fails the run.
  if (code !== 0 && failed === 0) failed = 1;
  console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(failed > 0 ? 1 : 0);
});
