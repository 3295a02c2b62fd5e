/**
 * A local stand-in for Alpine's release mirror, serving ../shared/images in the mirror's
 * layout on 127.0.0.1, so `tsrun pull` is tested offline. It can also damage the file.
 */
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { IMAGES } from './tsrun';

export type Damage = 'none' | 'corrupt' | 'truncated';

export interface Mirror {
  url: string;
  requests: string[];
  damage: Damage;
  close(): Promise<void>;
}

const FILE = 'alpine-minirootfs-3.20.3-x86_64.tar.gz';

function publishedSum(list: string): string {
  const line = readFileSync(join(IMAGES, list), 'utf8')
    .split('\n')
    .find((l) => l.includes(FILE));
  if (!line) throw new Error(`${list} has no line for ${FILE}`);
  return line.split(/\s+/)[0]!;
}

function releasesYaml(sha512: string): string {
  // The shape of Alpine's latest-releases.yaml: version comes before flavor.
  return [
    '---',
    '-',
    '  title: "Mini root filesystem"',
    '  desc: "Minimal root filesystem.',
    '    For use in containers',
    '    and minimal chroots."',
    '  branch: v3.20',
    '  arch: x86_64',
    '  version: 3.20.3',
    '  flavor: alpine-minirootfs',
    `  file: ${FILE}`,
    `  sha512: ${sha512}`,
    '',
  ].join('\n');
}

export async function startMirror(): Promise<Mirror> {
  const tarball = readFileSync(join(IMAGES, FILE));
  const sha512 = publishedSum('SHA512SUMS');
  const dir = '/releases/x86_64';
  // As on the real mirror, latest-stable holds the same files as the newest branch.
  const routes = new Map<string, () => Buffer | string>(
    ['/v3.20', '/latest-stable'].flatMap((branch) => [
      [`${branch}${dir}/latest-releases.yaml`, () => releasesYaml(sha512)],
      [`${branch}${dir}/${FILE}.sha512`, () => `${sha512}  ${FILE}\n`],
      [`${branch}${dir}/${FILE}`, () => tarball],
    ]),
  );
  const mirror: Mirror = { url: '', requests: [], damage: 'none', close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '';
    mirror.requests.push(path);
    const body = routes.get(path)?.();
    if (body === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    const data = Buffer.from(body);
    if (path.endsWith('.tar.gz') && mirror.damage === 'corrupt') {
      data[Math.floor(data.length / 2)] ^= 0x55;
    }
    res.writeHead(200, { 'content-length': data.length });
    if (path.endsWith('.tar.gz') && mirror.damage === 'truncated') {
      res.write(data.subarray(0, Math.floor(data.length / 2)), () => res.destroy());
      return;
    }
    res.end(data);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  mirror.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  mirror.close = () => new Promise((resolve) => server.close(() => resolve()));
  return mirror;
}
