import { goTime, timeAgo } from './table';
import { listImages, removeImage, type ImageRecord } from '../image/store';
import { globMatch, parseFilters } from './format/filters';
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

/** go-units HumanSizeWithPrecision(size, 3): decimal units, three significant digits. */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let n = bytes;
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${Number(n.toPrecision(3))}${units[i]}`;
}

function imageContext(i: ImageRecord, tag: string): GoStruct {
  const colon = tag.lastIndexOf(':');
  return row('*formatter.imageContext', {
    ID: () => i.id.slice(0, 12),
    Repository: () => tag.slice(0, colon),
    Tag: () => tag.slice(colon + 1),
    Digest: () => '<none>',
    CreatedSince: () => timeAgo(i.created),
    CreatedAt: () => goTime(i.created, false),
    Size: () => humanSize(i.size),
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
