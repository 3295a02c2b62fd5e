/**
 * The image store: images/<id>/rootfs holds each unpacked image once, images/<id>/image.json
 * its record (tags, creation, size, source); images/index.json gathers the records so a
 * lookup reads one file. The index is derived: when it is unreadable it is rebuilt from the
 * records beside the rootfs. Changes happen under the state lock.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TsrunError } from '../sys/error';
import { readJson, withoutStaleTemps, writeFileAtomic, writeJsonAtomic } from '../state/atomic';
import { reportOnce } from '../state/foreign';
import { isId, paths } from '../state/root';
import { formatImageRef, parseImageRef, type ImageRef } from './reference';
import { pidExists } from '../sys/process';

export interface ImageRecord {
  id: string;
  tags: string[];
  created: string;
  size: number;
  source: string;
}

interface Index {
  images: ImageRecord[];
}

const recordPath = (id: string): string => join(paths.image(id), 'image.json');

function validIndex(x: unknown): x is Index {
  const images = (x as Index | null)?.images;
  return Array.isArray(images) && images.every((i) => isId(String(i?.id)) && Array.isArray(i.tags));
}

function storedIds(): string[] {
  if (!existsSync(paths.images())) return [];
  return withoutStaleTemps(paths.images(), readdirSync(paths.images())).filter((id) => isId(id) && existsSync(join(paths.image(id), 'rootfs')));
}

/**
 * The index, made true to the store first: an unreadable index, or one that misses an image
 * the store holds or lists one it does not (a write lost to a crash or a full disk), is
 * rebuilt from the images' own records.
 */
function readIndex(): Index {
  const p = paths.imageIndex();
  const ids = storedIds();
  let index: Index = { images: [] };
  let why: string | undefined;
  if (lstatSync(p, { throwIfNoEntry: false })) {
    try {
      const read = readJson<unknown>(p);
      if (validIndex(read)) index = read;
      else why = 'not the index tsrun writes';
    } catch (err) {
      why = (err as Error).message;
    }
  }
  const listed = index.images.map((i) => i.id);
  if (why === undefined && listed.length === ids.length && ids.every((id) => listed.includes(id))) return index;
  const rebuilt = rebuildIndex(ids, why === undefined ? index : { images: [] });
  if (why !== undefined) reportOnce(p, `the image index ${p} could not be read (${why}): rebuilt it from the ${ids.length} image(s) in the store`);
  try {
    writeIndex(rebuilt);
  } catch {
    // read-only use goes on with the rebuilt index in memory (a full disk, say)
  }
  return rebuilt;
}

/** The index as `known` and the images' own records say; an image with neither keeps its id, untagged. */
function rebuildIndex(ids: string[], known: Index): Index {
  const images: ImageRecord[] = [];
  const tagged = new Set<string>();
  for (const id of ids) {
    let image = known.images.find((i) => i.id === id);
    if (!image) {
      try {
        image = JSON.parse(readFileSync(recordPath(id), 'utf8')) as ImageRecord;
        if (image.id !== id || !Array.isArray(image.tags)) throw new Error('not its record');
      } catch {
        image = { id, tags: [], created: lstatSync(paths.image(id)).mtime.toISOString(), size: 0, source: '' };
      }
    }
    // A tag names one image: the first record to claim it keeps it.
    image.tags = image.tags.filter((t) => !tagged.has(t));
    image.tags.forEach((t) => tagged.add(t));
    images.push(image);
  }
  return { images };
}

/** Each image's own record first (only those that changed), then the index they make. */
function writeIndex(index: Index): void {
  mkdirSync(paths.images(), { recursive: true });
  for (const image of index.images) {
    const text = `${JSON.stringify(image, null, 2)}\n`;
    let current: string | undefined;
    try {
      current = readFileSync(recordPath(image.id), 'utf8');
    } catch {
      current = undefined;
    }
    if (current !== text) writeFileAtomic(recordPath(image.id), text);
  }
  writeJsonAtomic(paths.imageIndex(), index);
}

