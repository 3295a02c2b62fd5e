/**
 * bin/tsrun runs the bundles (dist/bundle, made by scripts/bundle.js), not tsc's hundred
 * modules: every process and thread of tsrun starts from its own entry in dist/bundle, which
 * runs its one-file bundle with V8's code cache, and loads nothing of dist/src nor of
 * node_modules but ffi-rs. A new entry point, or a module that finds a file of its own
 * through __dirname, would fall back to dist/src and show here.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { wrap } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { isRoot, REPO, withState } from '../helpers/tsrun';

const BUNDLE = join(REPO, 'dist', 'bundle');

test.beforeEach((t) => {
  if (!isRoot) t.fail('needs root: run the suite with sudo');
});

interface Load {
  /** A process, or a thread of one: `pid` or `pid/thread`. */
  thread: string;
  file: string;
}

/**
 * Every JavaScript file compiled by the processes and threads that fn's tsrun commands start
 * (the CLI, the monitor it leaves behind, exec's thread; not init, which gets only PATH),
 * through a --require hook in NODE_OPTIONS: Node's CommonJS loader compiles each file once.
 */
function loadsDuring(fn: (env: NodeJS.ProcessEnv) => void): Load[] {
  const dir = mkdtempSync(join(tmpdir(), 'tsrun-bundle-test-'));
  try {
    const hook = join(dir, 'hook.js');
    const out = join(dir, 'loads');
    writeFileSync(hook, `const Module = require('node:module');
const { appendFileSync } = require('node:fs');
const { threadId } = require('node:worker_threads');
const compile = Module.prototype._compile;
Module.prototype._compile = function (content, file) {
  // A monitor outlives the test's directory.
  try { appendFileSync(${JSON.stringify(out)}, JSON.stringify({ thread: threadId === 0 ? String(process.pid) : process.pid + '/' + threadId, file }) + '\\n'); } catch {}
  return compile.call(this, content, file);
};
`);
    writeFileSync(out, '');
    fn({ NODE_OPTIONS: `--require ${hook}` });
    return readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Load);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Files that are neither bin/tsrun, a bundle nor ffi-rs (a native addon, kept outside the bundles). */
const unbundled = (loads: Load[]): string[] => loads.map((l) => l.file).filter((f) => f !== join(REPO, 'bin', 'tsrun') && !f.startsWith(`${BUNDLE}/`) && !/\/node_modules\/ffi-rs\//.test(f));

test('a run, ps, run -d, its supervisor and keeper, an exec thread and a cp thread each start from their entry in dist/bundle and load nothing else of tsrun', async (t) => {
  await withState((s) => {
    const loads = loadsDuring((env) => {
      for (const args of [['run', '--rm', '--net=none', 'alpine', 'true'], ['ps'], ['run', '-d', '--net=none', '--name', 'bundled', 'alpine', 'sleep', '600'], ['exec', 'bundled', 'true'], ['cp', 'bundled:/etc/hostname', '-']]) {
        const r = s.run(args, { env });
        t.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      }
    });
    t.deepEqual(unbundled(loads), []);
    // One entry per process or thread (the bundle it runs is compiled by vm.Script, not the loader).
    const bundles = new Map<string, string[]>();
    for (const l of loads.filter((l) => l.file.startsWith(`${BUNDLE}/`))) bundles.set(l.thread, [...(bundles.get(l.thread) ?? []), l.file.slice(BUNDLE.length + 1)]);
    t.true([...bundles.values()].every((b) => b.length === 1), JSON.stringify([...bundles]));
    t.deepEqual([...new Set([...bundles.values()].flat())].sort(), ['inside.js', 'keeper.js', 'main.js', 'supervisor.js', 'tenant.js']);
  });
});

test("V8 takes every bundle's code cache, so no start-up parses a bundle's source", (t) => {
  for (const name of ['main', 'init', 'keeper', 'supervisor', 'tenant', 'inside', 'cni']) {
    const file = join(BUNDLE, `${name}.bundle.js`);
    const script = new Script(wrap(readFileSync(file, 'utf8')), { filename: file, cachedData: readFileSync(join(BUNDLE, `${name}.bundle.cache`)) });
    t.false(script.cachedDataRejected, name);
  }
});
