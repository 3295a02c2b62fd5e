#!/usr/bin/env node
// Bundles each entry point of tsrun's processes and threads into one CommonJS file under
// dist/bundle/, from tsc's output (dist/src), so that a start-up reads and compiles one file
// instead of resolving and loading a hundred modules. The bundles sit side by side: the
// entry points find each other with join(__dirname, 'init.js') and the like, as they do in
// dist/src. Lazily required modules stay lazy (esbuild wraps each in a closure that runs on
// first require). ffi-rs stays outside: it loads a native addon from its own directory.
'use strict';
const { build } = require('esbuild');
const { join } = require('node:path');

const root = join(__dirname, '..');
const src = join(root, 'dist', 'src');

build({
  entryPoints: {
    main: join(src, 'cli', 'main.js'), // bin/tsrun
    init: join(src, 'runtime', 'init.js'), // spawned by runtime/parent.ts
    monitor: join(src, 'runtime', 'monitor.js'), // spawned by runtime/detach.ts
    tenant: join(src, 'runtime', 'tenant.js'), // the Worker of runtime/exec.ts
  },
  outdir: join(root, 'dist', 'bundle'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['ffi-rs'],
  logLevel: 'warning',
}).catch(() => process.exit(1));
