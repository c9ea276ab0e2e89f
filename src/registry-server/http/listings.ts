/**
 * Listing endpoints: tags (spec.md#listing-tags), the catalog (distribution's _catalog, same
 * pagination) and referrers (spec.md#listing-referrers). Pagination: `n` caps the page, `last`
 * is the exclusive start, and a `Link: <...>; rel="next"` header points at the next page.
 */
import { HullError } from '../../errors.js';
import { MediaType } from '../../oci/media-types.js';
import { parseBlobDigest } from '../names.js';
import { paginate, pagination, repoOf, type RequestContext } from './context.js';
import { sendJson } from './respond.js';

function linkHeader(path: string, n: number, last: string): string {
  return `<${path}?n=${n}&last=${encodeURIComponent(last)}>; rel="next"`;
}

export async function listTags(ctx: RequestContext): Promise<void> {
  const repo = repoOf(ctx);
  if (!(await ctx.registry.repositoryExists(repo))) {
    throw new HullError('NOT_FOUND', `Cannot list tags of "${repo}": no such repository`);
  }
  const { n, last } = pagination(ctx.url);
  const { page, more } = paginate(await ctx.registry.manifests.tags(repo), n, last);
  const headers: Record<string, string> = more ? { Link: linkHeader(`/v2/${repo}/tags/list`, n!, page[page.length - 1]!) } : {};
  sendJson(ctx.req, ctx.res, 200, { name: repo, tags: page }, undefined, headers);
}

export async function listCatalog(ctx: RequestContext): Promise<void> {
  const { n, last } = pagination(ctx.url);
  const visible = (await ctx.registry.repositories()).filter((r) => ctx.gate.canSee(ctx.principal, r));
  const { page, more } = paginate(visible, n, last);
  const headers: Record<string, string> = more ? { Link: linkHeader('/v2/_catalog', n!, page[page.length - 1]!) } : {};
  sendJson(ctx.req, ctx.res, 200, { repositories: page }, undefined, headers);
}

export async function listReferrers(ctx: RequestContext): Promise<void> {
  const repo = repoOf(ctx);
  const subject = parseBlobDigest(ctx.route.ref!);
  const artifactType = ctx.url.searchParams.get('artifactType') ?? undefined;
  const manifests = await ctx.registry.manifests.referrers(repo, subject, artifactType);
  manifests.sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
  const headers: Record<string, string> = artifactType !== undefined ? { 'OCI-Filters-Applied': 'artifactType' } : {};
  sendJson(ctx.req, ctx.res, 200, { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests }, MediaType.OciIndex, headers);
}
