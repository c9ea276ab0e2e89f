/**
 * What images hold on disk, for `hull system df`: the distinct content blobs (manifests, configs,
 * layer blobs) plus the distinct unpacked layers (apparent size of their files). An image is
 * active when a container uses it; reclaimable is what `hull image prune -a` would free, i.e. the
 * blobs and layers that no active image shares.
 */
import type { BlobReader } from '../content/store.js';
import type { Snapshotter } from '../snapshots/snapshotter.js';
import { diskUsage } from '../volumes/volume-store.js';
import type { ImageRecord } from './image-store.js';
import { imageRoots } from './gc.js';

export interface ImageUsage {
  total: number;
  active: number;
  /** Bytes of the blobs and layers of all images, each counted once. */
  size: number;
  reclaimable: number;
}

export function imageDiskUsage(content: BlobReader, snapshotter: Snapshotter, images: readonly ImageRecord[], inUse: ReadonlySet<string>): ImageUsage {
  const blobSize = new Map<string, number>();
  const layerSize = new Map<string, number>();
  const activeParts = new Set<string>();
  for (const image of images) {
    const roots = imageRoots(content, image);
    for (const b of roots.blobs) {
      if (!blobSize.has(b)) blobSize.set(b, content.has(b) ? content.size(b) : 0);
      if (inUse.has(image.id)) activeParts.add(b);
    }
    for (const l of roots.layers) {
      if (!layerSize.has(l)) layerSize.set(l, layerBytes(snapshotter, l));
      if (inUse.has(image.id)) activeParts.add(l);
    }
  }
  let size = 0;
  let reclaimable = 0;
  for (const [k, v] of [...blobSize, ...layerSize]) {
    size += v;
    if (!activeParts.has(k)) reclaimable += v;
  }
  return { total: images.length, active: images.filter((i) => inUse.has(i.id)).length, size, reclaimable };
}

/** Apparent size of one unpacked layer (overlay: its diff; copy driver: its whole tree). */
export function layerBytes(snapshotter: Snapshotter, chainID: string): number {
  try {
    return snapshotter.hasLayer(chainID) ? diskUsage(snapshotter.layerDirs(chainID)[0] ?? '') : 0;
  } catch {
    return 0;
  }
}
