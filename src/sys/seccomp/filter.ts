/**
 * Seccomp filters: rules by system call name, compiled to classic BPF for the kernel's entry
 * points the spec names (on x86-64: x86_64, i386 and x32, as libseccomp does for Docker's
 * profile; on arm64: aarch64; their numbers are in src/sys/arch.ts) and installed
 * with seccomp(SECCOMP_SET_MODE_FILTER) on the calling thread. The dispatch on the system
 * call number is a binary search over ranges of numbers that share an outcome, so a call
 * costs about log2(ranges) comparisons, not one per allowed call.
 */
import { ENTRY_POINTS, X32_SYSCALL_BIT, type FilterArch } from '../arch';
import { addressOf, check, libc } from '../libc';
import { SYS } from '../syscall';
import { BpfProgram } from './bpf';

export type { FilterArch };

export type Action =
  | { type: 'allow' }
  | { type: 'errno'; errno: number }
  | { type: 'kill-thread' }
  | { type: 'kill-process' }
  | { type: 'trap' }
  | { type: 'trace'; data: number }
  | { type: 'log' };

export type ArgOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'masked-eq';

/** A condition on system call argument `index` (64 bits); `masked-eq` is (arg & value) == valueTwo. */
export interface ArgCheck {
  index: number;
  op: ArgOp;
  value: bigint;
  valueTwo?: bigint;
}

/** The calls named get `action` when every check holds. Rules are tried in order; the first that holds wins. */
export interface FilterRule {
  names: string[];
  action: Action;
  args: ArgCheck[];
}

export interface FilterSpec {
  defaultAction: Action;
  /** The entry points whose calls the rules cover; any other is killed, as libseccomp's bad-arch action does. */
  arches: FilterArch[];
  rules: FilterRule[];
}

/** struct seccomp_data: nr, arch, instruction_pointer, args[6]. */
const NR = 0;
const ARCH = 4;
const argLow = (i: number): number => 16 + 8 * i;
const argHigh = (i: number): number => 20 + 8 * i;

export function actionValue(a: Action): number {
  switch (a.type) {
    case 'allow': return 0x7fff0000;
    case 'errno': return 0x00050000 | (a.errno & 0xffff);
    case 'kill-thread': return 0;
    case 'kill-process': return 0x80000000;
    case 'trap': return 0x00030000;
    case 'trace': return 0x7ff00000 | (a.data & 0xffff);
    case 'log': return 0x7ffc0000;
  }
}

const hi = (v: bigint): number => Number((v >> 32n) & 0xffffffffn);
const lo = (v: bigint): number => Number(v & 0xffffffffn);

/** Goes to `fail` unless the 64-bit argument satisfies the check. Clobbers A. */
function emitCheck(p: BpfProgram, c: ArgCheck, fail: string): void {
  const pass = p.fresh('pass');
  const v = c.value;
  switch (c.op) {
    case 'eq':
      p.load(argHigh(c.index));
      p.jumpUnless('eq', hi(v), fail);
      p.load(argLow(c.index));
      p.jumpUnless('eq', lo(v), fail);
      break;
    case 'ne':
      p.load(argHigh(c.index));
      p.jumpUnless('eq', hi(v), pass);
      p.load(argLow(c.index));
      p.jumpIf('eq', lo(v), fail);
      break;
    case 'masked-eq': {
      const want = c.valueTwo ?? 0n;
      p.load(argHigh(c.index));
      p.and(hi(v));
      p.jumpUnless('eq', hi(want), fail);
      p.load(argLow(c.index));
      p.and(lo(v));
      p.jumpUnless('eq', lo(want), fail);
      break;
    }
    default: {
      // Unsigned 64-bit order: the high words decide unless they are equal.
      const strict = c.op === 'gt' || c.op === 'le';
      const above = c.op === 'gt' || c.op === 'ge';
      p.load(argHigh(c.index));
      p.jumpIf('gt', hi(v), above ? pass : fail);
      p.jumpUnless('eq', hi(v), above ? fail : pass);
      p.load(argLow(c.index));
      // ge: lo >= v; gt: lo > v; lt: not (lo >= v); le: not (lo > v).
      if (above) p.jumpUnless(strict ? 'gt' : 'ge', lo(v), fail);
      else p.jumpIf(strict ? 'gt' : 'ge', lo(v), fail);
    }
  }
  p.label(pass);
}

interface Segment {
  start: number;
  /** Key of the block that decides calls in this range. */
  block: string;
}

/** Binary search over the segments' starts; A holds the call number throughout. */
function emitDispatch(p: BpfProgram, segs: Segment[], lo0: number, hi0: number): void {
  if (hi0 - lo0 === 1) return p.goto(segs[lo0]!.block);
  const mid = (lo0 + hi0) >> 1;
  const right = p.fresh('ge');
  p.jumpIf('ge', segs[mid]!.start, right);
  emitDispatch(p, segs, lo0, mid);
  p.label(right);
  emitDispatch(p, segs, mid, hi0);
}

