/**
 * OCI image layout (image-spec image-layout.md), version 1.0.0, as a directory (`oci-dir`) or a
 * tar of one (`oci-archive`).
 *
 *   oci-layout                 {"imageLayoutVersion": "1.0.0"}
 *   index.json                 {"schemaVersion": 2, "mediaType": "...image.index.v1+json",
 *                               "manifests": [{mediaType, digest, size, annotations: {
 *                                  "org.opencontainers.image.ref.name": "latest",
 *                                  "io.containerd.image.name": "docker.io/library/busybox:latest"}}]}
 *   blobs/sha256/<hex>         manifests, configs and layers, byte-exact as in the content store
 *
 * Names: like containerd and docker 25, ref.name holds the tag and io.containerd.image.name the
 * full name; one index entry per name. Reading takes io.containerd.image.name first, then
 * ref.name (a bare "busybox" or a full "localhost/app:1", as skopeo and podman write it).
 * Manifests keep their bytes, so an image's digest survives save and load; a Docker schema2
 * manifest is kept as such (the descriptor says so) rather than converted, which would change it.
 * Saving into an existing oci-dir adds to its index (replacing entries with the same name).
 */
import { HullError } from '../../errors.js';
import { digestAlgorithm, digestHex, type Digest } from '../../oci/digest.js';
import { isRecord, type Descriptor } from '../../oci/descriptor.js';
import { parseManifest } from '../../oci/manifest.js';
import { MediaType, isIndexMediaType } from '../../oci/media-types.js';
import { hostPlatform, platformMatches } from '../../oci/platform.js';
import { parseReference } from '../../oci/reference.js';
import { normaliseName } from '../image-store.js';
import type { ArchiveFiles } from './archive-files.js';
import type { ArchivedImage, BlobSource, SavedImage } from './archived-image.js';
import type { EntrySink } from './entry-sink.js';

export const OCI_LAYOUT = 'oci-layout';
export const OCI_INDEX = 'index.json';
const LAYOUT_VERSION = '1.0.0';
export const REF_NAME = 'org.opencontainers.image.ref.name';
export const CONTAINERD_NAME = 'io.containerd.image.name';

export function blobEntry(digest: Digest): string {
  return `blobs/${digestAlgorithm(digest)}/${digestHex(digest)}`;
}

export async function writeOciLayout(sink: EntrySink, images: readonly SavedImage[], blobs: BlobSource): Promise<void> {
  await sink.addBytes(OCI_LAYOUT, Buffer.from(JSON.stringify({ imageLayoutVersion: LAYOUT_VERSION })));
  const added: Descriptor[] = [];
  for (const image of images) {
    const m = image.manifest;
    if (!sink.has(blobEntry(m.config.digest))) await sink.addBytes(blobEntry(m.config.digest), image.configBytes);
    for (const layer of m.layers) {
      if (sink.has(blobEntry(layer.digest))) continue;
      await sink.addStream(blobEntry(layer.digest), blobs.size(layer.digest), blobs.openRead(layer.digest));
    }
    if (!sink.has(blobEntry(image.manifestDigest))) await sink.addBytes(blobEntry(image.manifestDigest), image.manifestBytes);
    const base = { mediaType: image.manifestMediaType, digest: image.manifestDigest, size: image.manifestBytes.length };
    if (image.names.length === 0) added.push(base);
    for (const name of image.names) {
      const tag = parseReference(name).tag ?? 'latest';
      added.push({ ...base, annotations: { [CONTAINERD_NAME]: name, [REF_NAME]: tag } });
    }
  }
  const index = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [...keptEntries(sink.existing(OCI_INDEX), added), ...added] };
  await sink.addBytes(OCI_INDEX, Buffer.from(JSON.stringify(index)));
}

/** Entries of an existing index.json that the new ones do not replace (same name or same untagged digest). */
function keptEntries(existing: Buffer | undefined, added: readonly Descriptor[]): unknown[] {
  if (!existing) return [];
  const parsed = parseManifest(existing, MediaType.OciIndex, 'the existing index.json');
  if (parsed.kind !== 'index') return [];
  const names = new Set(added.flatMap((d) => (d.annotations?.[CONTAINERD_NAME] ? [d.annotations[CONTAINERD_NAME]] : [])));
  const untagged = new Set(added.filter((d) => !d.annotations).map((d) => d.digest));
  return parsed.index.manifests.filter((d) => {
    const n = d.annotations?.[CONTAINERD_NAME];
    return n === undefined ? !(d.annotations === undefined && untagged.has(d.digest)) : !names.has(n);
  });
}

