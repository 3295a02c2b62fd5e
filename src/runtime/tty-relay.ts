/**
 * `-t`: the container gets a pty of its own devpts instance. The parent opens the master
 * through /proc/<init>/root (after init's pivot_root) and relays it: to its own terminal in
 * raw mode (so line editing, Ctrl-C and job control happen inside), or, for a detached
 * container, into its log, keeping the master open so the shell does not see a hang-up.
 */
import { constants, createReadStream, openSync, writeSync } from 'node:fs';
import { makeRaw, setWindowSize, unlockPty } from '../sys/tty';

export interface PtyRelay {
  /** The pty's number N: init opens /dev/pts/N. */
  number: number;
  /** Resolves once the container side closed and all output was copied. */
  drained: Promise<void>;
  stop(): void;
}

export interface PtyEnds {
  /** This process's terminal input, relayed (in raw mode) with -i; none without. */
  terminalInput: boolean;
  /** Follow this process's window size. */
  followWindow: boolean;
  output(data: Buffer): void;
}

export function openPty(pid: number, ends: PtyEnds): PtyRelay {
  const master = openSync(`/proc/${pid}/root/dev/pts/ptmx`, constants.O_RDWR | constants.O_NOCTTY);
  const number = unlockPty(master);
  const resize = (): void => {
    if (process.stdout.isTTY) setWindowSize(master, process.stdout.rows, process.stdout.columns);
  };
  if (ends.followWindow) {
    resize();
    process.stdout.on('resize', resize);
  }
  const stdin = process.stdin;
  const restore = ends.terminalInput && stdin.isTTY ? makeRaw(0) : null;
  const onInput = (d: Buffer): void => {
    writeSync(master, d);
  };
  if (ends.terminalInput) stdin.on('data', onInput);
  // The read stream owns the master fd and closes it when it is destroyed.
  const out = createReadStream('', { fd: master, highWaterMark: 16384 });
  out.on('data', (d) => ends.output(d as Buffer));
  // EIO on the master means every slave fd is closed: the container is done with the pty.
  const drained = new Promise<void>((resolve) => {
    out.once('error', () => resolve());
    out.once('end', () => resolve());
  });
  const stop = (): void => {
    if (ends.terminalInput) {
      stdin.off('data', onInput);
      restore?.();
      stdin.pause();
    }
    if (ends.followWindow) process.stdout.off('resize', resize);
    out.destroy();
  };
  return { number, drained, stop };
}
