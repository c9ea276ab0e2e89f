/**
 * Downloading one blob into the content store, verified while it streams. A connection that breaks
 * halfway is resumed with a Range request: the same ingest file keeps growing and the same running
 * digest keeps hashing, so the bytes already received are neither fetched nor hashed twice. A
 * registry that ignores Range (answers 200) is read past the bytes we already have.
 * A digest or size mismatch aborts the blob: the ingest file is removed and nothing is committed.
 */
import { HullError, errorMessage, isHullError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import type { BlobWriter, IngestResult } from '../content/store.js';
import type { RegistryClient } from './client.js';
import type { BlobRole, EventSink } from './events.js';
import { backoffDelay, isRetryableError, sleep } from './retry.js';

export interface DownloadOptions {
  client: RegistryClient;
  repository: string;
  scopes: readonly string[];
  content: BlobWriter;
  role: BlobRole;
  onEvent: EventSink;
  signal?: AbortSignal;
}

/** Progress events at most every this many bytes per blob (plus the last one). */
const PROGRESS_STEP = 256 << 10;

function isResumable(err: unknown): boolean {
  if (isHullError(err)) return err.code === 'UNAVAILABLE' && isRetryableError(err.cause);
  return isRetryableError(err);
}

async function* resumableBody(desc: Descriptor, o: DownloadOptions): AsyncGenerator<Buffer> {
  let offset = 0;
  let failures = 0;
  let reported = 0;
  for (;;) {
    const opened = await o.client.openBlob(o.repository, desc.digest, offset, o.scopes);
    let skip = offset - opened.start;
    try {
      for await (const chunk of opened.body as AsyncIterable<Buffer>) {
        let c = chunk;
        if (skip > 0) {
          if (c.length <= skip) {
            skip -= c.length;
            continue;
          }
          c = c.subarray(skip);
          skip = 0;
        }
        offset += c.length;
        yield c;
        if (offset - reported >= PROGRESS_STEP || offset === desc.size) {
          reported = offset;
          o.onEvent({ type: 'blob-progress', digest: desc.digest, bytes: offset, size: desc.size });
        }
      }
      if (offset >= desc.size) return;
      throw Object.assign(new Error(`connection closed after ${offset} of ${desc.size} bytes`), { code: 'ECONNRESET' });
    } catch (err) {
      failures++;
      if (o.signal?.aborted || !isResumable(err) || failures >= o.client.retry.attempts) throw err;
      o.onEvent({ type: 'blob-retry', digest: desc.digest, attempt: failures, offset, reason: errorMessage(err) });
      await sleep(backoffDelay(failures, o.client.retry), o.signal);
    } finally {
      opened.body.destroy();
    }
  }
}

/** Fetches `desc` into the store unless it is there already. */
export async function downloadBlob(desc: Descriptor, o: DownloadOptions): Promise<IngestResult> {
  if (o.content.has(desc.digest)) {
    o.onEvent({ type: 'blob-exists', digest: desc.digest, size: desc.size, role: o.role });
    return { digest: desc.digest, size: desc.size, existed: true };
  }
  o.onEvent({ type: 'blob-start', digest: desc.digest, size: desc.size, role: o.role });
  try {
    const result = await o.content.ingest(resumableBody(desc, o), { digest: desc.digest, size: desc.size, what: `${o.role} ${desc.digest}` });
    o.onEvent({ type: 'blob-done', digest: desc.digest, size: desc.size });
    return result;
  } catch (err) {
    if (isHullError(err, 'INVALID_DIGEST')) {
      throw new HullError('INVALID_DIGEST', `Cannot ${o.client.ctx.action}: ${err.message.replace(/^Cannot store /, '')}`, {
        cause: err,
        hint: 'the registry sent different bytes than the manifest names (corrupt storage or a proxy changing content); nothing was stored',
      });
    }
    if (isHullError(err)) throw err;
    if (o.signal?.aborted) throw err;
    throw new HullError('UNAVAILABLE', `Cannot ${o.client.ctx.action}: downloading ${o.role} ${desc.digest} failed (${errorMessage(err)})`, { cause: err, hint: 'check the connection to the registry and try again' });
  }
}
