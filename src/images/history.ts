/**
 * `hull history`: the config's history entries, newest first, matched to the layers they made.
 * Entries marked empty_layer made none (size 0); the others take the manifest's layers in order.
 * As docker shows for images that were pulled or loaded, only the newest row carries the image
 * ID; the rows below it show "<missing>" (there are no intermediate images to name).
 */
import type { Digest } from '../oci/digest.js';
import type { HistoryEntry, ImageConfig } from '../oci/image-config.js';
import { chainIds } from '../oci/chain-id.js';

export interface HistoryRow {
  id: string;
  created: string | undefined;
  createdBy: string;
  /** Uncompressed bytes of the layer the step made; 0 for empty_layer steps. */
  size: number;
  comment: string;
  /** The layer's chainID, when the step made one. */
  chainID: Digest | undefined;
}

/** Pure. `layerSize(i, chainID)` gives the size of layer i. */
export function planHistory(id: Digest, config: ImageConfig, layerSize: (index: number, chainID: Digest) => number): HistoryRow[] {
  const chain = chainIds(config.rootfs.diff_ids);
  const entries: HistoryEntry[] = config.history && config.history.length > 0 ? config.history : chain.map(() => ({}));
  const rows: HistoryRow[] = [];
  let layer = 0;
  for (const h of entries) {
    const empty = h.empty_layer === true;
    const chainID = empty ? undefined : chain[layer];
    const size = chainID === undefined ? 0 : layerSize(layer, chainID);
    if (!empty) layer++;
    rows.push({
      id: '<missing>',
      created: h.created,
      createdBy: h.created_by ?? '',
      size,
      comment: h.comment ?? '',
      chainID,
    });
  }
  rows.reverse();
  if (rows[0]) rows[0].id = id;
  return rows;
}
