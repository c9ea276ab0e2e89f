/**
 * Pushing a manifest list (an index record: image-index.ts) — `hull manifest push` and `hull push`
 * of an image pulled with --all-platforms: every child's blobs, then every child manifest by its
 * digest, then the index under the tag (distribution-spec: a registry may refuse an index whose
 * manifests it does not hold, so they go first). The index goes byte for byte as stored, so its
 * digest is the same on every registry it is pushed to (a mirror keeps the digest).
 */
import { HullError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import type { Digest } from '../oci/digest.js';
import { familiarString, repositoryName, type Reference } from '../oci/reference.js';
import { pushScope, withRegistryClient, type BlobRole } from '../registry-client/index.js';
import type { ImageRecord } from './image-store.js';
import { readChild, readIndex } from './image-index.js';
import { namesOnHost, putTopManifest, uploadBlobs, type PushDeps, type PushOptions, type PushResult } from './push.js';

interface ChildPlan {
  descriptor: Descriptor;
  bytes: Buffer;
  blobs: Array<{ d: Descriptor; role: BlobRole }>;
}

/** Everything the push needs, read and checked before anything is sent. */
function planChildren(deps: PushDeps, image: ImageRecord, source: string): { indexBytes: Buffer; children: ChildPlan[] } {
  const index = readIndex(deps.content, image);
  if (index.manifests.length === 0) {
    throw new HullError('INVALID_ARGUMENT', `Cannot push manifest list "${source}": it is empty`, { hint: 'add images to it with "hull manifest add LIST IMAGE"' });
  }
  const children = index.manifests.map((d): ChildPlan => {
    const m = readChild(deps.content, d);
    if (!m) {
      throw new HullError('NOT_FOUND', `Cannot push manifest list "${source}": manifest ${d.digest} is not in the local content store`, {
        hint: `pull every platform of it again ("hull pull --all-platforms ..."), or make the list again from local images`,
      });
    }
    const blobs = [...m.layers.map((l) => ({ d: l, role: 'layer' as const })), { d: m.config, role: 'config' as const }];
    for (const { d: b } of blobs) {
      if (!deps.content.has(b.digest)) {
        throw new HullError('NOT_FOUND', `Cannot push manifest list "${source}": blob ${b.digest} of manifest ${d.digest} is not in the local content store`, {
          hint: 'pull the missing platform again ("hull pull --all-platforms ...")',
        });
      }
    }
    return { descriptor: d, bytes: deps.content.readBytes(d.digest), blobs };
  });
  return { indexBytes: deps.content.readBytes(image.manifest), children };
}

export async function pushIndex(deps: PushDeps, image: ImageRecord, source: string, dest: Reference, opts: PushOptions = {}): Promise<PushResult> {
  const { indexBytes, children } = planChildren(deps, image, source);
  const onEvent = opts.onEvent ?? (() => {});
  const scopes = [pushScope(dest.path)];
  return withRegistryClient({ ...opts, host: dest.domain, repository: dest.path, action: `push "${familiarString(dest)}"`, onEvent }, async ({ client, signal }) => {
    // A blob two platforms share (a common base layer) is uploaded once.
    const unique = new Map<Digest, { d: Descriptor; role: BlobRole }>();
    for (const c of children) for (const b of c.blobs) unique.set(b.d.digest, b);
    const blobs = [...unique.values()];
    onEvent({ type: 'plan', blobs: blobs.map(({ d, role }) => ({ digest: d.digest, size: d.size, role })) });
    await uploadBlobs(deps, client, dest, blobs, namesOnHost(image, dest.domain, dest.path), { ...opts, onEvent, signal });
    for (const c of children) {
      const digest = await client.putManifest(dest.path, c.descriptor.digest, scopes, c.bytes, c.descriptor.mediaType);
      onEvent({ type: 'manifest-pushed', reference: `${repositoryName(dest)}@${digest}`, digest, size: c.bytes.length });
    }
    return putTopManifest(deps, client, dest, { image, bytes: indexBytes, mediaType: image.manifestMediaType, blobs }, onEvent);
  });
}
