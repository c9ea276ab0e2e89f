/**
 * `hull manifest create|add|remove|inspect|exists|rm`: manifest lists as podman keeps them — an
 * OCI image index in the content store, recorded as an image under the list's name (image-store
 * records with manifestMediaType = the index type; image-index.ts). The list names local images'
 * manifests; their platform comes from each image's config unless --os/--arch/--variant say
 * otherwise. Changing a list writes a new index (a new digest) and moves the name onto it; the old
 * index record goes when no name is left on it, and GC collects what nothing references.
 */
import { HullError, showUntrusted } from '../errors.js';
import type { BlobWriter } from '../content/store.js';
import type { Lease } from './lease.js';
import type { Descriptor } from '../oci/descriptor.js';
import type { Digest } from '../oci/digest.js';
import { parseManifest } from '../oci/manifest.js';
import { MediaType } from '../oci/media-types.js';
import { familiarString, parseReference } from '../oci/reference.js';
import { REMOTE_PREFIX, fetchRemoteForList } from './manifest-remote.js';
import { openRegistryClient, pullScope, type RegistryOptions } from '../registry-client/index.js';
import type { Platform } from '../oci/platform.js';
import { chooseLocalChild, describeImageManifest, isIndexRecord, mergeDescriptors, readChild, readIndex, serializeIndex } from './image-index.js';
import { displayName, normaliseName, type ImageRecord, type ImageStore } from './image-store.js';

export interface ManifestListDeps {
  content: BlobWriter;
  lease: Lease;
  images: ImageStore;
}

export interface AddOptions {
  /** An image that is itself a list adds all its manifests (podman's --all); else this host's one. */
  all?: boolean;
  os?: string;
  arch?: string;
  variant?: string;
  annotations?: Record<string, string>;
  /** For docker:// references (manifest-remote.ts). */
  registry?: RegistryOptions & { signal?: AbortSignal };
}

/** The list record named `list`; NOT_FOUND when there is none, INVALID_ARGUMENT when it is a plain image. */
export function getManifestList(images: ImageStore, list: string): ImageRecord {
  const record = images.find(list);
  if (!record) {
    throw new HullError('NOT_FOUND', `Cannot find manifest list "${showUntrusted(list)}": no such manifest list in the local store`, {
      hint: 'create it with "hull manifest create LIST [IMAGE...]"',
    });
  }
  if (!isIndexRecord(record)) {
    throw new HullError('INVALID_ARGUMENT', `Cannot use "${showUntrusted(list)}" as a manifest list: it is an image`, { hint: 'create a list with "hull manifest create LIST IMAGE"' });
  }
  return record;
}

function platformOverride(o: AddOptions): Partial<Platform> {
  for (const [flag, v] of [['--os', o.os], ['--arch', o.arch], ['--variant', o.variant]] as const) {
    // The same words --platform accepts (Go's GOOS/GOARCH names).
    if (v !== undefined && !/^[a-z0-9_.-]+$/.test(v)) throw new HullError('INVALID_ARGUMENT', `Cannot use ${flag} "${showUntrusted(v)}": expected a word such as linux, arm64 or v8`);
  }
  return { ...(o.os ? { os: o.os } : {}), ...(o.arch ? { architecture: o.arch } : {}), ...(o.variant ? { variant: o.variant } : {}) };
}

/** The descriptors `image` (a local image or list) contributes to a list. */
export function descriptorsOf(deps: Pick<ManifestListDeps, 'content' | 'images'>, image: string, o: AddOptions = {}): Descriptor[] {
  const record = deps.images.find(image);
  if (!record) {
    throw new HullError('NOT_FOUND', `Cannot add "${showUntrusted(image)}" to a manifest list: no such image in the local store`, {
      hint: `name it as docker://${showUntrusted(image)} to add it from its registry, or pull or build it first`,
    });
  }
  const override = platformOverride(o);
  const annotate = (d: Descriptor): Descriptor => (o.annotations && Object.keys(o.annotations).length > 0 ? { ...d, annotations: { ...d.annotations, ...o.annotations } } : d);
  if (!isIndexRecord(record)) return [annotate(describeImageManifest(deps.content, record.manifest, record.manifestMediaType, override))];
  const index = readIndex(deps.content, record);
  if (o.all) return index.manifests.map((d) => annotate(d.platform ? { ...d, platform: { ...d.platform, ...override } } : d));
  const child = chooseLocalChild(deps.content, index);
  if (!child) throw new HullError('NOT_FOUND', `Cannot add "${showUntrusted(image)}" to a manifest list: it is a list that holds no image stored here`);
  return [annotate(child.descriptor)];
}

/** descriptorsOf, or for a docker:// reference, what manifest-remote.ts fetched, with the overrides applied. */
async function resolveDescriptors(deps: Pick<ManifestListDeps, 'content' | 'images'>, image: string, o: AddOptions): Promise<Descriptor[]> {
  if (!image.startsWith(REMOTE_PREFIX)) return descriptorsOf(deps, image, o);
  const override = platformOverride(o);
  const fetched = await fetchRemoteForList(deps.content, image, { ...o.registry, ...(o.all ? { all: true } : {}) });
  return fetched.map((d) => ({
    ...d,
    ...(d.platform ? { platform: { ...d.platform, ...override } } : {}),
    ...(o.annotations && Object.keys(o.annotations).length > 0 ? { annotations: { ...d.annotations, ...o.annotations } } : {}),
  }));
}

