/**
 * `-t`: the container's process gets a pty of the container's own devpts; tsrun holds its
 * master (opened from inside the container's root, sys/tty.ts) and relays it: to its own
 * terminal in raw mode (so line editing, Ctrl-C and job control happen inside), or, for a
 * detached container, into its log, keeping the master open so the shell does not see a
 * hang-up.
 */
import { createReadStream, writeSync } from 'node:fs';
import { ReadStream } from 'node:tty';
import { makeRaw, setWindowSize } from '../sys/tty';

export interface PtyRelay {
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

/** Relays the pty whose master is `master`; the relay owns the fd from now on. */
export function relayPty(master: number, ends: PtyEnds): PtyRelay {
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
  // The read stream owns the master fd and closes it when it is destroyed. Without input to
  // relay (a detached container's pty), it is read as a socket is, by epoll: a blocking read
  // would hold one of libuv's four pool threads for the container's whole life, and the
  // supervisor reads every detached container's pty. With input, the master stays blocking,
  // so that what is typed into it never meets EAGAIN.
  const out = ends.terminalInput ? createReadStream('', { fd: master, highWaterMark: 16384 }) : new ReadStream(master);
  out.on('data', (d: Buffer) => ends.output(d));
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
  return { drained, stop };
}
