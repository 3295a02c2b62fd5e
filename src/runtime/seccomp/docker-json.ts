/**
 * `--security-opt seccomp=PROFILE.json`: Docker's seccomp profile format read into tsrun's
 * representation. Each problem is one line naming the file and what is wrong in it.
 */
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { ARCH } from '../../sys/arch';
import { CAP, type CapName } from '../../sys/capabilities';
import { fromNodeError, TsrunError } from '../../sys/error';
import type { Action, ArgCheck, ArgOp, FilterArch } from '../../sys/seccomp/filter';
import type { Profile, ProfileRule } from './profile';

interface DockerArg { index: number; value: number; valueTwo?: number; op: string }
interface DockerSyscall {
  names?: string[];
  name?: string;
  action: string;
  errnoRet?: number;
  args?: DockerArg[] | null;
  includes?: { caps?: string[]; arches?: string[]; minKernel?: string };
  excludes?: { caps?: string[]; arches?: string[] };
}
interface DockerProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: Array<{ architecture: string; subArchitectures: string[] | null }>;
  syscalls?: DockerSyscall[];
}

const ARCHES: Record<string, FilterArch> = { SCMP_ARCH_X86_64: 'x86_64', SCMP_ARCH_X86: 'x86', SCMP_ARCH_X32: 'x32', SCMP_ARCH_AARCH64: 'aarch64' };
/** libseccomp's name of this machine's native entry point. */
const NATIVE = `SCMP_ARCH_${ARCH.seccomp[0]!.toUpperCase()}`;
const OPS: Record<string, ArgOp> = {
  SCMP_CMP_EQ: 'eq', SCMP_CMP_NE: 'ne', SCMP_CMP_LT: 'lt', SCMP_CMP_LE: 'le',
  SCMP_CMP_GT: 'gt', SCMP_CMP_GE: 'ge', SCMP_CMP_MASKED_EQ: 'masked-eq',
};

/** The text of the profile file at `path` (relative to the working directory of tsrun). */
export function readProfileFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw fromNodeError(err, `invalid --security-opt seccomp=${path}: cannot read the profile`);
  }
}

/** A profile in Docker's JSON format; `source` names it in errors. */
export function parseDockerProfile(text: string, source: string): Profile {
  const bad = (what: string): TsrunError => new TsrunError(`invalid --security-opt seccomp=${source}: ${what}`);
  let doc: DockerProfile;
  try {
    doc = JSON.parse(text) as DockerProfile;
  } catch (err) {
    throw bad((err as Error).message);
  }
  if (doc === null || typeof doc !== 'object') throw bad('not a JSON object');
  const action = (name: string, errnoRet: number | undefined): Action => {
    switch (name) {
      case 'SCMP_ACT_ALLOW': return { type: 'allow' };
      case 'SCMP_ACT_ERRNO': return { type: 'errno', errno: errnoRet ?? constants.errno.EPERM };
      case 'SCMP_ACT_KILL':
      case 'SCMP_ACT_KILL_THREAD': return { type: 'kill-thread' };
      case 'SCMP_ACT_KILL_PROCESS': return { type: 'kill-process' };
      case 'SCMP_ACT_TRAP': return { type: 'trap' };
      case 'SCMP_ACT_TRACE': return { type: 'trace', data: errnoRet ?? 0 };
      case 'SCMP_ACT_LOG': return { type: 'log' };
      default: throw bad(`unknown action "${name}"`);
    }
  };
  const caps = (list: string[] | undefined): CapName[] | undefined =>
    list?.map((c) => {
      const bare = c.toUpperCase().replace(/^CAP_/, '');
      if (!(bare in CAP)) throw bad(`unknown capability "${c}"`);
      return bare as CapName;
    });
  const arg = (a: DockerArg): ArgCheck => {
    const op = OPS[a.op];
    if (!op) throw bad(`unknown argument operator "${a.op}"`);
    if (!Number.isInteger(a.index) || a.index < 0 || a.index > 5) throw bad(`argument index ${a.index} is not 0-5`);
    return { index: a.index, op, value: BigInt(a.value), ...(a.valueTwo !== undefined && { valueTwo: BigInt(a.valueTwo) }) };
  };
  if (typeof doc.defaultAction !== 'string') throw bad('no defaultAction');
  const native = doc.archMap?.find((m) => m.architecture === NATIVE);
  const listed = native ? [native.architecture, ...(native.subArchitectures ?? [])] : doc.architectures ?? [NATIVE];
  const arches = [...new Set(listed.map((a) => ARCHES[a]).filter((a): a is FilterArch => a !== undefined))];
  const rules = (doc.syscalls ?? []).map((s): ProfileRule => {
    const names = s.names ?? (s.name ? [s.name] : []);
    if (names.length === 0) throw bad('a syscalls entry has no names');
    const ifCaps = caps(s.includes?.caps);
    const unlessCaps = caps(s.excludes?.caps);
    return {
      names,
      action: action(s.action, s.errnoRet),
      ...(s.args && { args: s.args.map(arg) }),
      ...(ifCaps && { ifCaps }),
      ...(unlessCaps && { unlessCaps }),
      ...(s.includes?.arches && { arches: s.includes.arches }),
      ...(s.excludes?.arches && { notArches: s.excludes.arches }),
      ...(s.includes?.minKernel && { minKernel: s.includes.minKernel }),
    };
  });
  return { defaultAction: action(doc.defaultAction, doc.defaultErrnoRet), arches: arches.length > 0 ? arches : [ARCH.seccomp[0]!], rules };
}
