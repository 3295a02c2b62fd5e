/**
 * `-v/--volume`, `--mount` and `--tmpfs` read into one list of mounts, with Docker 20.10's
 * rules and words (moby volume/mounts/linux_parser.go, docker/cli opts/mount.go):
 * `-v SRC:DST[:MODE]` is a bind when SRC is absolute, else a named volume (`-v DST` alone an
 * anonymous one); `--mount` is key=value pairs, a volume by default; `--tmpfs DST[:OPTIONS]`.
 * Nothing here touches the host: a --mount bind's source is checked by the caller.
 */
import { posix } from 'node:path';
import { newId } from '../state/id';
import type { MountConfig, MountType } from '../state/mount-config';
import { TsrunError } from '../sys/error';

// mount(2) flags, as sys/mount.ts has them: not imported from there, which loads ffi-rs,
// so that `volume create` and the checks before a run pay nothing for it.
const MS_RDONLY = 0x1;
const MS_NOSUID = 0x2;
const MS_NODEV = 0x4;
const MS_NOEXEC = 0x8;

const RW_MODES = ['rw', 'ro'];
const LABEL_MODES = ['z', 'Z'];
const PROPAGATIONS = ['private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared'];
const COPY_MODES = ['nocopy'];
const CONSISTENCY_MODES = ['consistent', 'cached', 'delegated'];

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Docker's local volume driver's rule for a name; the error as Docker words it. */
export function validateVolumeName(name: string): void {
  if (VOLUME_NAME.test(name)) return;
  if (name.length === 1 && /^[a-zA-Z0-9]$/.test(name)) {
    throw new TsrunError(`create ${name}: volume name is too short, names should be at least two alphanumeric characters`);
  }
  throw new TsrunError(
    `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
  );
}

/** A -v mode: comma-separated, at most one of each kind. */
function validMode(mode: string): boolean {
  if (mode === '') return true;
  const kinds = [RW_MODES, LABEL_MODES, PROPAGATIONS, COPY_MODES, CONSISTENCY_MODES];
  const counts = kinds.map(() => 0);
  for (const o of mode.split(',')) {
    const k = kinds.findIndex((list) => list.includes(o));
    if (k === -1) return false;
    counts[k]!++;
  }
  return counts.every((c) => c <= 1);
}

function mountConfigError(type: string, why: string): TsrunError {
  return new TsrunError(`invalid mount config for type "${type}": ${why}`);
}

/** The checks Docker's daemon makes of every mount's target. */
function checkTarget(type: string, target: string): string {
  if (target === '') throw mountConfigError(type, 'field Target must not be empty');
  if (posix.normalize(target) === '/') throw mountConfigError(type, "invalid specification: destination can't be '/'");
  if (!posix.isAbsolute(target)) throw mountConfigError(type, `invalid mount path: '${target}' mount path must be absolute`);
  return cleanPath(target);
}

function cleanPath(p: string): string {
  const n = posix.normalize(p);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

/** `-v SRC:DST[:MODE]`, `-v NAME:DST[:MODE]` or `-v DST`. */
export function parseVolumeFlag(raw: string): MountConfig {
  const invalid = (): TsrunError => new TsrunError(`invalid volume specification: '${raw}'`);
  const arr = raw.split(':');
  if (arr[0] === '' || arr.length > 3) throw invalid();
  let source = '';
  let target: string;
  let mode = '';
  if (arr.length === 1) target = arr[0]!;
  else {
    // DST:MODE is not a volume: volumes take a mode only with a source.
    if (arr.length === 2 && validMode(arr[1]!)) throw invalid();
    [source, target, mode = ''] = arr as [string, string, string?];
  }
  if (!validMode(mode)) throw new TsrunError(`invalid mode: ${mode}`);
  const type: MountType = posix.isAbsolute(source) ? 'bind' : 'volume';
  const modes = mode.split(',');
  const readonly = modes.includes('ro');
  let clean: string;
  try {
    clean = checkTarget(type, target);
    if (type === 'volume' && source === '' && readonly) throw mountConfigError(type, 'must not set ReadOnly mode when using anonymous volumes');
  } catch (err) {
    throw new TsrunError(`invalid volume specification: '${raw}': ${(err as Error).message}`);
  }
  if (type === 'volume' && source !== '') validateVolumeName(source);
  const propagation = modes.find((m) => PROPAGATIONS.includes(m));
  if (type === 'bind') {
    return { origin: 'volume', spec: raw, type, source: cleanPath(source), target: clean, readonly, mode, propagation: propagation ?? 'rprivate', createSource: true };
  }
  const anonymous = source === '';
  return {
    origin: 'volume',
    spec: raw,
    type,
    source: anonymous ? newId() : source,
    target: clean,
    readonly,
    mode: anonymous || mode !== '' ? mode : 'z',
    propagation: '',
    ...(anonymous && { anonymous: true }),
    ...(modes.includes('nocopy') && { noCopy: true }),
  };
}

/** Docker's CSV fields: commas split them, double quotes keep commas in a value. */
function csvFields(value: string): string[] {
  const fields: string[] = [];
  let cur = '';
  let quoted = false;
  for (const c of value) {
    if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) {
      fields.push(cur);
      cur = '';
    } else cur += c;
  }
  fields.push(cur);
  return fields;
}

function parseBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

/** Docker's RAMInBytes: 64m, 1g, 512k, 100 (bytes). */
function ramInBytes(v: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)i?b?$/i.exec(v);
  if (!m) return undefined;
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 }[m[2]!.toLowerCase() as ''];
  return Math.floor(Number(m[1]) * unit);
}

/** A size as Docker gives it to the kernel: the largest unit that divides it. */
function sizeOption(bytes: number): string {
  for (const [suffix, d] of [['g', 1024 ** 3], ['m', 1024 ** 2], ['k', 1024]] as const) if (bytes % d === 0) return `${bytes / d}${suffix}`;
  return String(bytes);
}

/**
 * `--mount type=bind|volume|tmpfs,source=,target=,...`. The value errors are the CLI's
 * (`invalid argument ... for "--mount" flag`, exit 125); the rest the daemon's.
 */
export function parseMountFlag(raw: string): MountConfig {
  const flagError = (why: string): TsrunError => new TsrunError(`invalid argument "${raw}" for "--mount" flag: ${why}`);
  let type = 'volume';
  let source = '';
  let target = '';
  let readonly = false;
  let propagation: string | undefined;
  let nonRecursive = false;
  let noCopy = false;
  let tmpfsSize: number | undefined;
  let tmpfsMode: number | undefined;
  const kinds = new Set<'bind' | 'volume' | 'tmpfs'>();
  const labels: Record<string, string> = {};
  for (const field of csvFields(raw)) {
    const eq = field.indexOf('=');
    const key = (eq === -1 ? field : field.slice(0, eq)).toLowerCase();
    if (eq === -1) {
      if (key === 'readonly' || key === 'ro') readonly = true;
      else if (key === 'volume-nocopy') (noCopy = true), kinds.add('volume');
      else if (key === 'bind-nonrecursive') (nonRecursive = true), kinds.add('bind');
      else throw flagError(`invalid field '${field}' must be a key=value pair`);
      continue;
    }
    const value = field.slice(eq + 1);
    const bool = (): boolean => {
      const b = parseBool(value);
      if (b === undefined) throw flagError(`invalid value for ${key}: ${value}`);
      return b;
    };
    switch (key) {
      case 'type': type = value.toLowerCase(); break;
      case 'source': case 'src': source = value; break;
      case 'target': case 'dst': case 'destination': target = value; break;
      case 'readonly': case 'ro': readonly = bool(); break;
      case 'consistency': break;
      case 'bind-propagation': propagation = value.toLowerCase(); kinds.add('bind'); break;
      case 'bind-nonrecursive': nonRecursive = bool(); kinds.add('bind'); break;
      case 'volume-nocopy': noCopy = bool(); kinds.add('volume'); break;
      case 'volume-label': {
        const [k, ...v] = value.split('=');
        labels[k!] = v.join('=');
        kinds.add('volume');
        break;
      }
      case 'volume-driver':
        if (value !== 'local') throw new TsrunError(`volume driver ${value} is not available: tsrun has only the local driver`);
        kinds.add('volume');
        break;
      case 'volume-opt': throw new TsrunError('volume-opt is not supported by tsrun: its local volumes are plain directories');
      case 'tmpfs-size': {
        const n = ramInBytes(value);
        if (n === undefined) throw flagError(`invalid value for ${key}: ${value}`);
        tmpfsSize = n;
        kinds.add('tmpfs');
        break;
      }
      case 'tmpfs-mode': {
        if (!/^[0-7]+$/.test(value)) throw flagError(`invalid value for ${key}: ${value}`);
        tmpfsMode = parseInt(value, 8);
        kinds.add('tmpfs');
        break;
      }
      default: throw flagError(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (type === '') throw flagError('type is required');
  if (target === '') throw flagError('target is required');
  for (const k of kinds) if (k !== type) throw flagError(`cannot mix '${k}-*' options with mount type '${type}'`);
  if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs') throw mountConfigError(type, 'mount type unknown');
  const clean = checkTarget(type, target);
  const api: Record<string, unknown> = { Type: type, ...(source && { Source: source }), Target: target, ...(readonly && { ReadOnly: true }) };
  if (type === 'bind') {
    if (source === '') throw mountConfigError(type, 'field Source must not be empty');
    if (propagation !== undefined && !PROPAGATIONS.includes(propagation)) throw mountConfigError(type, `invalid propagation mode: ${propagation}`);
    if (!posix.isAbsolute(source)) throw mountConfigError(type, `invalid mount path: '${source}' mount path must be absolute`);
    if (propagation !== undefined || nonRecursive) api.BindOptions = { ...(propagation && { Propagation: propagation }), ...(nonRecursive && { NonRecursive: true }) };
    return { origin: 'mount', spec: raw, type, source: cleanPath(source), target: clean, readonly, mode: '', propagation: propagation ?? 'rprivate', ...(nonRecursive && { nonRecursive }), api };
  }
  if (type === 'tmpfs') {
    if (source !== '') throw mountConfigError(type, 'field Source must not be specified');
    const data = [...(tmpfsMode !== undefined ? [`mode=${tmpfsMode.toString(8)}`] : []), ...(tmpfsSize ? [`size=${sizeOption(tmpfsSize)}`] : [])].join(',');
    if (tmpfsSize !== undefined || tmpfsMode !== undefined) api.TmpfsOptions = { ...(tmpfsSize !== undefined && { SizeBytes: tmpfsSize }), ...(tmpfsMode !== undefined && { Mode: tmpfsMode }) };
    return { origin: 'mount', spec: raw, type, source: '', target: clean, readonly, mode: '', propagation: '', tmpfs: { flags: MS_NOSUID | MS_NODEV | MS_NOEXEC | (readonly ? MS_RDONLY : 0), data }, api };
  }
  if (source === '' && readonly) throw mountConfigError(type, 'must not set ReadOnly mode when using anonymous volumes');
  if (source !== '') validateVolumeName(source);
  if (noCopy || Object.keys(labels).length > 0) api.VolumeOptions = { ...(noCopy && { NoCopy: true }), ...(Object.keys(labels).length > 0 && { Labels: labels }) };
  const anonymous = source === '';
  return {
    origin: 'mount', spec: raw, type, source: anonymous ? newId() : source, target: clean, readonly, mode: 'z', propagation: '',
    ...(anonymous && { anonymous: true }), ...(noCopy && { noCopy }), api,
  };
}

/** The flags of mount(8) Docker's tmpfs options may hold, and what each sets or clears. */
const TMPFS_FLAGS: Record<string, [set: boolean, flag: number]> = {
  rw: [false, MS_RDONLY], ro: [true, MS_RDONLY],
  suid: [false, MS_NOSUID], nosuid: [true, MS_NOSUID],
  dev: [false, MS_NODEV], nodev: [true, MS_NODEV],
  exec: [false, MS_NOEXEC], noexec: [true, MS_NOEXEC],
};
const TMPFS_DATA = ['size', 'mode', 'uid', 'gid', 'nr_inodes', 'nr_blocks', 'mpol'];

/** `--tmpfs DST[:OPTIONS]`: Docker's noexec,nosuid,nodev first, the options given after (the last word wins). */
export function parseTmpfsFlag(raw: string): MountConfig {
  const colon = raw.indexOf(':');
  const target = colon === -1 ? raw : raw.slice(0, colon);
  const options = colon === -1 ? '' : raw.slice(colon + 1);
  // Docker checks a --tmpfs target with its own words, not a mount config's.
  if (!posix.isAbsolute(target)) throw new TsrunError(`invalid mount path: '${target}' mount path must be absolute`);
  const clean = checkTarget('tmpfs', target);
  let flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  const data: string[] = [];
  for (const o of options.split(',').filter(Boolean)) {
    const f = TMPFS_FLAGS[o];
    if (f) {
      flags = f[0] ? flags | f[1] : flags & ~f[1];
      continue;
    }
    const [key] = o.split('=', 1);
    if (!TMPFS_DATA.includes(key!)) throw new TsrunError(`invalid tmpfs option ["${o.split('=').slice(0, 2).join('" "')}"] in --tmpfs ${raw} (flags: rw, ro, exec, noexec, suid, nosuid, dev, nodev; data: ${TMPFS_DATA.join('=, ')}=)`);
    data.push(o);
  }
  return { origin: 'tmpfs', spec: raw, type: 'tmpfs', source: '', target: clean, readonly: (flags & MS_RDONLY) !== 0, mode: '', propagation: '', tmpfs: { flags, data: data.join(',') } };
}

/** Every mount of a container from its three flags; one target twice is refused as Docker refuses it. */
export function parseMounts(flags: { volumes?: string[]; mounts?: string[]; tmpfs?: string[] }): MountConfig[] {
  const all = [...(flags.volumes ?? []).map(parseVolumeFlag), ...(flags.mounts ?? []).map(parseMountFlag), ...(flags.tmpfs ?? []).map(parseTmpfsFlag)];
  const seen = new Set<string>();
  for (const m of all) {
    if (seen.has(m.target)) throw new TsrunError(`Duplicate mount point: ${m.target}`);
    seen.add(m.target);
  }
  return all;
}

/** Mounts in the order they must be made: a parent before what is mounted inside it. */
export function mountOrder<T extends { target: string }>(mounts: T[]): T[] {
  const depth = (p: string): number => p.split('/').filter(Boolean).length;
  return [...mounts].sort((a, b) => depth(a.target) - depth(b.target));
}
