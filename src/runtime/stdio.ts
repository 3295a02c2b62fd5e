/**
 * A container process's stdio without -t, as Docker gives it: pipes that tsrun relays, never
 * the invoker's own files (a container could reopen /proc/1/fd/1 to read or truncate them, or
 * push keystrokes into the invoker's terminal). stdin is a pipe with -i; without it the
 * process opens the container's own /dev/null. Output is relayed with back-pressure to this
 * process's stdout/stderr (foreground) or to the container's log (monitor).
 */
import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { makePipe, setPipeSize, type Pipe } from '../sys/pipe';

/** Large enough that a fast writer rarely waits for the relay's next read. */
const PIPE_BYTES = 1 << 20;

export interface StdioPlan {
  /** -i without -t: what the container reads (`hold`: a pipe kept open with nothing to say, for run -di). */
  input?: Readable | 'hold';
  /** Without -t: where the container's output goes. */
  stdout?: Writable;
  stderr?: Writable;
}

/** The fds the container process gets as 0, 1, 2; null where it opens its own /dev/null (or a pty). */
export interface ChildStdio {
  stdin: number | null;
  stdout: number | null;
  stderr: number | null;
}

export class ContainerStdio {
  private readonly sockets: Socket[] = [];
  private childEnds: number[];
  /** Our ends, until start() hands them to sockets. */
  private ownEnds: number[];
  private unpipeInput: (() => void) | undefined;
  readonly drained: Promise<void>;
  private markDrained!: () => void;

  private constructor(
    private readonly plan: StdioPlan,
    private readonly pipes: { stdin?: Pipe; stdout?: Pipe; stderr?: Pipe },
  ) {
    const fds = (list: Array<number | undefined>): number[] => list.filter((fd): fd is number => fd !== undefined);
    this.childEnds = fds([pipes.stdin?.read, pipes.stdout?.write, pipes.stderr?.write]);
    this.ownEnds = fds([pipes.stdin?.write, pipes.stdout?.read, pipes.stderr?.read]);
    this.drained = new Promise((resolve) => (this.markDrained = resolve));
  }

  static open(plan: StdioPlan): ContainerStdio {
    const pipes: { stdin?: Pipe; stdout?: Pipe; stderr?: Pipe } = {};
    try {
      if (plan.input) pipes.stdin = makePipe('the container\'s stdin');
      for (const name of ['stdout', 'stderr'] as const) {
        if (!plan[name]) continue;
        const p = makePipe(`the container's ${name}`);
        pipes[name] = p;
        setPipeSize(p.write, PIPE_BYTES, `the container's ${name}`);
      }
    } catch (err) {
      for (const p of Object.values(pipes)) [p.read, p.write].forEach((fd) => closeSync(fd));
      throw err;
    }
    return new ContainerStdio(plan, pipes);
  }

  get child(): ChildStdio {
    return { stdin: this.pipes.stdin?.read ?? null, stdout: this.pipes.stdout?.write ?? null, stderr: this.pipes.stderr?.write ?? null };
  }

  /** The container process holds its ends now: close ours and start relaying. */
  start(): void {
    for (const fd of this.childEnds) closeSync(fd);
    this.childEnds = [];
    this.ownEnds = [];
    const outputs: Array<Promise<void>> = [];
    for (const name of ['stdout', 'stderr'] as const) {
      const pipe = this.pipes[name];
      const sink = this.plan[name];
      if (!pipe || !sink) continue;
      const source = new Socket({ fd: pipe.read, readable: true, writable: false });
      this.sockets.push(source);
      // A reader that went away (`tsrun run ... | head -1`): stop reading, so the container's
      // next write fails with EPIPE as it would on a plain pipe.
      const onSinkError = (): void => {
        source.destroy();
      };
      sink.on('error', onSinkError);
      source.pipe(sink, { end: false });
      outputs.push(
        new Promise((resolve) => {
          source.once('close', () => {
            sink.off('error', onSinkError);
            resolve();
          });
          source.once('error', () => source.destroy());
        }),
      );
    }
    void Promise.all(outputs).then(() => this.markDrained());
    const stdin = this.pipes.stdin;
    if (stdin) {
      const sink = new Socket({ fd: stdin.write, readable: false, writable: true });
      this.sockets.push(sink);
      // The container stopped reading: nothing more to give it.
      sink.on('error', () => sink.destroy());
      const input = this.plan.input;
      if (input && input !== 'hold') {
        input.pipe(sink);
        this.unpipeInput = () => {
          input.unpipe(sink);
          input.pause();
        };
      }
    }
  }

  /** Stops relaying and closes every fd (after the container ended, or when its start failed). */
  close(): void {
    this.unpipeInput?.();
    for (const fd of [...this.childEnds, ...this.ownEnds]) closeSync(fd);
    this.childEnds = [];
    this.ownEnds = [];
    for (const s of this.sockets) s.destroy();
    this.markDrained();
  }
}
