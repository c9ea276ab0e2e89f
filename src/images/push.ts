/**
 * `hull push IMAGE [DESTINATION]`: the image's blobs (layers in parallel, then the config), then
 * its manifest under the destination tag. Blobs go as stored (an imported layer stays plain tar or
 * gzip), so the manifest's digests stay valid and the pushed manifest is byte for byte the stored
 * one: the image keeps its digest. Mount sources: repositories on the same registry that the blob
 * was pulled from or pushed to (BlobSourceStore), and the image's other names on that registry.
 */
import { HullError } from '../errors.js';
import type { BlobReader } from '../content/store.js';
import type { Digest } from '../oci/digest.js';
import { parseManifest } from '../oci/manifest.js';
import { familiarString, formatReference, parseReference, parseReferenceLoose, repositoryName, type Reference } from '../oci/reference.js';
import {
  BlobSourceStore, DEFAULT_CHUNK_SIZE, createLimiter, pushScope, uploadBlob, withRegistryClient,
  type BlobRole, type EventSink, type RegistryClient, type RegistryOptions,
} from '../registry-client/index.js';
import type { Descriptor } from '../oci/descriptor.js';
import { isIndexRecord } from './image-index.js';
import type { ImageRecord, ImageStore } from './image-store.js';

export interface PushDeps {
  content: BlobReader;
  images: ImageStore;
  sources?: BlobSourceStore;
}

export interface PushOptions extends RegistryOptions {
  onEvent?: EventSink;
  signal?: AbortSignal;
}

export interface PushResult {
  reference: Reference;
  /** The manifest digest, as the registry now serves it. */
  digest: Digest;
  size: number;
}

export function destinationOf(image: ImageRecord, source: string, destination: string | undefined): Reference {
  if (destination !== undefined) return parseReference(destination);
  const loose = parseReferenceLoose(source);
  if (/^(sha256:)?[a-f0-9]{3,64}$/.test(source) && !image.names.some((n) => n.startsWith(repositoryName(loose)))) {
    throw new HullError('INVALID_ARGUMENT', `Cannot push "${source}": an image ID names no registry`, { hint: 'give a destination: hull push IMAGE REGISTRY/REPOSITORY[:TAG]' });
  }
  return parseReference(source);
}

/** Other repositories on `host` that may hold the image's blobs: its other names there. */
export function namesOnHost(image: ImageRecord, host: string, except: string): string[] {
  return image.names.flatMap((n) => {
    const r = parseReference(n);
    return r.domain === host && r.path !== except ? [r.path] : [];
  });
}

/** Uploads `blobs` to `dest`'s repository, `concurrency` at a time (skipped when there, mounted when possible). */
export async function uploadBlobs(
  deps: PushDeps,
  client: RegistryClient,
  dest: Reference,
  blobs: ReadonlyArray<{ d: Descriptor; role: BlobRole }>,
  otherNames: readonly string[],
  opts: PushOptions & { onEvent: EventSink; signal: AbortSignal },
): Promise<void> {
  const limit = createLimiter(opts.concurrency ?? 3);
  const uploads = blobs.map(({ d, role }) =>
    limit(() =>
      uploadBlob(d, {
        client,
        repository: dest.path,
        open: (range) => deps.content.openRead(d.digest, range),
        mountFrom: [...new Set([...(deps.sources?.find(d.digest, dest.domain) ?? []), ...otherNames])],
        chunkSize: opts.chunkSize ?? DEFAULT_CHUNK_SIZE,
        role,
        onEvent: opts.onEvent,
        signal: opts.signal,
      }),
    ),
  );
  const settled = await Promise.allSettled(uploads);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}

/** The last steps of every push: the top manifest (or index) under the destination's tag, the blobs' new source noted, done. */
export async function putTopManifest(
  deps: PushDeps,
  client: RegistryClient,
  dest: Reference,
  top: { image: ImageRecord; bytes: Buffer; mediaType: string; blobs: ReadonlyArray<{ d: Descriptor }> },
  onEvent: EventSink,
): Promise<PushResult> {
  const tag = dest.digest ?? dest.tag ?? 'latest';
  const digest = await client.putManifest(dest.path, tag, [pushScope(dest.path)], top.bytes, top.mediaType);
  onEvent({ type: 'manifest-pushed', reference: formatReference(dest), digest, size: top.bytes.length });
  await deps.sources?.add(top.blobs.map(({ d }) => d.digest), repositoryName(dest), (d) => deps.content.has(d)).catch(() => {});
  onEvent({ type: 'done', reference: formatReference(dest), digest, id: top.image.id });
  return { reference: dest, digest, size: top.bytes.length };
}

export async function pushImage(deps: PushDeps, source: string, destination: string | undefined, opts: PushOptions = {}): Promise<PushResult> {
  const image = deps.images.get(source);
  const dest = destinationOf(image, source, destination);
  if (isIndexRecord(image)) {
    const { pushIndex } = await import('./push-index.js');
    return pushIndex(deps, image, source, dest, opts);
  }
  const onEvent = opts.onEvent ?? (() => {});
  const manifestBytes = deps.content.readBytes(image.manifest);
  const parsed = parseManifest(manifestBytes, image.manifestMediaType);
  if (parsed.kind !== 'manifest') throw new HullError('UNSUPPORTED', `Cannot push "${source}": its stored manifest is an index`);
  const m = parsed.manifest;
  const blobs = [...m.layers.map((d) => ({ d, role: 'layer' as const })), { d: m.config, role: 'config' as const }];
  for (const { d } of blobs) {
    if (!deps.content.has(d.digest)) {
      throw new HullError('NOT_FOUND', `Cannot push "${source}": blob ${d.digest} is not in the local content store`, { hint: `pull the image again ("hull pull ${source}") to fetch its layers` });
    }
  }
  return withRegistryClient({ ...opts, host: dest.domain, repository: dest.path, action: `push "${familiarString(dest)}"`, onEvent }, async ({ client, signal }) => {
    onEvent({ type: 'plan', blobs: blobs.map(({ d, role }) => ({ digest: d.digest, size: d.size, role })) });
    await uploadBlobs(deps, client, dest, blobs, namesOnHost(image, dest.domain, dest.path), { ...opts, onEvent, signal });
    return putTopManifest(deps, client, dest, { image, bytes: manifestBytes, mediaType: parsed.mediaType, blobs }, onEvent);
  });
}