export function compileFilter(spec: FilterSpec): Buffer {
  const p = new BpfProgram();
  const defaultBlock = 'default';
  const allowBlock = 'allow';
  // Blocks shared by every arch: one per distinct list of rules (by the rules' positions).
  const blocks = new Map<string, { label: string; rules: FilterRule[] }>();
  const index = new Map(spec.rules.map((r, i) => [r, i]));
  const blockFor = (rules: FilterRule[]): string => {
    const first = rules[0]!;
    // An unconditional first rule decides alone; ALLOW is the common case and shares one return.
    if (first.args.length === 0 && first.action.type === 'allow') return allowBlock;
    const decisive = first.args.length === 0 ? [first] : rules;
    const key = decisive.map((r) => index.get(r)).join(',');
    let b = blocks.get(key);
    if (!b) {
      b = { label: p.fresh('rules'), rules: decisive };
      blocks.set(key, b);
    }
    return b.label;
  };

  p.load(ARCH);
  if (spec.arches.includes('x86_64') || spec.arches.includes('x32')) p.jumpIf('eq', ENTRY_POINTS.x86_64.audit, 'arch:x86_64');
  if (spec.arches.includes('x86')) p.jumpIf('eq', ENTRY_POINTS.x86.audit, 'arch:x86');
  if (spec.arches.includes('aarch64')) p.jumpIf('eq', ENTRY_POINTS.aarch64.audit, 'arch:aarch64');
  p.ret(actionValue({ type: 'kill-process' }));

  const segmentsOf = (arch: FilterArch, from: number, to: number): Segment[] => {
    const { numbers, base } = ENTRY_POINTS[arch];
    const byNr = new Map<number, FilterRule[]>();
    for (const rule of spec.rules) {
      for (const name of rule.names) {
        const n = numbers[name];
        if (n === undefined) continue; // not a call of this entry point
        const list = byNr.get(base + n) ?? [];
        list.push(rule);
        byNr.set(base + n, list);
      }
    }
    const segs: Segment[] = [{ start: from, block: defaultBlock }];
    for (const nr of [...byNr.keys()].sort((a, b) => a - b)) {
      const block = blockFor(byNr.get(nr)!);
      if (segs.at(-1)!.start === nr) segs.at(-1)!.block = block;
      else if (segs.at(-1)!.block !== block) segs.push({ start: nr, block });
      if (nr + 1 < to) segs.push({ start: nr + 1, block: defaultBlock });
    }
    // Merge neighbours with the same outcome.
    return segs.filter((s, i) => i === 0 || s.block !== segs[i - 1]!.block);
  };

  if (spec.arches.includes('x86_64') || spec.arches.includes('x32')) {
    p.label('arch:x86_64');
    p.load(NR);
    if (spec.arches.includes('x32')) {
      p.jumpIf('ge', X32_SYSCALL_BIT, 'arch:x32');
    }
    const x86_64 = spec.arches.includes('x86_64') ? segmentsOf('x86_64', 0, X32_SYSCALL_BIT) : [{ start: 0, block: 'kill' }];
    emitDispatch(p, x86_64, 0, x86_64.length);
  }
  if (spec.arches.includes('x32')) {
    p.label('arch:x32');
    const x32 = segmentsOf('x32', X32_SYSCALL_BIT, 0x100000000);
    // Numbers below the x32 bit never reach here; the first segment starts at it.
    emitDispatch(p, x32, 0, x32.length);
  }
  if (spec.arches.includes('x86')) {
    p.label('arch:x86');
    p.load(NR);
    const x86 = segmentsOf('x86', 0, 0x100000000);
    emitDispatch(p, x86, 0, x86.length);
  }
  if (spec.arches.includes('aarch64')) {
    p.label('arch:aarch64');
    p.load(NR);
    const aarch64 = segmentsOf('aarch64', 0, 0x100000000);
    emitDispatch(p, aarch64, 0, aarch64.length);
  }

  p.label(allowBlock);
  p.ret(actionValue({ type: 'allow' }));
  p.label(defaultBlock);
  p.ret(actionValue(spec.defaultAction));
  p.label('kill');
  p.ret(actionValue({ type: 'kill-process' }));
  for (const { label, rules } of blocks.values()) {
    p.label(label);
    for (const rule of rules) {
      const next = p.fresh('next');
      for (const c of rule.args) emitCheck(p, c, next);
      p.ret(actionValue(rule.action));
      p.label(next);
    }
    p.ret(actionValue(spec.defaultAction));
  }
  return p.assemble();
}

const SECCOMP_SET_MODE_FILTER = 1;

/**
 * Installs `filter` on the calling thread (no TSYNC: other threads of tsrun stay unfiltered;
 * what this thread execs or spawns inherits it). Needs no_new_privs or CAP_SYS_ADMIN.
 */
export function installFilter(filter: Buffer): void {
  const prog = Buffer.alloc(16);
  prog.writeUInt16LE(filter.length / 8, 0);
  prog.writeBigUInt64LE(BigInt(addressOf(filter)), 8);
  check(libc.syscall([SYS.seccomp, SECCOMP_SET_MODE_FILTER, 0, addressOf(prog), 0, 0]), 'seccomp', 'install the filter');
  // Both buffers must outlive the call: the kernel copies the program during it.
  if (prog.length + filter.length < 0) throw new Error('unreachable');
}
