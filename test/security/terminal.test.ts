/**
 * Vector 1, the invoker's terminal. The attack: from inside a container started (or exec'd
 * into) from an interactive root shell, open /dev/tty and push a command into the shell's
 * input with TIOCSTI (this kernel has dev.tty.legacy_tiocsti = 1), so the shell runs it once
 * tsrun exits. Docker: the container has no controlling terminal (/dev/tty gives ENXIO) and
 * its stdio are pipes, so nothing is typed.
 */
import test from 'ava';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { constants } from 'node:os';
import { BIN, isRoot } from '../helpers/tsrun';
import { setUpProbe } from './probe';

const setup = setUpProbe(test);
const state = setup.state;

/** A root shell on a real terminal: script(1) gives sh a pty whose input we type. */
class TerminalShell {
  private readonly p: ChildProcessWithoutNullStreams;
  private out = '';

  constructor(env: NodeJS.ProcessEnv) {
    this.p = spawn('script', ['-q', '-e', '-c', 'sh', '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.p.stdout.on('data', (d) => (this.out += d));
  }

  type(line: string): void {
    this.p.stdin.write(`${line}\n`);
  }

  /** The first match of `re` in what the terminal showed, waiting up to 60 s for it. */
  async waitFor(re: RegExp): Promise<RegExpMatchArray> {
    for (let i = 0; i < 1200; i++) {
      const m = this.out.match(re);
      if (m) return m;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the terminal never showed ${re}: ${this.out}`);
  }

  async exit(): Promise<void> {
    this.type('exit');
    await new Promise((r) => this.p.on('close', r));
  }
}

/** Types `command` (the attack) into the shell, then a later command, and returns the attack's exit code. */
async function attackFromShell(command: string): Promise<number> {
  const sh = new TerminalShell(state.env());
  try {
    // "R""C" keeps the terminal's echo of the typed line from matching the answer.
    sh.type(`${command} </dev/null >/dev/null 2>&1; echo "R""C=$?"`);
    const rc = Number((await sh.waitFor(/RC=(\d+)/))[1]);
    // Anything pushed into the terminal's input is read before this line.
    sh.type('echo "DO""NE"');
    await sh.waitFor(/DONE/);
    return rc;
  } finally {
    await sh.exit();
  }
}

test('run without -t: the container has no controlling terminal and cannot type into the invoking shell', async (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  const marker = join(setup.probe.dir, 'pwned-by-run');
  const rc = await attackFromShell(`${BIN} run --rm probe /probe tiocsti "touch ${marker}"`);
  t.is(rc, constants.errno.ENXIO, '/dev/tty opens with ENXIO, as under Docker');
  t.false(existsSync(marker), 'the pushed command never ran in the invoking shell');
});

test('exec without -t: the exec\'d process has no controlling terminal and cannot type into the invoking shell', async (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  t.is(state.run(['run', '-d', '--name', 'victim-shell', 'probe', 'sleep', '300']).code, 0);
  const marker = join(setup.probe.dir, 'pwned-by-exec');
  const rc = await attackFromShell(`${BIN} exec victim-shell /probe tiocsti "touch ${marker}"`);
  t.is(rc, constants.errno.ENXIO);
  t.false(existsSync(marker));
  t.is(state.run(['rm', '-f', 'victim-shell']).code, 0);
});
