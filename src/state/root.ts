import { join } from 'node:path';

/** Everything tsrun records lives under TSRUN_ROOT (default /var/lib/tsrun). */
export function stateRoot(): string {
  return process.env.TSRUN_ROOT || '/var/lib/tsrun';
}

export const paths = {
  lock: () => join(stateRoot(), 'lock'),
  images: () => join(stateRoot(), 'images'),
  image: (id: string) => join(stateRoot(), 'images', id),
  imageIndex: () => join(stateRoot(), 'images', 'index.json'),
  containers: () => join(stateRoot(), 'containers'),
  container: (id: string) => join(stateRoot(), 'containers', id),
  tmp: () => join(stateRoot(), 'tmp'),
};
