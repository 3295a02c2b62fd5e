/** Builds tarballs in memory for the extractor's tests. */
import { pack, type Header } from 'tar-stream';
import { gzipSync } from 'node:zlib';

export type Entry = Partial<Header> & { name: string; body?: string };

export async function makeTar(entries: Entry[], gzip = false): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of p) chunks.push(Buffer.from(c as Uint8Array));
  })();
  for (const { body, ...header } of entries) {
    await new Promise<void>((resolve, reject) => {
      p.entry({ mode: 0o644, mtime: new Date(1_700_000_000_000), ...header }, body ?? '', (err) => (err ? reject(err) : resolve()));
    });
  }
  p.finalize();
  await done;
  const tar = Buffer.concat(chunks);
  return gzip ? gzipSync(tar) : tar;
}
