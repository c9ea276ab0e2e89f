/**
 * Unpacks one layer with hull's archive.applyLayer (overlay whiteouts), as `hull pull` and
 * `hull run` do, in a process of its own so it is timed like the peers' commands:
 *   node dist/bench/drivers/unpack.js LAYER.tar.gz DEST
 * Exit 3 when hull has no applyLayer (the module is resolved at run time, so the bench builds
 * whatever state src/archive is in).
 */
import { createReadStream, mkdirSync } from 'node:fs';

type ApplyLayer = (dir: string, input: NodeJS.ReadableStream, opts: { whiteouts: 'overlay' | 'delete' }) => Promise<unknown>;

const [layer, dest] = process.argv.slice(2);
if (!layer || !dest) {
  process.stderr.write('usage: unpack.js LAYER DEST\n');
  process.exit(2);
}
let applyLayer: ApplyLayer | undefined;
try {
  const mod = (await import(new URL('../../src/archive/apply-layer.js', import.meta.url).href)) as { applyLayer?: ApplyLayer };
  applyLayer = mod.applyLayer;
} catch {
  applyLayer = undefined;
}
if (typeof applyLayer !== 'function') {
  process.stderr.write('hull archive.applyLayer is missing\n');
  process.exit(3);
}
mkdirSync(dest, { recursive: true });
await applyLayer(dest, createReadStream(layer), { whiteouts: 'overlay' });
