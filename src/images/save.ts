/**
 * `hull save`: resolve each IMAGE -> read its manifest and config -> hand them to the format's
 * writer (formats/docker-archive.ts or formats/oci-layout.ts) with an EntrySink (a tar stream or a
 * directory). As docker: an image given by name is saved with that name; by ID, untagged.
 */
import { HullError } from '../errors.js';
import type { BlobReader } from '../content/store.js';
import { parseImageConfig } from '../oci/image-config.js';
import { parseManifest } from '../oci/manifest.js';
import { chooseLocalChild, isIndexRecord, readIndex } from './image-index.js';
import type { ImageStore } from './image-store.js';
import { normaliseName } from './image-store.js';
import type { SavedImage } from './formats/archived-image.js';
import type { EntrySink } from './formats/entry-sink.js';

export const SAVE_FORMATS = ['docker-archive', 'oci-archive', 'oci-dir'] as const;
export type SaveFormat = (typeof SAVE_FORMATS)[number];

export interface SaveDeps {
  content: BlobReader;
  images: ImageStore;
}

export function parseSaveFormat(s: string | undefined): SaveFormat {
  if (s === undefined) return 'docker-archive';
  if ((SAVE_FORMATS as readonly string[]).includes(s)) return s as SaveFormat;
  throw new HullError('INVALID_ARGUMENT', `Cannot save with --format "${s}": expected ${SAVE_FORMATS.join(', ')}`);
}

/** Pure lookups: every image is found (and every blob present) before a byte is written. */
export function resolveSaveImages(deps: SaveDeps, refs: readonly string[]): SavedImage[] {
  const out: SavedImage[] = [];
  for (const ref of refs) {
    const record = deps.images.get(ref);
    let name: string | undefined;
    try {
      name = normaliseName(ref);
    } catch {
      name = undefined;
    }
    const names = name !== undefined && record.names.includes(name) ? [name] : [];
    const already = out.find((i) => i.id === record.id);
    if (already) {
      for (const n of names) if (!already.names.includes(n)) already.names.push(n);
      continue;
    }
    // A manifest list saves its image for this host (read-image.ts chooses it the same way).
    const child = isIndexRecord(record) ? chooseLocalChild(deps.content, readIndex(deps.content, record)) : undefined;
    if (isIndexRecord(record) && !child) throw new HullError('NOT_FOUND', `Cannot save "${ref}": it is a manifest list that holds no image stored here`);
    const manifestDigest = child?.descriptor.digest ?? record.manifest;
    const manifestBytes = deps.content.readBytes(manifestDigest);
    const parsed = parseManifest(manifestBytes, child?.descriptor.mediaType ?? record.manifestMediaType, `manifest of "${ref}"`);
    if (parsed.kind !== 'manifest') throw new HullError('INVALID_FORMAT', `Cannot save image "${ref}": its manifest is an index`);
    const configBytes = deps.content.readBytes(parsed.manifest.config.digest);
    for (const layer of parsed.manifest.layers) {
      if (!deps.content.has(layer.digest)) {
        throw new HullError('NOT_FOUND', `Cannot save image "${ref}": layer ${layer.digest} is missing from the content store`, { hint: 'pull or load the image again' });
      }
    }
    out.push({
      id: child ? parsed.manifest.config.digest : record.id,
      names,
      manifest: parsed.manifest,
      manifestBytes,
      manifestDigest,
      manifestMediaType: parsed.mediaType,
      config: parseImageConfig(configBytes, `config of "${ref}"`),
      configBytes,
    });
  }
  return out;
}

export async function saveImages(deps: SaveDeps, images: readonly SavedImage[], format: SaveFormat, sink: EntrySink): Promise<void> {
  if (format === 'docker-archive') {
    const { writeDockerArchive } = await import('./formats/docker-archive.js');
    await writeDockerArchive(sink, images, deps.content);
  } else {
    const { writeOciLayout } = await import('./formats/oci-layout.js');
    await writeOciLayout(sink, images, deps.content);
  }
  await sink.finish();
}
