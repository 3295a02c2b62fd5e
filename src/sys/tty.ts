import { closeSync, fstatSync } from 'node:fs';
import { TsrunError } from './error';
import { makedev } from './file';
import { check, libc } from './libc';
import { O, type RootDir } from './root-dir';
import { SYS } from './syscall';

const TIOCSCTTY = 0x540e;
const TIOCSWINSZ = 0x5414;
const TIOCGPTN = 0x80045430;
const TIOCSPTLCK = 0x40045431;

function ioctl(fd: number, request: number, arg: Buffer, what: string): void {
  check(libc.syscallIntIntBuffer([SYS.ioctl, fd, request, arg]), 'ioctl', what);
}

const F_SETFL = 4;
const PTMX = makedev(5, 2);

/** unlockpt + ptsname for a freshly opened ptmx: returns the pty's number N (/dev/pts/N). */
function unlockPty(masterFd: number): number {
  ioctl(masterFd, TIOCSPTLCK, Buffer.alloc(4), 'TIOCSPTLCK (unlock pty)');
  const n = Buffer.alloc(4);
  ioctl(masterFd, TIOCGPTN, n, 'TIOCGPTN (pty number)');
  return n.readUInt32LE(0);
}

/**
 * A new pty from the devpts instance at dev/pts of `root` (the container's own, opened from
 * inside its root): the master fd and the pty's number N. What opens must be the pty
 * multiplexer itself, not a symlink; O_NONBLOCK keeps a FIFO planted there from blocking.
 */
export function openPtyMaster(root: RootDir): { master: number; number: number } {
  const master = root.open('dev/pts/ptmx', O.RDWR | O.NOCTTY | O.NONBLOCK | O.NOFOLLOW);
  try {
    const st = fstatSync(master);
    if (!st.isCharacterDevice() || st.rdev !== PTMX) {
      throw new TsrunError(`${root.describe('dev/pts/ptmx')} is not the pty multiplexer (5:2): the container's /dev/pts was replaced, so it cannot have a terminal`);
    }
    check(libc.fcntl([master, F_SETFL, O.RDWR]), 'fcntl', 'blocking mode on the pty master');
    return { master, number: unlockPty(master) };
  } catch (err) {
    closeSync(master);
    throw err;
  }
}

export function setWindowSize(fd: number, rows: number, cols: number): void {
  const ws = Buffer.alloc(8);
  ws.writeUInt16LE(rows, 0);
  ws.writeUInt16LE(cols, 2);
  ioctl(fd, TIOCSWINSZ, ws, 'TIOCSWINSZ (window size)');
}

/** Make the tty on `fd` the controlling terminal of this (session leader) process. */
export function setControllingTerminal(fd: number): void {
  check(libc.syscall([SYS.ioctl, fd, TIOCSCTTY, 0, 0, 0]), 'ioctl', 'TIOCSCTTY (controlling terminal)');
}

/** sizeof(struct termios) in glibc is 60 on x86-64 and arm64 alike; a little slack costs nothing. */
const TERMIOS_SIZE = 64;
const TCSANOW = 0;

/**
 * Puts the terminal on `fd` in raw mode as cfmakeraw(3) defines it (output processing off
 * too, unlike libuv's raw mode, so the container's own pty alone turns \n into \r\n).
 * Returns a function that restores the previous settings.
 */
export function makeRaw(fd: number): () => void {
  const saved = Buffer.alloc(TERMIOS_SIZE);
  check(libc.tcgetattr([fd, saved]), 'tcgetattr', `fd ${fd}`);
  const raw = Buffer.from(saved);
  libc.cfmakeraw([raw]);
  check(libc.tcsetattr([fd, TCSANOW, raw]), 'tcsetattr', `raw mode on fd ${fd}`);
  return () => {
    libc.tcsetattr([fd, TCSANOW, saved]);
  };
}
