/**
 * Listing with 100 entries (30 with --quick): `hull ps -a` with 100 created containers and `hull images` with 100
 * images (busybox imported 100 times with a distinct label, so 100 image IDs), vs podman.
 * The stores are filled with up to 4 commands at once (not timed).
 */
import { interleave, type Side } from '../lib/ab.js';
import type { BenchContext, Scenario } from '../lib/context.js';
import type { Store } from '../lib/hull.js';
import { hullGetImage, hullNetworkNone, podmanGetImage, podmanOk } from '../lib/images.js';
import { timeOk } from '../lib/proc.js';
import { notYet, ratioOf, type Figure, type Ratio } from '../lib/result.js';
import { summarize } from '../lib/stats.js';


async function parallel(n: number, width: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => { while (next < n) await fn(next++); }));
}

async function fillHull(ctx: BenchContext, store: Store, ref: string, layer: string, hasCreate: boolean, COUNT: number): Promise<void> {
  const none = await hullNetworkNone(ctx);
  if (hasCreate) await parallel(COUNT, 4, (i) => ctx.hull.runOk(store, ['create', '--name', `c${i}`, ...none, ref, 'true']));
  await parallel(COUNT, 4, (i) => ctx.hull.runOk(store, ['import', '-c', `LABEL n=${i}`, layer, `bench/img${i}:latest`], { quiet: true }));
}

async function fillPodman(ctx: BenchContext, store: Store, ref: string, layer: string, COUNT: number): Promise<void> {
  await parallel(COUNT, 4, (i) => podmanOk(ctx, store, ['create', '--name', `c${i}`, '--network', 'none', ref, 'true'], { quiet: true }));
  await parallel(COUNT, 4, (i) => podmanOk(ctx, store, ['import', '-q', '--change', `LABEL n=${i}`, layer, `bench/img${i}:latest`], { quiet: true }));
}

export const list: Scenario = {
  name: 'list',
  title: 'hull ps / hull images with 100 containers and 100 images',
  async run(ctx) {
    const COUNT = ctx.n(100, 30);
    const layer = ctx.corpus.images.busybox?.layers[0]?.path as string;
    const hs = ctx.freshStore('list-hull');
    const ps = ctx.freshStore('list-podman');
    const hasCreate = await ctx.hull.has('create');
    const { ref } = await hullGetImage(ctx, hs, 'busybox');
    const pref = await podmanGetImage(ctx, ps, 'busybox');
    ctx.log(`  creating ${COUNT} containers and ${COUNT} images in each store`);
    await fillHull(ctx, hs, ref, layer, hasCreate, COUNT);
    await fillPodman(ctx, ps, pref, layer, COUNT);
    const figures: Figure[] = [];
    const ratios: Ratio[] = [];
    const cases: { name: string; hull: string[]; podman: string[]; ok: boolean }[] = [
      { name: `ps -a (${COUNT} containers)`, hull: ['ps', '-a'], podman: ['ps', '-a'], ok: hasCreate && (await ctx.hull.has('ps')) },
      { name: `images (${COUNT + 1} images)`, hull: ['images'], podman: ['images'], ok: await ctx.hull.has('images') },
    ];
    for (const c of cases) {
      const sides: Side[] = [];
      if (c.ok) { const [hc, ...ha] = ctx.hull.argv(hs, ...c.hull); sides.push({ name: 'hull', measure: () => timeOk(hc as string, ha, { quiet: true }) }); }
      const [pc, ...pa] = ctx.peers.podman(ps, ...c.podman);
      sides.push({ name: 'podman', measure: () => timeOk(pc as string, pa, { env: ctx.peers.env, quiet: true }) });
      const res = await interleave(sides, { warmups: 1, iterations: ctx.n(10, 5), onProgress: ctx.log });
      const figs: Figure[] = res.map((r) => ({ case: c.name, subject: r.name, unit: 'ms', stats: summarize(r.samples), load1: r.load1 }));
      if (!c.ok) figs.unshift({ case: c.name, subject: 'hull', unit: 'ms', missing: notYet(c.hull[0] === 'ps' ? 'create' : 'images') });
      figures.push(...figs);
      ratios.push({ case: c.name, vs: 'podman', value: ratioOf(c.ok ? figs[0] : undefined, figs.find((f) => f.subject === 'podman')), target: 1.0, why: 'at least as fast as podman' });
    }
    await ctx.hull.run(hs, ['rm', '-f', ...Array.from({ length: COUNT }, (_, i) => `c${i}`)]);
    await ctx.dropStore(hs);
    await ctx.dropStore(ps);
    return {
      figures, ratios,
      bound: 'Process start-up (Node ~50–60 ms vs Go) plus reading the records: hull reads one JSON file per container and reconciles each with `runc state`/the exit file; podman reads its BoltDB and containers/storage JSON.',
      notes: ['Containers are created (not started), so reconciliation finds them all in "created".', 'podman images computes each image\'s size from its layers; the 100 imports are 100 separate layers in containers/storage.', ...(ctx.quick ? ['Quick run: 30 containers and 30 images instead of 100.'] : [])],
    };
  },
};
