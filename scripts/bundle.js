#!/usr/bin/env node
// Bundles each entry point of tsrun's processes and threads into one CommonJS file under
// dist/bundle/, from tsc's output (dist/src), so that a start-up reads and compiles one file
// instead of resolving and loading a hundred modules (under emulation, as in the VM tests,
// each module load costs ten times more). Lazily required modules stay lazy: esbuild wraps
// each in a closure that runs on first require. ffi-rs's native addon stays outside:
// src/sys/libc.ts loads it from its platform package (@yuuang/ffi-rs-linux-ARCH-gnu).
//
// Each entry point is a small file NAME.js that runs NAME.bundle.js with V8's code cache
// NAME.bundle.cache made here, so no process parses the bundle's source again. They sit side
// by side: the entry points find each other with join(__dirname, 'init.js') and the like, as
// they do in dist/src.
'use strict';
const { build } = require('esbuild');
const { spawnSync } = require('node:child_process');
const { readFileSync, rmSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { join } = require('node:path');
const { setFlagsFromString } = require('node:v8');
const { Script } = require('node:vm');

const root = join(__dirname, '..');
const src = join(root, 'dist', 'src');
const out = join(root, 'dist', 'bundle');
const entries = {
  main: join(src, 'cli', 'main.js'), // bin/tsrun
  init: join(src, 'runtime', 'init.js'), // spawned by runtime/parent.ts
  keeper: join(src, 'runtime', 'keeper.js'), // spawned by runtime/detach.ts
  supervisor: join(src, 'runtime', 'supervisor.js'), // spawned by runtime/keeper.ts
  tenant: join(src, 'runtime', 'tenant.js'), // the Worker of runtime/exec.ts
  inside: join(src, 'runtime', 'copy', 'inside.js'), // the Worker of runtime/copy/copy.ts
  cni: join(src, 'cni', 'main.js'), // bin/tsrun-cni, the CNI plugin
};

/**
 * The entry point's code (copied into NAME.js): it runs the bundle as the CommonJS loader
 * would, with this file's module and require (so require.main, and what the bundle requires
 * from node_modules, are as before), and with the cache if V8 takes it: V8 refuses, and
 * compiles the source, a cache of another Node version, other V8 flags or another source.
 */
function start(name, stub) {
  const { readFileSync } = require('node:fs');
  const { wrap } = require('node:module');
  const { join } = require('node:path');
  const { Script } = require('node:vm');
  const file = join(__dirname, `${name}.bundle.js`);
  let cachedData;
  try {
    cachedData = readFileSync(join(__dirname, `${name}.bundle.cache`));
  } catch {
    // None (the build could not make one): V8 compiles the source.
  }
  new Script(wrap(readFileSync(file, 'utf8')), { filename: file, cachedData }).runInThisContext()(stub.exports, require, stub, file, __dirname);
}

/**
 * A cache of every function of the bundle, not only those its top level runs: compiled with
 * --no-lazy, saved with the default flags again (V8 takes a cache only under the flags it was
 * made with), so no command compiles a function of its own at start-up.
 */
function codeCache(file) {
  setFlagsFromString('--no-lazy');
  const script = new Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file });
  setFlagsFromString('--lazy');
  return script.createCachedData();
}

/** Whether a fresh Node process (as tsrun's own are) takes the cache. */
function accepted(file, cache) {
  const check = `const { readFileSync } = require('node:fs');
const s = new (require('node:vm').Script)(require('node:module').wrap(readFileSync(${JSON.stringify(file)}, 'utf8')), { filename: ${JSON.stringify(file)}, cachedData: readFileSync(${JSON.stringify(cache)}) });
process.exit(s.cachedDataRejected ? 1 : 0);`;
  return spawnSync(process.execPath, ['-e', check], { stdio: 'inherit' }).status === 0;
}

(async () => {
  rmSync(out, { recursive: true, force: true });
  await build({
    entryPoints: Object.fromEntries(Object.entries(entries).map(([name, file]) => [`${name}.bundle`, file])),
    outdir: out,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['ffi-rs', '@yuuang/*'],
    // Only yargs requires node:assert (scripts/yargs-assert.js says why it gets its own).
    alias: { assert: join(__dirname, 'yargs-assert.js') },
    logLevel: 'warning',
  });
  for (const name of Object.keys(entries)) {
    const bundle = join(out, `${name}.bundle.js`);
    const cache = join(out, `${name}.bundle.cache`);
    writeFileSync(join(out, `${name}.js`), `// Made by scripts/bundle.js: runs ${name}.bundle.js with its code cache.\n'use strict';\n(${start})(${JSON.stringify(name)}, module);\n`);
    writeFileSync(cache, codeCache(bundle));
    if (!accepted(bundle, cache)) {
      console.warn(`scripts/bundle.js: Node refuses the code cache of ${name}.bundle.js; the bundle runs without it`);
      rmSync(cache);
    }
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
