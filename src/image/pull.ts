/**
 * `tsrun pull alpine[:TAG]`: the Alpine minirootfs from Alpine's release mirror, laid out as
 *   MIRROR/<branch>/releases/<arch>/latest-releases.yaml
 *   MIRROR/<branch>/releases/<arch>/alpine-minirootfs-<version>-<arch>.tar.gz[.sha512]
 * where branch is latest-stable or vX.Y. The published .sha512 is verified.
 */
import { TsrunError } from '../sys/error';
import { fetchText } from './download';
import { importImage } from './import';
import { formatImageRef, parseImageRef } from './reference';
import type { ImageRecord } from './store';

const DEFAULT_MIRROR = 'https://dl-cdn.alpinelinux.org/alpine';

const ARCHES: Record<string, string> = {
  x64: 'x86_64',
  arm64: 'aarch64',
  arm: 'armv7',
  ia32: 'x86',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

export function alpineArch(nodeArch = process.arch): string {
  const arch = ARCHES[nodeArch];
  if (!arch) throw new TsrunError(`Alpine publishes no minirootfs for this architecture (${nodeArch})`);
  return arch;
}

export interface AlpineRelease {
  branch: string;
  /** Exact version when the tag names one (3.20.3); resolved from the release list otherwise. */
  version: string | undefined;
}

/** latest -> latest-stable; 3.20 -> v3.20 (newest 3.20.x); 3.20.3 -> exactly that. */
export function alpineRelease(tag: string): AlpineRelease {
  if (tag === 'latest') return { branch: 'latest-stable', version: undefined };
  let m = /^(\d+)\.(\d+)$/.exec(tag);
  if (m) return { branch: `v${m[1]}.${m[2]}`, version: undefined };
  m = /^(\d+)\.(\d+)\.(\d+)$/.exec(tag);
  if (m) return { branch: `v${m[1]}.${m[2]}`, version: tag };
  throw new TsrunError(`unknown Alpine tag "${tag}": use latest, a release branch like 3.20, or a release like 3.20.3`);
}

/** The minirootfs version listed in a latest-releases.yaml (a list of flat key: value maps). */
export function minirootfsVersion(yaml: string): string | undefined {
  const entries: Array<Map<string, string>> = [];
  for (const line of yaml.split('\n')) {
    if (/^-(\s|$)/.test(line)) entries.push(new Map());
    const m = /^[-\s]\s*(\w+):\s*"?(.*?)"?\s*$/.exec(line);
    if (m && entries.length > 0) entries.at(-1)!.set(m[1]!, m[2]!);
  }
  return entries.find((e) => e.get('flavor') === 'alpine-minirootfs')?.get('version');
}

export async function pullAlpine(refText: string): Promise<ImageRecord> {
  const ref = parseImageRef(refText);
  if (ref.name !== 'alpine') {
    throw new TsrunError(`tsrun can pull only alpine (got "${ref.name}"); import other rootfs tarballs with 'tsrun image import FILE NAME'`);
  }
  const mirror = (process.env.TSRUN_ALPINE_MIRROR || DEFAULT_MIRROR).replace(/\/+$/, '');
  const arch = alpineArch();
  const release = alpineRelease(ref.tag);
  const dir = `${mirror}/${release.branch}/releases/${arch}`;
  let version = release.version;
  if (version === undefined) {
    version = minirootfsVersion(await fetchText(`${dir}/latest-releases.yaml`));
    if (!version) throw new TsrunError(`${dir}/latest-releases.yaml lists no alpine-minirootfs`);
  }
  const file = `alpine-minirootfs-${version}-${arch}.tar.gz`;
  const sum = (await fetchText(`${dir}/${file}.sha512`)).trim().split(/\s+/)[0] ?? '';
  if (!/^[0-9a-f]{128}$/i.test(sum)) throw new TsrunError(`${dir}/${file}.sha512 holds no sha512 checksum`);
  return importImage(`${dir}/${file}`, formatImageRef(ref), { sha512: sum, label: file });
}
