/**
 * Blob endpoints (distribution-spec spec.md#pulling-blobs, #deleting-blobs):
 * GET and HEAD with optional single `Range: bytes=a-b`, DELETE of the repository's link.
 * Bytes stream from the file with backpressure (pipeline), never buffered whole.
 */
import { pipeline } from 'node:stream/promises';
import { HullError } from '../../errors.js';
import { parseBlobDigest } from '../names.js';
import type { BlobReader } from '../storage/driver.js';
import { repoOf, type RequestContext } from './context.js';
import { sendEmpty } from './respond.js';

function blobUnknown(repo: string, digest: string): HullError {
  return new HullError('BLOB_UNKNOWN', `Cannot find blob ${digest} in repository "${repo}"`);
}

/** Parses a single byte range against a size; undefined for no header, 'invalid' when unsatisfiable. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined | 'invalid' {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'invalid';
  let start: number;
  let end: number;
  if (m[1] === '') {
    // Suffix range: the last N bytes.
    const n = Number(m[2]);
    if (n === 0) return 'invalid';
    start = Math.max(size - n, 0);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) return 'invalid';
  return { start, end };
}

function sizeOnly(size: number | undefined): BlobReader | undefined {
  if (size === undefined) return undefined;
  return {
    size,
    stream(): never {
      throw new HullError('INTERNAL', 'Cannot stream a HEAD response');
    },
    close: async () => undefined,
  };
}

export async function getBlob(ctx: RequestContext): Promise<void> {
  const repo = repoOf(ctx);
  const digest = parseBlobDigest(ctx.route.ref!);
  if (ctx.req.method === 'GET') {
    // Object storage with redirects on: the client fetches the bytes from the bucket directly.
    const location = await ctx.registry.blobs.redirectUrl(repo, digest);
    if (location) return void sendEmpty(ctx.res, 307, { Location: location, 'Docker-Content-Digest': digest });
  }
  // HEAD needs only the size: no reader, so object stores are asked for metadata, not bytes.
  const reader: BlobReader | undefined = ctx.req.method === 'HEAD' ? sizeOnly(await ctx.registry.blobs.stat(repo, digest)) : await ctx.registry.blobs.open(repo, digest);
  if (!reader) throw blobUnknown(repo, digest);
  const { res, req } = ctx;
  const range = parseRange(req.headers.range, reader.size);
  if (range === 'invalid') {
    await reader.close();
    res.setHeader('Content-Range', `bytes */${reader.size}`);
    throw new HullError('RANGE_INVALID', `Cannot serve range "${req.headers.range}" of blob ${digest}: it has ${reader.size} bytes`);
  }
  res.setHeader('Docker-Content-Digest', digest);
  res.setHeader('Content-Type', 'application/octet-stream');
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('ETag', `"${digest}"`);
  // Blobs are immutable: a digest always names the same bytes.
  res.setHeader('Cache-Control', 'max-age=31536000');
  const start = range?.start ?? 0;
  const end = range?.end ?? reader.size - 1;
  if (range) {
    res.statusCode = 206;
    res.setHeader('Content-Range', `bytes ${start}-${end}/${reader.size}`);
  } else {
    res.statusCode = 200;
  }
  res.setHeader('Content-Length', reader.size === 0 ? 0 : end - start + 1);
  if (req.method === 'HEAD' || reader.size === 0) {
    await reader.close();
    res.end();
    return;
  }
  await pipeline(reader.stream(start, end), res);
}

export async function deleteBlob(ctx: RequestContext): Promise<void> {
  if (!ctx.config.deleteEnabled) throw new HullError('METHOD_NOT_ALLOWED', 'Cannot delete blobs: deletion is disabled on this registry', { hint: 'set storage.delete: true' });
  const repo = repoOf(ctx);
  const digest = parseBlobDigest(ctx.route.ref!);
  if (!(await ctx.registry.blobs.unlink(repo, digest))) throw blobUnknown(repo, digest);
  sendEmpty(ctx.res, 202, { 'Docker-Content-Digest': digest });
}
