/**
 * Registry calls a front end makes without touching the store: read a reference's manifest
 * descriptor and platforms (`/distribution/NAME/json`), and search a v2 registry's catalog
 * (`/images/search`). Logins are registry-login.ts.
 */
import { HullError } from '../errors.js';
import { openRegistryClient, pullScope, type RegistryOptions } from '../registry-client/index.js';
import { readBody } from '../registry-client/transport.js';
import { parseManifest } from '../oci/manifest.js';
import { familiarString, parseReference } from '../oci/reference.js';
import type { Platform } from '../oci/platform.js';
import type { Digest } from '../oci/digest.js';

export interface DistributionInfo {
  descriptor: { mediaType: string; digest: Digest; size: number };
  platforms: Platform[];
}

/** The manifest a reference names in its registry, and the platforms it offers. */
export async function inspectDistribution(reference: string, opts: RegistryOptions & { signal?: AbortSignal } = {}): Promise<DistributionInfo> {
  const ref = parseReference(reference);
  const client = openRegistryClient({ ...opts, host: ref.domain, repository: ref.path, action: `inspect "${familiarString(ref)}"` });
  try {
    const m = await client.getManifest(ref.path, ref.digest ?? ref.tag ?? 'latest', [pullScope(ref.path)]);
    const parsed = parseManifest(m.bytes, m.mediaType || undefined, `manifest of "${familiarString(ref)}"`);
    const descriptor = { mediaType: parsed.mediaType, digest: m.digest, size: m.bytes.length };
    if (parsed.kind === 'index') return { descriptor, platforms: parsed.index.manifests.flatMap((d) => (d.platform && d.platform.os !== 'unknown' ? [d.platform] : [])) };
    return { descriptor, platforms: [] };
  } finally {
    client.close();
  }
}

/** Repositories in `host`'s catalog (distribution spec's /v2/_catalog) whose name contains `term`. */
export async function searchRegistry(host: string, term: string, opts: RegistryOptions & { limit?: number } = {}): Promise<string[]> {
  const client = openRegistryClient({ ...opts, host, repository: '', action: `search "${host}"` });
  try {
    const res = await client.request({ method: 'GET', path: `/v2/_catalog?n=${opts.limit ?? 1000}`, scopes: ['registry:catalog:*'], what: 'catalog' });
    const body = await readBody(res, 8 << 20);
    if (res.status !== 200) {
      throw new HullError(res.status === 404 ? 'UNSUPPORTED' : res.status === 401 ? 'UNAUTHORIZED' : 'UNAVAILABLE', `Cannot search "${host}": its catalog answered ${res.status}`, {
        hint: 'the registry may not offer /v2/_catalog; pull by name instead',
      });
    }
    const doc = JSON.parse(body.toString('utf8')) as { repositories?: unknown };
    const repos = Array.isArray(doc.repositories) ? doc.repositories.filter((r): r is string => typeof r === 'string') : [];
    return repos.filter((r) => r.includes(term));
  } finally {
    client.close();
  }
}
