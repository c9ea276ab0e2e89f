/**
 * Manifest endpoints (distribution-spec spec.md#pulling-manifests, #pushing-manifests,
 * #deleting-manifests). Bytes are returned exactly as pushed, so their digest matches.
 */
import { HullError } from '../../errors.js';
import { acceptsMediaType } from '../manifest-rules.js';
import { parseManifestRef, type ManifestRef } from '../names.js';
import { repoOf, type RequestContext } from './context.js';
import { readBodyLimited, sendEmpty } from './respond.js';

/**
 * A GET or HEAD of a reference that is neither a tag nor a digest names nothing that can exist:
 * 404 MANIFEST_UNKNOWN, as distribution and the conformance suite expect (".INVALID_MANIFEST_NAME").
 * A PUT or DELETE of one stays 400, the client has a bug to fix.
 */
function lookupRef(repo: string, raw: string): ManifestRef {
  try {
    return parseManifestRef(raw);
  } catch (err) {
    if (!(err instanceof HullError)) throw err;
    throw new HullError('MANIFEST_UNKNOWN', `Cannot find manifest "${raw}" in repository "${repo}": it is neither a tag nor a digest`);
  }
}

export async function getManifest(ctx: RequestContext): Promise<void> {
  const repo = repoOf(ctx);
  const ref = lookupRef(repo, ctx.route.ref!);
  const stored = await ctx.registry.manifests.get(repo, ref);
  // Negotiation applies to tags; a digest names exact bytes, whatever the client accepts.
  if (ref.kind === 'tag' && !acceptsMediaType(ctx.req.headers.accept, stored.mediaType)) {
    throw new HullError('MANIFEST_UNKNOWN', `Cannot serve manifest "${ref.tag}" in "${repo}": it is ${stored.mediaType}, which the Accept header does not include`, {
      hint: `send Accept: ${stored.mediaType}`,
    });
  }
  const { res } = ctx;
  res.statusCode = 200;
  res.setHeader('Content-Type', stored.mediaType);
  res.setHeader('Content-Length', stored.bytes.length);
  res.setHeader('Docker-Content-Digest', stored.digest);
  res.setHeader('ETag', `"${stored.digest}"`);
  res.end(ctx.req.method === 'HEAD' ? undefined : stored.bytes);
}

export async function putManifest(ctx: RequestContext): Promise<void> {
  const repo = repoOf(ctx);
  const ref = parseManifestRef(ctx.route.ref!);
  const bytes = await readBodyLimited(ctx.req, ctx.config.maxManifestBytes);
  const result = await ctx.registry.manifests.put(repo, ref, bytes, ctx.req.headers['content-type']);
  const headers: Record<string, string> = {
    Location: `/v2/${repo}/manifests/${result.digest}`,
    'Docker-Content-Digest': result.digest,
  };
  // spec.md#pushing-manifests-with-subject: tells the client the referrers API indexed it.
  if (result.subject) headers['OCI-Subject'] = result.subject;
  sendEmpty(ctx.res, 201, headers);
}

export async function deleteManifest(ctx: RequestContext): Promise<void> {
  if (!ctx.config.deleteEnabled) throw new HullError('METHOD_NOT_ALLOWED', 'Cannot delete manifests: deletion is disabled on this registry', { hint: 'set storage.delete: true' });
  await ctx.registry.manifests.delete(repoOf(ctx), parseManifestRef(ctx.route.ref!));
  sendEmpty(ctx.res, 202);
}
