/**
 * A small assembler for classic BPF as seccomp runs it: loads of the 32-bit words of
 * struct seccomp_data, comparisons, AND, unconditional jumps and returns, with symbolic
 * labels. Conditional jumps only ever skip the one `ja` that follows them, so no jump offset
 * can exceed the 8 bits classic BPF gives conditional jumps; `ja` carries 32 bits.
 */

const BPF = {
  LD_W_ABS: 0x20, // BPF_LD | BPF_W | BPF_ABS
  ALU_AND_K: 0x54, // BPF_ALU | BPF_AND | BPF_K
  JA: 0x05, // BPF_JMP | BPF_JA
  JEQ_K: 0x15, // BPF_JMP | BPF_JEQ | BPF_K
  JGT_K: 0x25,
  JGE_K: 0x35,
  RET_K: 0x06, // BPF_RET | BPF_K
} as const;

/** The kernel refuses programs longer than this (BPF_MAXINSNS). */
export const MAX_INSTRUCTIONS = 4096;

export type Compare = 'eq' | 'gt' | 'ge';

interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
  /** For `ja`: the label it goes to. */
  to?: string;
}

export class BpfProgram {
  private readonly insns: Insn[] = [];
  private readonly labels = new Map<string, number>();
  private next = 0;

  /** A label name nobody else uses. */
  fresh(hint: string): string {
    return `${hint}#${this.next++}`;
  }

  label(name: string): void {
    if (this.labels.has(name)) throw new Error(`bpf: label ${name} defined twice`);
    this.labels.set(name, this.insns.length);
  }

  /** A = the 32-bit word at `offset` of struct seccomp_data. */
  load(offset: number): void {
    this.insns.push({ code: BPF.LD_W_ABS, jt: 0, jf: 0, k: offset });
  }

  and(mask: number): void {
    this.insns.push({ code: BPF.ALU_AND_K, jt: 0, jf: 0, k: mask >>> 0 });
  }

  goto(label: string): void {
    this.insns.push({ code: BPF.JA, jt: 0, jf: 0, k: 0, to: label });
  }

  /** Goes to `label` when `A <op> k` holds; falls through otherwise. */
  jumpIf(op: Compare, k: number, label: string): void {
    this.insns.push({ code: compareCode(op), jt: 0, jf: 1, k: k >>> 0 });
    this.goto(label);
  }

  /** Goes to `label` when `A <op> k` does not hold; falls through otherwise. */
  jumpUnless(op: Compare, k: number, label: string): void {
    this.insns.push({ code: compareCode(op), jt: 1, jf: 0, k: k >>> 0 });
    this.goto(label);
  }

  ret(value: number): void {
    this.insns.push({ code: BPF.RET_K, jt: 0, jf: 0, k: value >>> 0 });
  }

  get length(): number {
    return this.insns.length;
  }

  /** struct sock_filter[]: u16 code, u8 jt, u8 jf, u32 k each. */
  assemble(): Buffer {
    if (this.insns.length > MAX_INSTRUCTIONS) {
      throw new Error(`seccomp filter has ${this.insns.length} instructions; the kernel takes at most ${MAX_INSTRUCTIONS}`);
    }
    const out = Buffer.alloc(8 * this.insns.length);
    this.insns.forEach((insn, i) => {
      let k = insn.k;
      if (insn.to !== undefined) {
        const target = this.labels.get(insn.to);
        if (target === undefined) throw new Error(`bpf: no label ${insn.to}`);
        if (target <= i) throw new Error(`bpf: jump backwards to ${insn.to}`);
        k = target - i - 1;
      }
      out.writeUInt16LE(insn.code, 8 * i);
      out.writeUInt8(insn.jt, 8 * i + 2);
      out.writeUInt8(insn.jf, 8 * i + 3);
      out.writeUInt32LE(k, 8 * i + 4);
    });
    return out;
  }
}

function compareCode(op: Compare): number {
  return op === 'eq' ? BPF.JEQ_K : op === 'gt' ? BPF.JGT_K : BPF.JGE_K;
}