/**
 * Writes `manifests` as the list's index and moves `name` onto it, if the name still names
 * `previous` (CONFLICT otherwise: see changeList); drops the list's old index record.
 */
async function recordList(deps: ManifestListDeps, name: string, manifests: readonly Descriptor[], previous: ImageRecord | undefined): Promise<ImageRecord> {
  // The images the list names may lose their own records meanwhile (rmi): hold their blobs in
  // this command's lease until the list records them, then make sure they were all still there.
  const blobs = manifests.flatMap((d) => {
    const m = readChild(deps.content, d);
    return m ? [d.digest, m.config.digest, ...m.layers.map((l) => l.digest)] : [d.digest];
  });
  await deps.lease.hold(blobs);
  const gone = blobs.find((b) => !deps.content.has(b));
  if (gone !== undefined) throw new HullError('NOT_FOUND', `Cannot change manifest list "${displayName(name)}": blob ${gone} of an image it names is gone from the store`, { hint: 'the image was removed meanwhile: pull or build it again' });
  const bytes = serializeIndex(manifests);
  const { digest } = deps.content.putBytes(bytes);
  const record = await deps.images.add({ id: digest, manifest: digest, manifestMediaType: MediaType.OciIndex, created: new Date().toISOString() }, [name], deps.lease, [], { name, on: previous?.id });
  if (previous && previous.id !== digest) {
    await deps.images.update((doc) => {
      const old = doc.images[previous.id];
      if (old && old.names.length === 0 && isIndexRecord(old)) delete doc.images[previous.id];
    });
  }
  return record;
}

/** `hull manifest create LIST [IMAGE...]`: refuses a name that is taken (podman does too). */
export async function createManifestList(deps: ManifestListDeps, list: string, images: readonly string[], o: AddOptions = {}): Promise<ImageRecord> {
  const name = normaliseName(list);
  if (deps.images.find(name)) {
    throw new HullError('CONFLICT', `Cannot create manifest list "${showUntrusted(list)}": an image or list of that name exists`, {
      hint: 'remove it first ("hull manifest rm" or "hull rmi"), or add to it with "hull manifest add"',
    });
  }
  let manifests: Descriptor[] = [];
  for (const image of images) manifests = mergeDescriptors(manifests, await resolveDescriptors(deps, image, o));
  return recordList(deps, name, manifests, undefined);
}

/**
 * Read the list, change its manifests, record the new index — again from the start when another
 * command changed the list in between (two `manifest add`s at once both land, as with podman's lock).
 */
async function changeList(deps: ManifestListDeps, list: string, change: (manifests: Descriptor[]) => Descriptor[]): Promise<ImageRecord> {
  for (let attempt = 1; ; attempt++) {
    const current = getManifestList(deps.images, list);
    try {
      return await recordList(deps, normaliseName(list), change(readIndex(deps.content, current).manifests), current);
    } catch (err) {
      if (!(err instanceof HullError) || err.code !== 'CONFLICT' || attempt >= 20) throw err;
    }
  }
}

/** `hull manifest add LIST IMAGE`: returns the list with the image's manifest(s) added (or replaced). */
export async function addToManifestList(deps: ManifestListDeps, list: string, image: string, o: AddOptions = {}): Promise<{ record: ImageRecord; added: Descriptor[] }> {
  getManifestList(deps.images, list);
  const added = await resolveDescriptors(deps, image, o);
  const record = await changeList(deps, list, (manifests) => mergeDescriptors(manifests, added));
  return { record, added };
}

/** `hull manifest remove LIST DIGEST`: drops one manifest from the list. */
export async function removeFromManifestList(deps: ManifestListDeps, list: string, digest: string): Promise<ImageRecord> {
  return changeList(deps, list, (manifests) => {
    const kept = manifests.filter((d) => d.digest !== digest);
    if (kept.length === manifests.length) {
      throw new HullError('NOT_FOUND', `Cannot remove "${showUntrusted(digest)}" from manifest list "${showUntrusted(list)}": the list does not name it`, {
        hint: 'see the digests with "hull manifest inspect LIST"',
      });
    }
    return kept;
  });
}

/** The stored index bytes, as `hull manifest inspect` prints them. */
export function manifestListBytes(content: { readBytes(d: Digest): Buffer }, images: ImageStore, list: string): Buffer {
  return content.readBytes(getManifestList(images, list).manifest);
}

/** `hull manifest inspect REMOTE-REF`: the manifest or index a registry serves, as it sent it. */
export async function fetchRemoteManifest(reference: string, opts: RegistryOptions & { signal?: AbortSignal } = {}): Promise<Buffer> {
  const ref = parseReference(reference);
  const client = openRegistryClient({ ...opts, host: ref.domain, repository: ref.path, action: `inspect "${familiarString(ref)}"` });
  try {
    const got = await client.getManifest(ref.path, ref.digest ?? ref.tag ?? 'latest', [pullScope(ref.path)]);
    parseManifest(got.bytes, got.mediaType || undefined, `manifest of "${familiarString(ref)}"`);
    return got.bytes;
  } finally {
    client.close();
  }
}
