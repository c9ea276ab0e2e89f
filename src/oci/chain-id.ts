/** ChainIDs (image-spec config.md#layer-chainid): identify a stack of layers by their diffIDs. */
import { sha256, type Digest } from './digest.js';

export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const diffId of diffIds) {
    const parent = out[out.length - 1];
    out.push(parent === undefined ? diffId : sha256(`${parent} ${diffId}`));
  }
  return out;
}