export function listImages(): ImageRecord[] {
  return readIndex().images;
}

export function imageRootfs(id: string): string {
  return join(paths.image(id), 'rootfs');
}

/** By NAME[:TAG], or by a unique prefix of the id. */
export function findImage(text: string): ImageRecord | undefined {
  const images = listImages();
  if (/^[0-9a-f]{4,64}$/.test(text)) {
    const byId = images.filter((i) => i.id.startsWith(text));
    if (byId.length === 1) return byId[0];
  }
  let ref: ImageRef;
  try {
    ref = parseImageRef(text);
  } catch {
    return undefined;
  }
  const wanted = formatImageRef(ref);
  return images.find((i) => i.tags.includes(wanted));
}

export function requireImage(text: string): ImageRecord {
  const image = findImage(text);
  if (!image) {
    throw new TsrunError(
      `no such image: ${text} (import one with 'tsrun image import FILE ${text}' or download Alpine with 'tsrun pull alpine')`,
    );
  }
  return image;
}

/** A fresh directory for an import in progress, on the same filesystem as the store. */
export function stagingDir(): string {
  const dir = join(paths.images(), `.staging-${process.pid}-${Date.now()}`);
  mkdirSync(join(dir, 'rootfs'), { recursive: true, mode: 0o755 });
  return dir;
}

/** Removes staging directories left by imports that were killed. Call under the lock. */
export function removeStaleStaging(): void {
  if (!existsSync(paths.images())) return;
  for (const name of readdirSync(paths.images())) {
    const m = /^\.staging-(\d+)-/.exec(name);
    if (m && !pidExists(Number(m[1]))) rmSync(join(paths.images(), name), { recursive: true, force: true });
  }
}


/**
 * Moves a staged rootfs into the store as image `id` and points `ref` at it (taking the
 * tag from any image that had it). Identical content imported twice is stored once.
 * Call under the lock.
 */
export function commitImage(staging: string, id: string, ref: ImageRef, size: number, source: string): ImageRecord {
  const index = readIndex();
  const tag = formatImageRef(ref);
  let image = index.images.find((i) => i.id === id);
  if (image) {
    rmSync(staging, { recursive: true, force: true });
  } else {
    renameSync(staging, paths.image(id));
    image = { id, tags: [], created: new Date().toISOString(), size, source };
    index.images.push(image);
  }
  for (const other of index.images) other.tags = other.tags.filter((t) => t !== tag);
  image.tags.push(tag);
  writeIndex(index);
  return image;
}

/**
 * Untags `text`; the image's files go when no tag and no container refers to it.
 * `inUse(id)` names a container using the image, if any. Call under the lock.
 */
export function removeImage(text: string, inUse: (id: string) => string | undefined): { untagged: string[]; deleted: string | null } {
  const index = readIndex();
  const image = requireImage(text);
  const entry = index.images.find((i) => i.id === image.id)!;
  const byId = !entry.tags.includes(formatImageRef(safeRef(text)));
  const untagged = byId ? entry.tags : [formatImageRef(safeRef(text))];
  const remaining = entry.tags.filter((t) => !untagged.includes(t));
  if (remaining.length === 0) {
    const user = inUse(entry.id);
    if (user) {
      throw new TsrunError(
        `unable to remove image ${text}: container ${user} is using it (remove the container first with 'tsrun rm ${user}')`,
      );
    }
  }
  entry.tags = remaining;
  let deleted: string | null = null;
  if (remaining.length === 0) {
    index.images = index.images.filter((i) => i.id !== entry.id);
    writeIndex(index);
    rmSync(paths.image(entry.id), { recursive: true, force: true });
    deleted = entry.id;
  } else {
    writeIndex(index);
  }
  return { untagged, deleted };
}

function safeRef(text: string): ImageRef {
  try {
    return parseImageRef(text);
  } catch {
    return { name: text, tag: '' };
  }
}