/** Parses index.json (and nested indexes, choosing the host platform) into images. */
export async function readOciLayout(files: ArchiveFiles): Promise<ArchivedImage[]> {
  if (files.has(OCI_LAYOUT)) {
    let version: unknown;
    try {
      const doc: unknown = JSON.parse(files.readBytes(OCI_LAYOUT).toString('utf8'));
      version = isRecord(doc) ? doc.imageLayoutVersion : undefined;
    } catch {
      version = undefined;
    }
    if (version !== LAYOUT_VERSION) throw bad(files, `oci-layout declares imageLayoutVersion ${JSON.stringify(version)}, expected "${LAYOUT_VERSION}"`);
  }
  const index = parseManifest(files.readBytes(OCI_INDEX, 'index'), MediaType.OciIndex, `index.json of "${files.source}"`);
  if (index.kind !== 'index') throw bad(files, 'index.json is not an image index');
  const images: ArchivedImage[] = [];
  for (const d of index.index.manifests) {
    const found = await readManifest(files, d, 0);
    if (!found) continue;
    const name = nameOf(files, d);
    const same = images.find((i) => i.manifest?.digest === found.manifest?.digest);
    if (same) {
      if (name !== undefined && !same.names.includes(name)) same.names.push(name);
      continue;
    }
    images.push({ ...found, names: name === undefined ? [] : [name] });
  }
  if (images.length === 0) throw bad(files, 'index.json lists no image for this platform');
  return images;
}

async function readManifest(files: ArchiveFiles, d: Descriptor, depth: number): Promise<Omit<ArchivedImage, 'names'> | undefined> {
  const bytes = await verifiedBlob(files, d, 'manifest');
  const parsed = parseManifest(bytes, d.mediaType, `manifest ${d.digest}`);
  if (parsed.kind === 'index' || isIndexMediaType(d.mediaType)) {
    if (parsed.kind !== 'index' || depth > 2) throw bad(files, `manifest ${d.digest} nests indexes too deeply`);
    const want = hostPlatform();
    const chosen = parsed.index.manifests.find((m) => m.platform !== undefined && platformMatches(want, m.platform));
    return chosen ? readManifest(files, chosen, depth + 1) : undefined;
  }
  const m = parsed.manifest;
  for (const blob of [m.config, ...m.layers]) {
    if (!files.has(blobEntry(blob.digest))) throw bad(files, `blob "${blobEntry(blob.digest)}" named by manifest ${d.digest} is not in the archive`);
  }
  return {
    config: { entry: blobEntry(m.config.digest), digest: m.config.digest },
    manifest: { bytes, digest: d.digest, mediaType: parsed.mediaType },
    layers: m.layers.map((l) => ({ entry: blobEntry(l.digest), digest: l.digest, size: l.size, mediaType: l.mediaType })),
  };
}

async function verifiedBlob(files: ArchiveFiles, d: Descriptor, what: string): Promise<Buffer> {
  const entry = blobEntry(d.digest);
  if (!files.has(entry)) throw bad(files, `${what} "${entry}" named by index.json is not in the archive`);
  const bytes = files.readBytes(entry, what);
  const actual = await files.digest(entry, what);
  if (actual !== d.digest || bytes.length !== d.size) {
    throw new HullError('INVALID_DIGEST', `Cannot load "${files.source}": ${what} "${entry}" has digest ${actual} and ${bytes.length} bytes, expected ${d.digest} and ${d.size}`, {
      hint: 'the archive is corrupt; nothing was loaded',
    });
  }
  return bytes;
}

function nameOf(files: ArchiveFiles, d: Descriptor): string | undefined {
  const raw = d.annotations?.[CONTAINERD_NAME] ?? d.annotations?.[REF_NAME];
  if (raw === undefined) return undefined;
  try {
    return normaliseName(raw);
  } catch (err) {
    throw bad(files, `index.json names an image "${raw}", which is not a valid reference: ${(err as Error).message}`);
  }
}

function bad(files: ArchiveFiles, why: string): HullError {
  return new HullError('INVALID_FORMAT', `Cannot load "${files.source}": ${why}`, { hint: 'the archive is damaged or incomplete; save it again' });
}
