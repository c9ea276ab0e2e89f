/**
 * Unpacking an image: apply each layer into the snapshotter under its chainID, bottom to top.
 * Layers already present (shared with another image) are skipped. Each layer's diffID is checked
 * against the config while it is applied; a mismatch aborts that layer and nothing is committed.
 */
import { HullError } from '../errors.js';
import { chainIds } from '../oci/chain-id.js';
import type { ImageConfig } from '../oci/image-config.js';
import type { ImageManifest } from '../oci/manifest.js';
import type { BlobReader, ContentStore, WriteLease } from '../content/store.js';
import { withLease } from './lease.js';
import type { Snapshotter } from '../snapshots/snapshotter.js';
import type { Digest } from '../oci/digest.js';

export interface UnpackEvent {
  type: 'layer-unpacked' | 'layer-exists';
  digest: Digest;
  chainID: Digest;
}

export async function unpackImage(
  blobs: BlobReader,
  snapshotter: Snapshotter,
  lease: WriteLease,
  manifest: ImageManifest,
  config: ImageConfig,
  onEvent: (e: UnpackEvent) => void = () => {},
): Promise<Digest | undefined> {
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) {
    throw new HullError('INVALID_FORMAT', `Cannot unpack image: the manifest has ${manifest.layers.length} layers but the config lists ${diffIds.length} diff_ids`);
  }
  const chain = chainIds(diffIds);
  for (const [i, layer] of manifest.layers.entries()) {
    const chainID = chain[i] as Digest;
    const parent = chain[i - 1];
    if (snapshotter.hasLayer(chainID)) {
      onEvent({ type: 'layer-exists', digest: layer.digest, chainID });
      continue;
    }
    await applyLayerSnapshot(blobs, snapshotter, lease, layer.digest, diffIds[i] as Digest, chainID, parent);
    onEvent({ type: 'layer-unpacked', digest: layer.digest, chainID });
  }
  return chain[chain.length - 1];
}

/**
 * Unpacks an image whose top layer is missing (a container or a build step is about to sit on it),
 * under a lease of its own so that a concurrent GC keeps the layers until the caller uses them.
 * Returns the top chainID (undefined for an image without layers).
 */
export async function ensureUnpacked(deps: { root: string; content: ContentStore; snapshotter: Snapshotter }, manifest: ImageManifest, config: ImageConfig): Promise<Digest | undefined> {
  const top = chainIds(config.rootfs.diff_ids).at(-1);
  if (top === undefined || deps.snapshotter.hasLayer(top)) return top;
  await withLease(deps.root, 'unpack', {}, async (lease) => {
    await lease.hold([], chainIds(config.rootfs.diff_ids));
    await unpackImage(deps.content, deps.snapshotter, lease, manifest, config);
  });
  return top;
}

export async function applyLayerSnapshot(
  blobs: BlobReader,
  snapshotter: Snapshotter,
  lease: WriteLease,
  layerDigest: Digest,
  expectedDiffId: Digest,
  chainID: Digest,
  parent: Digest | undefined,
): Promise<void> {
  // Loaded on first use: the archive code is the heaviest module, and most commands never unpack.
  const { applyLayer } = await import('../archive/apply-layer.js');
  const prepared = await snapshotter.prepareLayer(parent, lease);
  try {
    const result = await applyLayer(prepared.dir, blobs.openRead(layerDigest), { whiteouts: snapshotter.whiteouts, layer: layerDigest });
    if (result.diffID !== expectedDiffId) {
      throw new HullError('INVALID_DIGEST', `Cannot unpack layer "${layerDigest}": its uncompressed digest ${result.diffID} does not match the config's diff_id ${expectedDiffId}`);
    }
    await snapshotter.commitLayer(prepared, chainID, parent);
  } catch (err) {
    await snapshotter.abortLayer(prepared);
    throw err;
  }
}
