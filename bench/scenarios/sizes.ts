/** Human-readable sizes of corpus images for case labels. */
import type { BenchContext } from '../lib/context.js';
import type { ImageName } from '../corpus/corpus.js';

export function mbOf(ctx: BenchContext, image: ImageName): string {
  const layers = ctx.corpus.images[image]?.layers ?? [];
  const gz = layers.reduce((a, l) => a + l.size, 0) / 1024 ** 2;
  const raw = layers.reduce((a, l) => a + l.uncompressedSize, 0) / 1024 ** 2;
  return `${layers.length} layer${layers.length === 1 ? '' : 's'}, ${gz.toFixed(gz < 10 ? 1 : 0)} MB gz / ${raw.toFixed(raw < 10 ? 1 : 0)} MB`;
}
