/**
 * Pushing one blob (distribution-spec spec.md "pushing blobs"), cheapest way first:
 *   1. HEAD: the repository has it already -> done
 *   2. POST ?mount=&from= for each repository on this registry known to hold it -> 201: done
 *      (a 202 answer is an ordinary upload session: used for step 3)
 *   3. upload: blobs up to chunkSize monolithically (POST, then PUT ?digest= with the body);
 *      larger ones in chunks (POST, PATCH with Content-Range per chunk, PUT ?digest=)
 * A failed upload (5xx, 429, dropped connection) starts a new session, a bounded number of times.
 * Bytes are sent as stored: no recompression, so the digest stays the manifest's.
 */
import { Transform, type Readable } from 'node:stream';
import { errorMessage, isHullError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { pullScope, pushScope } from './auth.js';
import type { RegistryClient } from './client.js';
import type { BlobRole, EventSink } from './events.js';
import { backoffDelay, isRetryableError, sleep } from './retry.js';

export const DEFAULT_CHUNK_SIZE = 32 << 20;

export interface UploadOptions {
  client: RegistryClient;
  repository: string;
  /** Opens the stored blob, optionally a byte range [start, end] inclusive. */
  open: (range?: { start: number; end: number }) => Readable;
  /** Repositories on the same registry that may hold the blob (mount sources). */
  mountFrom: readonly string[];
  chunkSize: number;
  role: BlobRole;
  onEvent: EventSink;
  signal?: AbortSignal;
}

export type UploadOutcome = 'exists' | 'mounted' | 'uploaded';

function isRetryableUpload(err: unknown): boolean {
  if (isHullError(err)) return err.code === 'TOO_MANY_REQUESTS' || (err.code === 'UNAVAILABLE' && !/TLS/.test(err.message));
  return isRetryableError(err);
}

/** Counts bytes as they leave, for progress events. */
function counting(source: Readable, base: number, desc: Descriptor, onEvent: EventSink): Readable {
  let sent = base;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      sent += chunk.length;
      onEvent({ type: 'blob-progress', digest: desc.digest, bytes: sent, size: desc.size });
      cb(null, chunk);
    },
  });
  source.on('error', (err) => counter.destroy(err));
  return source.pipe(counter);
}

async function upload(desc: Descriptor, o: UploadOptions, location: URL): Promise<void> {
  const scopes = [pushScope(o.repository)];
  const c = o.client;
  if (desc.size <= o.chunkSize) {
    await c.finishUpload(location, scopes, desc.digest, () => counting(o.open(), 0, desc, o.onEvent), desc.size);
    return;
  }
  let at = location;
  for (let start = 0; start < desc.size; start += o.chunkSize) {
    const end = Math.min(desc.size, start + o.chunkSize) - 1;
    at = await c.uploadChunk(at, scopes, () => counting(o.open({ start, end }), start, desc, o.onEvent), start, end - start + 1);
  }
  await c.finishUpload(at, scopes, desc.digest);
}

export async function uploadBlob(desc: Descriptor, o: UploadOptions): Promise<UploadOutcome> {
  const scopes = [pushScope(o.repository)];
  if (await o.client.blobExists(o.repository, desc.digest, scopes)) {
    o.onEvent({ type: 'blob-exists', digest: desc.digest, size: desc.size, role: o.role });
    return 'exists';
  }
  let location: URL | undefined;
  for (const from of o.mountFrom) {
    if (from === o.repository) continue;
    const started = await o.client.startUpload(o.repository, [...scopes, pullScope(from)], { digest: desc.digest, from });
    if (started.mounted) {
      o.onEvent({ type: 'blob-mounted', digest: desc.digest, size: desc.size, from });
      return 'mounted';
    }
    location = started.location;
    break;
  }
  o.onEvent({ type: 'blob-start', digest: desc.digest, size: desc.size, role: o.role });
  for (let attempt = 1; ; attempt++) {
    try {
      if (!location) {
        const started = await o.client.startUpload(o.repository, scopes);
        if (started.mounted) throw new Error('registry mounted a blob that was not asked for');
        location = started.location;
      }
      await upload(desc, o, location);
      o.onEvent({ type: 'blob-done', digest: desc.digest, size: desc.size });
      return 'uploaded';
    } catch (err) {
      location = undefined;
      if (o.signal?.aborted || !isRetryableUpload(err) || attempt >= o.client.retry.attempts) throw err;
      o.onEvent({ type: 'blob-retry', digest: desc.digest, attempt, offset: 0, reason: errorMessage(err) });
      await sleep(backoffDelay(attempt, o.client.retry), o.signal);
    }
  }
}
