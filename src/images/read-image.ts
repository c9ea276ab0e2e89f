/**
 * Reading a recorded image back: its manifest and its config, from the content store. The one
 * place that does it, for inspect, create, commit and build. A manifest list (an index record:
 * image-index.ts) reads as its child for this host's platform, else its first stored child.
 */
import { HullError } from '../errors.js';
import type { BlobReader } from '../content/store.js';
import { parseImageConfig, type ImageConfig } from '../oci/image-config.js';
import { parseManifest, type ImageManifest } from '../oci/manifest.js';
import type { ImageRecord } from './image-store.js';
import { chooseLocalChild, describePlatforms } from './image-index.js';

export interface ImageContent {
  manifest: ImageManifest;
  config: ImageConfig;
}

/** Throws NOT_FOUND when a blob is missing or a manifest list holds no stored image. */
export function readImage(blobs: BlobReader, image: ImageRecord): ImageContent {
  const parsed = parseManifest(blobs.readBytes(image.manifest), image.manifestMediaType);
  if (parsed.kind === 'manifest') return { manifest: parsed.manifest, config: parseImageConfig(blobs.readBytes(parsed.manifest.config.digest)) };
  const child = chooseLocalChild(blobs, parsed.index);
  if (!child) {
    throw new HullError('NOT_FOUND', `Cannot use manifest list "${image.names[0] ?? image.id}": it holds no image stored here (platforms: ${describePlatforms(parsed.index)})`, {
      hint: 'add an image to it with "hull manifest add LIST IMAGE"',
    });
  }
  return { manifest: child.manifest, config: parseImageConfig(blobs.readBytes(child.manifest.config.digest)) };
}
