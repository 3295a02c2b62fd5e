import { goTime, humanSize, timeAgo } from './table';
import { findImage, imageRootfs, listImages, removeImage, type ImageRecord } from '../image/store';
import { confirm } from './confirm';
import { globMatch, parseFilters } from './format/filters';
import { printInspected } from './format/inspect';
import { renderList, row } from './format/render';
import type { GoStruct } from './format/values';
import { listContainers } from '../state/containers';
import { withLock } from '../state/lock';
import { requireRoot } from '../runtime/options';

/** Docker's `image ls` table (cli/command/formatter/image.go). */
const IMAGE_TABLE = 'table {{.Repository}}\\t{{.Tag}}\\t{{.ID}}\\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\\t{{.Size}}';

const IMAGE_HEADERS = {
  ID: 'IMAGE ID', Repository: 'REPOSITORY', Tag: 'TAG', Digest: 'DIGEST', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', Size: 'SIZE',
};

function imageContext(i: ImageRecord, tag: string): GoStruct {
  const colon = tag.lastIndexOf(':');
  return row('*formatter.imageContext', {
    ID: () => i.id.slice(0, 12),
    Repository: () => tag.slice(0, colon),
    Tag: () => tag.slice(colon + 1),
    Digest: () => '<none>',
    CreatedSince: () => timeAgo(i.created),
    CreatedAt: () => goTime(i.created, false),
    Size: () => humanSize(i.size, 3),
  });
}

/**
 * Docker's reference filter: a pattern without a tag matches the repository name, one with a
 * tag the whole `name:tag`; only the tags that match are listed.
 */
function referenced(patterns: string[] | undefined, tag: string): boolean {
  if (!patterns) return true;
  const name = tag.slice(0, tag.lastIndexOf(':'));
  return patterns.some((p) => globMatch(p, name) || globMatch(p, tag));
}

export function printImages(quiet: boolean, format: string | undefined, filterArgs: string[]): void {
  const filters = parseFilters('image ls', filterArgs, ['reference'], ['dangling', 'label', 'before', 'since']);
  const rows = listImages().flatMap((i) =>
    (i.tags.length ? i.tags : ['<none>:<none>']).filter((t) => referenced(filters.get('reference'), t)).map((t) => imageContext(i, t)),
  );
  if (quiet && (format === undefined || format === 'table')) {
    // Docker lists each image once for -q, however many tags it has.
    process.stdout.write([...new Set(rows.map((r) => `${r.methods.ID!()}\n`))].join(''));
    return;
  }
  const template = format === undefined || format === 'table' ? IMAGE_TABLE : format === 'json' ? '{{json .}}' : format;
  process.stdout.write(renderList(template, rows, IMAGE_HEADERS));
}

export function removeImages(refs: string[]): void {
  requireRoot();
  withLock(() => {
    for (const ref of refs) {
      const inUse = (id: string): string | undefined => listContainers().find((c) => c.image.id === id)?.name;
      const r = removeImage(ref, inUse);
      for (const t of r.untagged) console.log(`Untagged: ${t}`);
      if (r.deleted) console.log(`Deleted: sha256:${r.deleted}`);
    }
  });
}

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/** Docker's image inspect, with the fields an imported rootfs has. */
function inspectView(i: ImageRecord): unknown {
  return {
    Id: `sha256:${i.id}`,
    RepoTags: i.tags,
    RepoDigests: [],
    Parent: '',
    Comment: i.source ? `Imported from ${i.source}` : '',
    Created: i.created,
    Author: '',
    Config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/sh'], WorkingDir: '', Entrypoint: null, Labels: null },
    Architecture: ARCH[process.arch] ?? process.arch,
    Os: 'linux',
    Size: i.size,
    VirtualSize: i.size,
    GraphDriver: { Name: 'overlay', Data: { LowerDir: imageRootfs(i.id) } },
    RootFS: { Type: 'layers', Layers: [`sha256:${i.id}`] },
  };
}

/** Each image named, as Docker's `image inspect`: the ones found are printed, each missing one is one line on stderr. */
export function inspectImages(refs: string[], format: string | undefined): void {
  const out: unknown[] = [];
  for (const ref of refs) {
    const image = findImage(ref);
    if (image) out.push(inspectView(image));
    else {
      process.stderr.write(`tsrun: No such image: ${ref}\n`);
      process.exitCode = 1;
    }
  }
  printInspected(format, out);
}

/** Docker's `image prune`: untagged images (with `all`, every image) no container uses. */
export async function pruneImages(all: boolean, force: boolean): Promise<void> {
  const warning = all ? 'This will remove all images without at least one container associated to them.' : 'This will remove all dangling images.';
  if (!force && !(await confirm(warning))) return;
  const lines: string[] = [];
  let reclaimed = 0;
  withLock(() => {
    const used = new Set(listContainers().map((c) => c.image.id));
    for (const image of listImages().filter((i) => !used.has(i.id) && (all || i.tags.length === 0))) {
      const r = removeImage(image.id, () => undefined);
      lines.push(...r.untagged.map((t) => `untagged: ${t}`));
      if (r.deleted) {
        lines.push(`deleted: sha256:${r.deleted}`);
        reclaimed += image.size;
      }
    }
  });
  if (lines.length > 0) console.log(`Deleted Images:\n${lines.join('\n')}\n`);
  console.log(`Total reclaimed space: ${humanSize(reclaimed)}`);
}
