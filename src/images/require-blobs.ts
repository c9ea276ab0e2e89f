/**
 * A new image that shares another image's layer blobs (commit: its container's image; build: the
 * base) must not be recorded when those blobs are gone: a container keeps only its image's config
 * and unpacked layers from GC, not the compressed blobs, so an `rmi -f` and a GC while a commit or
 * build runs could remove them. The operation holds them in its lease first, then checks here.
 */
import { HullError } from '../errors.js';
import type { BlobReader } from '../content/store.js';
import type { ImageManifest } from '../oci/manifest.js';

/** Refuses to record an image over layer blobs that are gone (e.g. its image was removed with rmi -f). */
export function requireBlobs(blobs: BlobReader, manifest: ImageManifest, action: string): void {
  const missing = manifest.layers.filter((l) => !blobs.has(l.digest));
  if (missing.length > 0) {
    throw new HullError('NOT_FOUND', `Cannot ${action}: ${missing.length} layer blob(s) of its image are no longer in the store`, {
      hint: 'the image was removed (rmi -f) while this ran: pull or load it again, then retry',
    });
  }
}

