/**
 * Everything tsrun records lives under TSRUN_ROOT (default /var/lib/tsrun). Image roots hold
 * setuid binaries and device nodes as the image ships them, so the directory is root's alone:
 * made 0700 whatever mode it had, refused if it belongs to another user. Every record id is
 * checked to be tsrun's own 64-hex form before it becomes part of a path.
 */
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fromNodeError, TsrunError } from '../sys/error';

const ID = /^[0-9a-f]{64}$/;

export function isId(name: string): boolean {
  return ID.test(name);
}

/** `id` itself, once it is known to be a 64-hex id (a record saying `../../x` is not tsrun's). */
export function checkId(id: string, kind: string): string {
  if (!isId(id)) throw new TsrunError(`${kind} id "${id}" is not a 64-hex id: that record is not tsrun's; remove it by hand`);
  return id;
}

function secure(root: string): void {
  try {
    mkdirSync(root, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw fromNodeError(err, `create TSRUN_ROOT ${root}`);
  }
  const st = statSync(root);
  if (!st.isDirectory()) throw new TsrunError(`TSRUN_ROOT ${root} is not a directory`);
  if (st.uid !== process.getuid?.()) {
    throw new TsrunError(`TSRUN_ROOT ${root} belongs to uid ${st.uid}, not to the user running tsrun: chown it to root, or choose another TSRUN_ROOT`);
  }
  if ((st.mode & 0o077) !== 0) {
    chmodSync(root, 0o700);
    process.stderr.write(`tsrun: TSRUN_ROOT ${root} was mode ${(st.mode & 0o777).toString(8)}; made it 0700 so other users cannot reach its images and containers\n`);
  }
}

let secured: string | undefined;

export function stateRoot(): string {
  const root = process.env.TSRUN_ROOT || '/var/lib/tsrun';
  if (secured !== root) {
    secure(root);
    secured = root;
  }
  return root;
}

export const paths = {
  lock: () => join(stateRoot(), 'lock'),
  images: () => join(stateRoot(), 'images'),
  image: (id: string) => join(stateRoot(), 'images', checkId(id, 'image')),
  imageIndex: () => join(stateRoot(), 'images', 'index.json'),
  containers: () => join(stateRoot(), 'containers'),
  container: (id: string) => join(stateRoot(), 'containers', checkId(id, 'container')),
  tmp: () => join(stateRoot(), 'tmp'),
};
