import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Transform } from 'node:stream';
import { isNoSpace, TsrunError } from '../sys/error';
import { withLock } from '../state/lock';
import { openSource } from './download';
import { extractTarball } from './extract';
import { ProgressBar } from './progress';
import { parseImageRef } from './reference';
import { commitImage, removeStaleStaging, stagingDir, type ImageRecord } from './store';

export interface ImportOptions {
  /** A published sha512 the bytes must match (pull). */
  sha512?: string;
  /** Name shown on the progress bar. */
  label?: string;
}

/**
 * Streams a rootfs tarball from a file or URL into the store as NAME[:TAG]. The image id
 * is the sha256 of the tarball's bytes. Nothing is left behind if anything fails: the
 * rootfs is staged beside the store and moved in only once every check passed.
 */
export async function importImage(location: string, refText: string, opts: ImportOptions = {}): Promise<ImageRecord> {
  const ref = parseImageRef(refText);
  withLock(removeStaleStaging);
  const source = await openSource(location);
  const staging = stagingDir();
  const cleanup = (): void => rmSync(staging, { recursive: true, force: true });
  const onSignal = (): void => {
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    const sha256 = createHash('sha256');
    const sha512 = createHash('sha512');
    const bar = new ProgressBar(opts.label ?? location, source.size);
    let received = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        sha256.update(chunk);
        sha512.update(chunk);
        received += chunk.length;
        bar.add(chunk.length);
        cb(null, chunk);
      },
    });
    // A connection cut short shows as an error (or an early end) of the source stream.
    let cutShort = false;
    source.stream.on('error', (e) => {
      cutShort = true;
      tap.destroy(e);
    });
    source.stream.on('end', () => {
      cutShort = source.size !== undefined && received < source.size;
    });
    let stats;
    try {
      stats = await extractTarball(source.stream.pipe(tap), `${staging}/rootfs`);
    } catch (err) {
      if (cutShort) throw new TsrunError(`${location}: truncated: received ${received} of ${source.size} bytes`);
      if (isNoSpace(err)) throw new TsrunError(`cannot import ${location}: no space left on the disk of TSRUN_ROOT (${staging}): free some space there (df -h shows it) and import again`, 'ENOSPC');
      const why = err instanceof Error ? err.message : String(err);
      throw new TsrunError(`cannot import ${location}: ${why}`);
    }
    bar.finish();
    if (source.size !== undefined && received !== source.size) {
      throw new TsrunError(`${location}: truncated: received ${received} of ${source.size} bytes`);
    }
    if (opts.sha512 !== undefined) {
      const got = sha512.digest('hex');
      if (got !== opts.sha512.toLowerCase()) {
        throw new TsrunError(`${location}: sha512 checksum mismatch (expected ${opts.sha512.slice(0, 16)}..., got ${got.slice(0, 16)}...): the download is corrupt`);
      }
    }
    const id = sha256.digest('hex');
    return withLock(() => commitImage(staging, id, ref, stats.bytes, location));
  } catch (err) {
    cleanup();
    throw err;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}
