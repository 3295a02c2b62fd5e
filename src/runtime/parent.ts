/**
 * The parent: the `tsrun run` process. It unshares the container's namespaces on its main
 * thread, spawns init into them (the child lands in the new pid namespace as PID 1), returns
 * to its own namespaces at once, and drives init over the sync socket.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { constants } from 'node:os';
import type { Socket } from 'node:net';
import { TsrunError } from '../sys/error';
import { CLONE, NamespaceSet, unshare, type NsKind } from '../sys/namespace';
import type { InitMessage, ParentMessage } from './spec';

const SAVED: NsKind[] = ['net', 'uts', 'ipc', 'pid_for_children', 'cgroup'];

export interface InitProcess {
  child: ChildProcess;
  pid: number;
  send(msg: ParentMessage): void;
  /** The next message from init, or null once init exec'd (the socket closed). */
  next(): Promise<InitMessage | null>;
}

/**
 * Unshares, runs `inNamespace` (still inside the new namespaces: the place to open
 * netlink handles and set sysctls of the new netns), spawns init, and restores this
 * thread's namespaces before returning, whatever happened.
 */
export function spawnInit(opts: {
  newNet: boolean;
  stdin: 'inherit' | 'ignore';
  inNamespace: () => void;
}): InitProcess {
  const home = NamespaceSet.ofThisThread(SAVED);
  let child: ChildProcess;
  try {
    const flags = CLONE.NEWPID | CLONE.NEWUTS | CLONE.NEWIPC | CLONE.NEWCGROUP | (opts.newNet ? CLONE.NEWNET : 0);
    unshare(flags, 'container namespaces');
    try {
      opts.inNamespace();
      child = spawn(process.execPath, [join(__dirname, 'init.js')], {
        stdio: [opts.stdin, 'inherit', 'inherit', 'pipe'],
        env: { PATH: process.env.PATH ?? '' },
      });
    } finally {
      // At once: once init (PID 1 of the new pid namespace) exits, any later spawn that
      // still targets that namespace fails with ENOMEM.
      home.enter();
    }
  } finally {
    home.close();
  }
  if (child.pid === undefined) throw new TsrunError('spawn init: the container process did not start');
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
