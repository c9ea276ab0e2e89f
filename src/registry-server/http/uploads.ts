/**
 * Upload endpoints (distribution-spec spec.md#pushing-blobs):
 *
 *   POST   /v2/<name>/blobs/uploads/                  -> 202 Location (a new session)
 *   POST   /v2/<name>/blobs/uploads/?digest=D         -> 201 (monolithic: the body is the blob)
 *   POST   /v2/<name>/blobs/uploads/?mount=D&from=R   -> 201 if R has D and the caller may pull R,
 *                                                        else 202 with a session (spec: fall back)
 *   POST   /v2/<name>/blobs/uploads/?mount=D          -> with storage.automaticMount, 201 if any
 *                                                        repository the caller may pull has D
 *   PATCH  .../uploads/<id>  [Content-Range: a-b]     -> 202 Range: 0-<end>; a != size -> 416
 *   GET    .../uploads/<id>                           -> 204 Range: 0-<end>
 *   PUT    .../uploads/<id>?digest=D  [last chunk]    -> 201, digest verified before it is visible
 *   DELETE .../uploads/<id>                           -> 204
 */
import { HullError } from '../../errors.js';
import type { Digest } from '../../oci/digest.js';
import { isRepositoryName, parseBlobDigest } from '../names.js';
import type { ChunkRange } from '../uploads.js';
import { repoOf, type RequestContext } from './context.js';
import { drain, sendEmpty } from './respond.js';

function uploadHeaders(ctx: RequestContext, id: string, size: number): Record<string, string> {
  return {
    Location: `/v2/${repoOf(ctx)}/blobs/uploads/${id}`,
    // The spec's Range is inclusive; an empty upload reports 0-0 as the reference registry does.
    Range: `0-${Math.max(size - 1, 0)}`,
    'Docker-Upload-UUID': id,
  };
}

function createdHeaders(ctx: RequestContext, digest: Digest): Record<string, string> {
  return { Location: `/v2/${repoOf(ctx)}/blobs/${digest}`, 'Docker-Content-Digest': digest };
}

/** Parses Content-Range of a PATCH: "a-b" (spec) or "bytes a-b/*" (RFC 9110 form). */
export function parseContentRange(header: string | undefined): ChunkRange | undefined {
  if (header === undefined) return undefined;
  const m = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(header.trim());
  if (!m || Number(m[2]) < Number(m[1])) {
    throw new HullError('RANGE_INVALID', `Cannot append chunk: Content-Range "${header}" is not <start>-<end>`);
  }
  return { start: Number(m[1]), end: Number(m[2]) };
}

/** A body is present when it has a length or is chunked (node sets neither for an empty body). */
function hasBody(ctx: RequestContext): boolean {
  const len = ctx.req.headers['content-length'];
  return (len !== undefined && len !== '0') || ctx.req.headers['transfer-encoding'] !== undefined;
}

export async function startUpload(ctx: RequestContext): Promise<void> {
  const repo = repoOf(ctx);
  const { url, registry } = ctx;
  const mount = url.searchParams.get('mount');
  if (mount !== null) {
    drain(ctx.req);
    const digest = parseBlobDigest(mount);
    const from = url.searchParams.get('from') ?? (ctx.config.automaticMount ? await findReadableHolder(ctx, digest) : null);
    if (from !== null && from !== undefined && isRepositoryName(from) && ctx.gate.can(ctx.principal, from, 'pull') && (await registry.blobs.stat(from, digest)) !== undefined) {
      await registry.blobs.link(repo, digest);
      sendEmpty(ctx.res, 201, createdHeaders(ctx, digest));
      return;
    }
    // Spec: when a mount cannot be done, the registry falls back to a regular upload session.
    const id = await registry.uploads.create(repo);
    sendEmpty(ctx.res, 202, uploadHeaders(ctx, id, 0));
    return;
  }
  const digestParam = url.searchParams.get('digest');
  if (digestParam !== null) {
    const digest = parseBlobDigest(digestParam);
    const id = await registry.uploads.create(repo);
    await registry.uploads.finish(repo, id, digest, ctx.req);
    sendEmpty(ctx.res, 201, createdHeaders(ctx, digest));
    return;
  }
  drain(ctx.req);
  const id = await registry.uploads.create(repo);
  sendEmpty(ctx.res, 202, uploadHeaders(ctx, id, 0));
}

/**
 * Automatic content discovery: a repository holding `digest` that the caller may pull, so a mount
 * never grants what the caller could not already read. Walks the repositories (one list per
 * repository); undefined when the shared store lacks the blob, which is checked first.
 */
async function findReadableHolder(ctx: RequestContext, digest: Digest): Promise<string | undefined> {
  if (!(await ctx.registry.blobs.exists(digest))) return undefined;
  for (const repo of await ctx.registry.repositories()) {
    if (ctx.gate.can(ctx.principal, repo, 'pull') && (await ctx.registry.blobs.isLinked(repo, digest))) return repo;
  }
  return undefined;
}

export async function uploadStatus(ctx: RequestContext): Promise<void> {
  const id = ctx.route.ref!;
  const size = await ctx.registry.uploads.size(repoOf(ctx), id);
  sendEmpty(ctx.res, 204, uploadHeaders(ctx, id, size));
}

export async function patchUpload(ctx: RequestContext): Promise<void> {
  const id = ctx.route.ref!;
  const range = parseContentRange(ctx.req.headers['content-range'] as string | undefined);
  const size = await ctx.registry.uploads.append(repoOf(ctx), id, ctx.req, range);
  sendEmpty(ctx.res, 202, uploadHeaders(ctx, id, size));
}

export async function putUpload(ctx: RequestContext): Promise<void> {
  const repo = repoOf(ctx);
  const id = ctx.route.ref!;
  const digestParam = ctx.url.searchParams.get('digest');
  if (digestParam === null) {
    drain(ctx.req);
    throw new HullError('INVALID_DIGEST', `Cannot finish upload "${id}": the digest query parameter is missing`, { hint: 'PUT <location>?digest=sha256:...' });
  }
  const digest = parseBlobDigest(digestParam);
  const range = parseContentRange(ctx.req.headers['content-range'] as string | undefined);
  await ctx.registry.uploads.finish(repo, id, digest, hasBody(ctx) ? ctx.req : undefined, range);
  if (!hasBody(ctx)) drain(ctx.req);
  sendEmpty(ctx.res, 201, createdHeaders(ctx, digest));
}

export async function cancelUpload(ctx: RequestContext): Promise<void> {
  drain(ctx.req);
  await ctx.registry.uploads.cancel(repoOf(ctx), ctx.route.ref!);
  sendEmpty(ctx.res, 204);
}
