import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { fromNodeError, TsrunError } from '../sys/error';

export interface Source {
  stream: Readable;
  /** Bytes expected, when the server or the file says. */
  size: number | undefined;
}

const MAX_REDIRECTS = 5;

export function isUrl(location: string): boolean {
  return /^https?:\/\//.test(location);
}

function get(url: string, redirects: number): Promise<IncomingMessage> {
  const client = url.startsWith('https:') ? require('node:https') : require('node:http');
  return new Promise((resolve, reject) => {
    const req = client.get(url, (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirects >= MAX_REDIRECTS) return reject(new TsrunError(`download ${url}: too many redirects`));
        return resolve(get(new URL(res.headers.location, url).toString(), redirects + 1));
      }
      if (status !== 200) {
        res.resume();
        return reject(new TsrunError(`download ${url}: HTTP ${status} ${res.statusMessage ?? ''}`.trim()));
      }
      resolve(res);
    });
    req.on('error', (e: Error) => reject(new TsrunError(`download ${url}: ${e.message}`)));
  });
}

/** A stream of the bytes at a URL (following redirects) or in a file. */
export async function openSource(location: string): Promise<Source> {
  if (isUrl(location)) {
    const res = await get(location, 0);
    const len = res.headers['content-length'];
    return { stream: res, size: len === undefined ? undefined : Number(len) };
  }
  try {
    const st = statSync(location);
    if (!st.isFile()) throw new TsrunError(`cannot import ${location}: not a regular file`);
    return { stream: createReadStream(location), size: st.size };
  } catch (err) {
    throw fromNodeError(err, `cannot import ${location}`);
  }
}

/** The whole body of a small text resource (a checksum or release list). */
export async function fetchText(url: string): Promise<string> {
  const res = await get(url, 0);
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
