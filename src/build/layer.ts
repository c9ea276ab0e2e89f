/**
 * A build step's changes as a layer: the view's overlay upper directory is diffed into a gzip'd
 * layer tar (archive/diff.ts writeOverlayDiff, as `hull commit` does) streamed into the content
 * store, then unpacked into the snapshotter under its chainID, so the next step's view sits on it.
 * Nothing is visible until committed: the blob by rename, the layer by rename.
 */
import { PassThrough } from 'node:stream';
import { HullError } from '../errors.js';
import { MediaType } from '../oci/media-types.js';
import type { Descriptor } from '../oci/descriptor.js';
import type { Digest } from '../oci/digest.js';
import { chainIds } from '../oci/chain-id.js';
import type { BlobWriter, WriteLease } from '../content/store.js';
import type { Snapshotter } from '../snapshots/snapshotter.js';

export interface StoredLayer {
  descriptor: Descriptor;
  diffID: Digest;
  chainID: Digest;
}

export async function storeViewLayer(content: BlobWriter, snapshotter: Snapshotter, lease: WriteLease, viewId: string, parentDiffIds: readonly Digest[], what: string): Promise<StoredLayer> {
  const [{ writeOverlayDiff }, { applyLayerSnapshot }] = await Promise.all([import('../archive/diff.js'), import('../images/unpack.js')]);
  const pipe = new PassThrough({ highWaterMark: 1 << 20 });
  const [written, stored] = await Promise.all([writeOverlayDiff(snapshotter.viewUpperDir(viewId), pipe, { compression: 'gzip' }), content.ingest(pipe, { what })]);
  if (written.digest !== stored.digest) throw new HullError('INTERNAL', `Cannot store ${what}: the stored layer does not match what was written`);
  const chain = chainIds([...parentDiffIds, written.diffID]);
  const chainID = chain[chain.length - 1] as Digest;
  if (!snapshotter.hasLayer(chainID)) await applyLayerSnapshot(content, snapshotter, lease, written.digest, written.diffID, chainID, chain[chain.length - 2]);
  return { descriptor: { mediaType: MediaType.OciLayerGzip, digest: written.digest, size: written.size }, diffID: written.diffID, chainID };
}
