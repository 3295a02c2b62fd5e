/**
 * The parent: the `tsrun run` process (or the monitor of `run -d`). It unshares the
 * container's namespaces on its main thread, spawns init into them (the child lands in the
 * new pid namespace as PID 1), returns to its own namespaces at once, and drives init over
 * the sync socket.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { constants } from 'node:os';
import type { Socket } from 'node:net';
import { TsrunError } from '../sys/error';
import { CLONE, NamespaceSet, unshare, type NsKind } from '../sys/namespace';
import type { InitMessage, ParentMessage } from './spec';
import type { ChildStdio } from './stdio';

const SAVED: NsKind[] = ['net', 'uts', 'ipc', 'pid_for_children'];

export interface InitProcess {
  child: ChildProcess;
  pid: number;
  send(msg: ParentMessage): void;
  /** The next message from init, or null once init exec'd (the socket closed). */
  next(): Promise<InitMessage | null>;
}

/**
 * Unshares the container's namespaces, runs `inNamespace` while still inside them (the place
 * to open netlink handles of the new netns), spawns init (which lands in the new pid
 * namespace as its PID 1) with the sync socket on fd 3, and returns this thread to its own
 * namespaces before returning, whatever happened. init's fds 0-2 are the container's pipes,
 * or /dev/null where it opens its own later (with -t, or a stdin without -i).
 */
export function spawnInit(opts: { newNet: boolean; stdio: ChildStdio; inNamespace: () => void }): InitProcess {
  // Not the cgroup namespace: init makes its own once it is in the container's cgroup, so that is its root.
  const flags = CLONE.NEWPID | CLONE.NEWUTS | CLONE.NEWIPC | (opts.newNet ? CLONE.NEWNET : 0);
  const home = NamespaceSet.ofThisThread(SAVED);
  const fd = (n: number | null): number | 'ignore' => n ?? 'ignore';
  let child: ChildProcess;
  try {
    unshare(flags, 'container namespaces');
    opts.inNamespace();
    try {
      child = spawn(process.execPath, [join(__dirname, 'init.js')], {
        stdio: [fd(opts.stdio.stdin), fd(opts.stdio.stdout), fd(opts.stdio.stderr), 'pipe'],
        env: { PATH: process.env.PATH ?? '' },
      });
    } finally {
      // At once: once PID 1 of a new pid namespace exits, any later spawn that still
      // targets that namespace fails with ENOMEM.
      home.return();
    }
  } finally {
    home.close();
  }
  if (child.pid === undefined) throw new TsrunError('spawn init: the process did not start');
  return initProcess(child, child.pid);
}

function initProcess(child: ChildProcess, pid: number): InitProcess {
  const sock = child.stdio[3] as Socket;
  const queue: Array<InitMessage | null> = [];
  const waiters: Array<(m: InitMessage | null) => void> = [];
  const deliver = (m: InitMessage | null): void => {
    const w = waiters.shift();
    if (w) w(m);
    else queue.push(m);
  };
  let buffered = '';
  sock.setEncoding('utf8');
  sock.on('data', (d: string) => {
    buffered += d;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      deliver(JSON.parse(buffered.slice(0, nl)) as InitMessage);
      buffered = buffered.slice(nl + 1);
    }
  });
  const closed = (): void => deliver(null);
  sock.on('end', closed);
  sock.on('error', closed);
  return {
    child,
    pid,
    send: (msg) => {
      sock.write(`${JSON.stringify(msg)}\n`);
    },
    next: () =>
      new Promise((resolve) => {
        if (queue.length > 0) resolve(queue.shift()!);
        else waiters.push(resolve);
      }),
  };
}

/** The exit code as a shell reports it: the code, or 128 + the signal that killed it. */
function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  return code ?? 128 + (signal ? constants.signals[signal] : 0);
}

export function waitForExit(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(exitStatus(child.exitCode, child.signalCode));
    child.once('exit', (code, signal) => resolve(exitStatus(code, signal)));
  });
}
