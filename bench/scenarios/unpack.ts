/**
 * Layer unpack: one gzip layer into an empty directory. hull's archive.applyLayer (through
 * dist/bench/drivers/unpack.js, Node start-up included) vs GNU tar (`tar -xzf`, the floor) and
 * `umoci unpack` of a one-layer OCI layout (which also writes config.json and an mtree manifest).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { adoptLayer, writeLayout, type LayerBlob } from '../corpus/layout.js';
import { interleave, type Side } from '../lib/ab.js';
import type { BenchContext, Scenario } from '../lib/context.js';
import { run, timeOk } from '../lib/proc.js';
import { ratioOf, type Figure, type Ratio } from '../lib/result.js';
import { freshDir, removeTree } from '../lib/scratch.js';
import { summarize } from '../lib/stats.js';

interface Case { label: string; layer: LayerBlob }

function cases(ctx: BenchContext): Case[] {
  const mb = (l: LayerBlob): string => `${(l.size / 1024 ** 2).toFixed(0)} MB gz / ${(l.uncompressedSize / 1024 ** 2).toFixed(0)} MB`;
  const out: Case[] = [];
  const small = ctx.corpus.images.smallfiles?.layers[1];
  if (small) out.push({ label: `smallfiles layer (40,000 files, ${mb(small)})`, layer: small });
  const deb = ctx.corpus.images.debian?.layers[0];
  if (deb) out.push({ label: `debian layer (${mb(deb)})`, layer: deb });
  const big = ctx.corpus.images.large?.layers[1];
  if (big) out.push({ label: `large image, /usr/lib layer (${mb(big)})`, layer: big });
  return out;
}

async function measureCase(ctx: BenchContext, c: Case, driver: string, hullOk: boolean): Promise<{ figures: Figure[]; ratios: Ratio[] }> {
  const layout = freshDir('run', 'unpack-layout');
  writeLayout(layout, { cmd: ['/bin/sh'], layers: [adoptLayer(layout, c.layer)] });
  const into = async (name: string, fn: (dest: string) => Promise<number>): Promise<number> => {
    const dir = freshDir('run', 'unpack', name);
    try { return await fn(join(dir, 'out')); } finally { await removeTree(dir); }
  };
  const sides: Side[] = [];
  if (hullOk) sides.push({ name: 'hull applyLayer', measure: () => into('hull', (d) => timeOk(process.execPath, [driver, c.layer.path, d])) });
  sides.push({ name: 'GNU tar -xzf (floor)', measure: () => into('tar', async (d) => { await run('mkdir', ['-p', d]); return timeOk('tar', ['-xzf', c.layer.path, '-C', d]); }) });
  sides.push({ name: 'umoci unpack', measure: () => into('umoci', (d) => timeOk('umoci', ['unpack', '--image', `${layout}:latest`, d])) });
  const res = await interleave(sides, { warmups: 0, iterations: ctx.n(3, 2), onProgress: ctx.log });
  const figures: Figure[] = res.map((r) => ({ case: c.label, subject: r.name, unit: 'ms', stats: summarize(r.samples), load1: r.load1 }));
  if (!hullOk) figures.unshift({ case: c.label, subject: 'hull applyLayer', unit: 'ms', missing: 'not yet — hull archive.applyLayer missing' });
  const hull = hullOk ? figures[0] : undefined;
  await removeTree(layout);
  return {
    figures,
    ratios: [
      { case: c.label, vs: 'GNU tar', value: ratioOf(hull, figures.find((f) => f.subject.startsWith('GNU'))), target: 1.5, why: 'within 1.5× of tar, with the safety checks' },
      { case: c.label, vs: 'umoci', value: ratioOf(hull, figures.find((f) => f.subject.startsWith('umoci'))), target: 1.0, why: 'at least as fast as umoci' },
    ],
  };
}

export const unpack: Scenario = {
  name: 'unpack',
  title: 'Layer unpack into an empty directory',
  async run(ctx) {
    const driver = join(ctx.repo, 'dist/bench/drivers/unpack.js');
    const probe = freshDir('run', 'unpack-probe');
    const busybox = ctx.corpus.images.busybox?.layers[0];
    const hullOk = existsSync(driver) && busybox !== undefined && (await run(process.execPath, [driver, busybox.path, join(probe, 'out')])).code === 0;
    await removeTree(probe);
    const figures: Figure[] = [];
    const ratios: Ratio[] = [];
    for (const c of cases(ctx)) {
      ctx.log(` ${c.label}`);
      const r = await measureCase(ctx, c, driver, hullOk);
      figures.push(...r.figures);
      ratios.push(...r.ratios);
    }
    return {
      figures, ratios,
      bound: 'gunzip (one core, ~150–250 MB/s) and sha256 of the tar stream for the diffID; then one create+write+close (+chown, chmod, utimes) per file — the smallfiles layer is bound by those metadata syscalls on ext4, the large layer by bytes.',
      notes: ['hull is timed as a separate `node` process (≈50 ms of start-up included), like tar and umoci. umoci also computes an mtree manifest of the unpacked tree.'],
    };
  },
};
