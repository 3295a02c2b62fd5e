import { machine } from 'node:os';
import test from 'ava';
import { ARCH, archOf, ENTRY_POINTS } from '../../src/sys/arch';
import { TsrunError } from '../../src/sys/error';
import { actionValue, compileFilter, type FilterSpec } from '../../src/sys/seccomp/filter';
import { SYS } from '../../src/sys/syscall';

test('x86-64: the system call numbers of arch/x86/entry/syscalls/syscall_64.tbl and its open flags', (t) => {
  const x64 = archOf('x64');
  t.like(x64.sys, { ioctl: 16, capget: 125, capset: 126, setgroups: 116, setresuid: 117, setresgid: 119, prctl: 157, pivot_root: 155, keyctl: 250, seccomp: 317, bpf: 321, close_range: 436, openat2: 437 });
  t.deepEqual(x64.o, { DIRECTORY: 0o200000, NOFOLLOW: 0o400000 });
  t.deepEqual(x64.seccomp, ['x86_64', 'x86', 'x32']);
  t.is(x64.docker, 'amd64');
});

test('arm64: the asm-generic numbers, its own open flags, the aarch64 entry point', (t) => {
  const arm64 = archOf('arm64');
  t.like(arm64.sys, { ioctl: 29, capget: 90, capset: 91, setgroups: 159, setresuid: 147, setresgid: 149, prctl: 167, pivot_root: 41, keyctl: 219, seccomp: 277, bpf: 280, close_range: 436, openat2: 437 });
  t.deepEqual(arm64.o, { DIRECTORY: 0o40000, NOFOLLOW: 0o100000 });
  t.deepEqual(arm64.seccomp, ['aarch64']);
  t.is(arm64.docker, 'arm64');
  // AUDIT_ARCH_AARCH64 = EM_AARCH64 (183) | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE.
  t.is(ENTRY_POINTS.aarch64.audit, 0xc00000b7);
  t.like(ENTRY_POINTS.aarch64.numbers, { io_setup: 0, read: 63, write: 64, openat: 56, newfstatat: 79, clone: 220, execve: 221, clone3: 435 });
  t.false('open' in ENTRY_POINTS.aarch64.numbers, 'arm64 has no open(2), only openat(2)');
});

test('this machine\'s table is the one of process.arch, and matches uname -m', (t) => {
  t.is(ARCH.node, process.arch);
  t.is(ARCH.machine, machine());
  t.deepEqual(SYS, archOf(process.arch).sys);
});

test('an architecture without a table is refused in one line naming it', (t) => {
  const err = t.throws(() => archOf('riscv64'), { instanceOf: TsrunError });
  t.is(err?.message, 'tsrun runs on x86-64 (x64) and arm64 Linux, not riscv64: its system call numbers for riscv64 are unknown');
});

/** Runs a seccomp filter (classic BPF, the subset compileFilter emits) on one call. */
function runFilter(filter: Buffer, arch: number, nr: number, args: bigint[] = []): number {
  const data = Buffer.alloc(64);
  data.writeUInt32LE(nr, 0);
  data.writeUInt32LE(arch, 4);
  args.forEach((a, i) => data.writeBigUInt64LE(a, 16 + 8 * i));
  let a = 0;
  for (let pc = 0; pc < filter.length / 8;) {
    const code = filter.readUInt16LE(8 * pc);
    const jt = filter.readUInt8(8 * pc + 2);
    const jf = filter.readUInt8(8 * pc + 3);
    const k = filter.readUInt32LE(8 * pc + 4);
    pc++;
    switch (code) {
      case 0x20: a = data.readUInt32LE(k); break;
      case 0x54: a = (a & k) >>> 0; break;
      case 0x05: pc += k; break;
      case 0x15: pc += a === k ? jt : jf; break;
      case 0x25: pc += a > k ? jt : jf; break;
      case 0x35: pc += a >= k ? jt : jf; break;
      case 0x06: return k;
      default: throw new Error(`unexpected BPF opcode ${code.toString(16)}`);
    }
  }
  throw new Error('the filter ran off its end');
}

test('a seccomp filter for aarch64 decides by aarch64\'s numbers and kills calls of any other arch', (t) => {
  const eperm = { type: 'errno', errno: 1 } as const;
  const spec: FilterSpec = {
    defaultAction: eperm,
    arches: ['aarch64'],
    rules: [
      { names: ['read', 'write'], action: { type: 'allow' }, args: [] },
      { names: ['open'], action: { type: 'allow' }, args: [] },
      { names: ['personality'], action: { type: 'allow' }, args: [{ index: 0, op: 'eq', value: 8n }] },
    ],
  };
  const filter = compileFilter(spec);
  const aarch64 = ENTRY_POINTS.aarch64.audit;
  const allow = actionValue({ type: 'allow' });
  t.is(runFilter(filter, aarch64, 63), allow, 'read');
  t.is(runFilter(filter, aarch64, 64), allow, 'write');
  // 0 and 2 are read and open on x86-64; on aarch64 they are io_setup and io_submit.
  t.is(runFilter(filter, aarch64, 0), actionValue(eperm));
  t.is(runFilter(filter, aarch64, 2), actionValue(eperm));
  t.is(runFilter(filter, aarch64, 92, [8n]), allow, 'personality(8)');
  t.is(runFilter(filter, aarch64, 92, [0n]), actionValue(eperm));
  t.is(runFilter(filter, ENTRY_POINTS.x86_64.audit, 0), actionValue({ type: 'kill-process' }));
  t.is(runFilter(filter, 0x40000028 /* AUDIT_ARCH_ARM */, 3), actionValue({ type: 'kill-process' }));
});

test('a filter for x86-64\'s entry points still reads x86-64\'s and i386\'s numbers', (t) => {
  const filter = compileFilter({ defaultAction: { type: 'errno', errno: 1 }, arches: ['x86_64', 'x86', 'x32'], rules: [{ names: ['read'], action: { type: 'allow' }, args: [] }] });
  const allow = actionValue({ type: 'allow' });
  t.is(runFilter(filter, ENTRY_POINTS.x86_64.audit, 0), allow);
  t.is(runFilter(filter, ENTRY_POINTS.x86.audit, 3), allow);
  t.is(runFilter(filter, ENTRY_POINTS.x32.audit, 0x40000000), allow);
  t.is(runFilter(filter, ENTRY_POINTS.x86_64.audit, 63), actionValue({ type: 'errno', errno: 1 }));
  t.is(runFilter(filter, ENTRY_POINTS.aarch64.audit, 63), actionValue({ type: 'kill-process' }));
});
