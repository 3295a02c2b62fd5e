import { check, libc } from './libc';
import { SYS } from './syscall';

const TIOCSCTTY = 0x540e;
const TIOCSWINSZ = 0x5414;
const TIOCGPTN = 0x80045430;
const TIOCSPTLCK = 0x40045431;

function ioctl(fd: number, request: number, arg: Buffer, what: string): void {
  check(libc.syscallIntIntBuffer([SYS.ioctl, fd, request, arg]), 'ioctl', what);
}

/** unlockpt + ptsname for a freshly opened ptmx: returns the pty's number N (/dev/pts/N). */
export function unlockPty(masterFd: number): number {
  ioctl(masterFd, TIOCSPTLCK, Buffer.alloc(4), 'TIOCSPTLCK (unlock pty)');
  const n = Buffer.alloc(4);
  ioctl(masterFd, TIOCGPTN, n, 'TIOCGPTN (pty number)');
  return n.readUInt32LE(0);
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
