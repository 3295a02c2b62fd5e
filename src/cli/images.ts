import { formatTable, timeAgo } from './table';
import { listImages, removeImage } from '../image/store';
import { listContainers } from '../state/containers';
import { withLock } from '../state/lock';
import { requireRoot } from '../runtime/options';

export function printImages(quiet: boolean): void {
  const images = listImages();
  if (quiet) {
    for (const i of images) console.log(i.id.slice(0, 12));
    return;
  }
  const rows = images.flatMap((i) =>
    (i.tags.length ? i.tags : ['<none>:<none>']).map((t) => {
      const colon = t.lastIndexOf(':');
      return [t.slice(0, colon), t.slice(colon + 1), i.id.slice(0, 12), timeAgo(i.created), `${(i.size / 1e6).toFixed(1)}MB`];
    }),
  );
  console.log(formatTable(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], rows));
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
