/**
 * `hull pull --all-platforms` (podman's --all-platforms, skopeo copy --all): keeps the whole index
 * byte for byte and every child it names — each platform's manifest, config and layers, and
 * attestation manifests with their blobs — as blobs, without unpacking any layer (a run of the
 * host's platform unpacks it then: unpack.ts ensureUnpacked). The image is recorded as an index
 * record (image-index.ts), so `hull push` sends the same index again and its digest is kept.
 * A reference that names a single manifest is pulled as usual. Any failure removes what this pull
 * added and records nothing.
 */
import { HullError, isHullError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import type { Digest } from '../oci/digest.js';
import { parseManifest } from '../oci/manifest.js';
import { familiarString, formatReference, parseReference, repositoryName } from '../oci/reference.js';
import { createLimiter, downloadBlob, pullScope, withRegistryClient, type BlobRole } from '../registry-client/index.js';
import { pullImage, type PullDeps, type PullOptions, type PullResult } from './pull.js';

export async function pullAllPlatforms(deps: PullDeps, reference: string, opts: PullOptions = {}): Promise<PullResult> {
  const ref = parseReference(reference);
  const onEvent = opts.onEvent ?? (() => {});
  const scopes = [pullScope(ref.path)];
  const added: Digest[] = [];
  const pending: Array<Promise<unknown>> = [];
  const keep = (bytes: Buffer, digest: Digest) => {
    if (!deps.content.has(digest)) added.push(digest);
    deps.content.putBytes(bytes, { digest });
  };
  return withRegistryClient({ ...opts, host: ref.domain, repository: ref.path, action: `pull "${familiarString(ref)}"`, onEvent }, async ({ client, signal, abort }) => {
    try {
      const top = await client.getManifest(ref.path, ref.digest ?? ref.tag ?? 'latest', scopes);
      const parsed = parseManifest(top.bytes, top.mediaType || undefined, `manifest of "${familiarString(ref)}"`);
      if (parsed.kind === 'manifest') {
        client.close();
        return await pullImage(deps, reference, opts);
      }
      onEvent({ type: 'resolved', reference: formatReference(ref), digest: top.digest, mediaType: parsed.mediaType });
      // Every child manifest first (small), then all their blobs, shared ones once.
      const blobs = new Map<Digest, { d: Descriptor; role: BlobRole }>();
      for (const d of parsed.index.manifests) {
        const child = await client.getManifest(ref.path, d.digest, scopes);
        const c = parseManifest(child.bytes, child.mediaType || d.mediaType, `manifest ${d.digest} of "${familiarString(ref)}"`);
        if (c.kind !== 'manifest') {
          throw new HullError('UNSUPPORTED', `Cannot pull "${familiarString(ref)}" with all platforms: manifest ${d.digest} is itself an index`, { hint: 'pull one platform with --platform' });
        }
        keep(child.bytes, child.digest);
        blobs.set(c.manifest.config.digest, { d: c.manifest.config, role: 'config' });
        for (const l of c.manifest.layers) if (!blobs.has(l.digest)) blobs.set(l.digest, { d: l, role: 'layer' });
      }
      const plan = [...blobs.values()];
      onEvent({ type: 'plan', blobs: plan.map(({ d, role }) => ({ digest: d.digest, size: d.size, role })) });
      const limit = createLimiter(opts.concurrency ?? 3);
      const downloads = plan.map(({ d, role }) =>
        limit(() => downloadBlob(d, { client, repository: ref.path, scopes, content: deps.content, role, onEvent, signal })).then((r) => {
          if (!r.existed) added.push(r.digest);
        }),
      );
      pending.push(...downloads);
      const settled = await Promise.allSettled(downloads);
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
      keep(top.bytes, top.digest);
      const names = ref.tag !== undefined && ref.digest === undefined ? [formatReference(ref)] : [];
      const record = await deps.images.add(
        { id: top.digest, manifest: top.digest, manifestMediaType: parsed.mediaType, created: new Date().toISOString() },
        names,
        deps.lease,
        [`${repositoryName(ref)}@${top.digest}`],
      );
      added.length = 0;
      await deps.sources?.add(plan.map(({ d }) => d.digest), repositoryName(ref), (d) => deps.content.has(d)).catch(() => {});
      onEvent({ type: 'done', reference: formatReference(ref), digest: top.digest, id: record.id });
      return { record, digest: top.digest, reference: ref };
    } catch (err) {
      abort();
      await Promise.allSettled(pending);
      for (const d of added) deps.content.discard(d);
      throw isHullError(err) || !opts.signal?.aborted ? err : new HullError('INTERNAL', `Cannot pull "${familiarString(ref)}": cancelled`, { cause: err });
    }
  });
}
