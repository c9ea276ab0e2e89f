/**
 * Listing (issue 6): `ps -a` with 100 created containers — target under 150 ms, an absolute
 * figure (podman's time beside it for information) — and `images` with 100 images (busybox
 * imported 100 times with a distinct label, so 100 image IDs; 30 with --quick), vs podman,
 * target at least as fast. The stores are filled with up to 4 commands at once (not timed).
 */
import { interleave, type Side } from '../lib/ab.js';
import type { BenchContext, Scenario } from '../lib/context.js';
import type { Store } from '../lib/hull.js';
import { hullGetImage, hullNetworkNone, podmanGetImage, podmanOk } from '../lib/images.js';
import { timeOk } from '../lib/proc.js';
import { absolute, compare, figureOf, notYet, type Figure, type Target } from '../lib/result.js';
import { summarize } from '../lib/stats.js';

/** ps is judged against an absolute limit for 100 containers, so even --quick creates 100. */
const CONTAINERS = 100;
const PS_LIMIT_MS = 150;

async function parallel(n: number, width: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => { while (next < n) await fn(next++); }));
}

async function fillHull(ctx: BenchContext, store: Store, ref: string, layer: string, hasCreate: boolean, images: number): Promise<void> {
  const none = await hullNetworkNone(ctx);
  if (hasCreate) await parallel(CONTAINERS, 4, (i) => ctx.hull.runOk(store, ['create', '--name', `c${i}`, ...none, ref, 'true']));
  await parallel(images, 4, (i) => ctx.hull.runOk(store, ['import', '-c', `LABEL n=${i}`, layer, `bench/img${i}:latest`], { quiet: true }));
}

async function fillPodman(ctx: BenchContext, store: Store, ref: string, layer: string, images: number): Promise<void> {
  await parallel(CONTAINERS, 4, (i) => podmanOk(ctx, store, ['create', '--name', `c${i}`, '--network', 'none', ref, 'true'], { quiet: true }));
  await parallel(images, 4, (i) => podmanOk(ctx, store, ['import', '-q', '--change', `LABEL n=${i}`, layer, `bench/img${i}:latest`], { quiet: true }));
}

export const list: Scenario = {
  name: 'list',
  title: 'hull ps / hull images with 100 containers and 100 images',
  async run(ctx) {
    const IMAGES = ctx.n(100, 30);
    const layer = ctx.corpus.images.busybox?.layers[0]?.path as string;
    const hs = ctx.freshStore('list-hull');
    const ps = ctx.freshStore('list-podman');
    const hasCreate = await ctx.hull.has('create');
    const { ref } = await hullGetImage(ctx, hs, 'busybox');
    const pref = await podmanGetImage(ctx, ps, 'busybox');
    ctx.log(`  creating ${CONTAINERS} containers and ${IMAGES} images in each store`);
    await fillHull(ctx, hs, ref, layer, hasCreate, IMAGES);
    await fillPodman(ctx, ps, pref, layer, IMAGES);
    const figures: Figure[] = [];
    const psCase = `ps -a (${CONTAINERS} containers)`;
    const imagesCase = `images (${IMAGES + 1} images)`;
    const cases: { name: string; hull: string[]; podman: string[]; ok: boolean }[] = [
      { name: psCase, hull: ['ps', '-a'], podman: ['ps', '-a'], ok: hasCreate && (await ctx.hull.has('ps')) },
      { name: imagesCase, hull: ['images'], podman: ['images'], ok: await ctx.hull.has('images') },
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
    }
    await ctx.hull.run(hs, ['rm', '-f', ...Array.from({ length: CONTAINERS }, (_, i) => `c${i}`)]);
    await ctx.dropStore(hs);
    await ctx.dropStore(ps);
    const hullPs = figureOf(figures, psCase, 'hull');
    const targets: Target[] = [
      absolute(psCase, 'a fixed limit', hullPs?.stats?.median, 'ms', PS_LIMIT_MS, `issue 6: ps with 100 containers under ${PS_LIMIT_MS} ms`, 'hull median wall time of `ps -a`, CLI start-up included', hullPs?.missing),
      compare(psCase, 'podman', hullPs, figureOf(figures, psCase, 'podman'), undefined, 'podman\'s time, for information'),
      compare(imagesCase, 'podman', figureOf(figures, imagesCase, 'hull'), figureOf(figures, imagesCase, 'podman'), 1.0, 'issue 6: at least as fast as podman'),
    ];
    return {
      figures, targets,
      bound: 'Process start-up (Node ~50–60 ms vs Go) plus reading the records: hull reads one JSON file per container and reconciles each with `runc state`/the exit file; podman reads its BoltDB and containers/storage JSON.',
      notes: [
        'Containers are created (not started), so reconciliation finds them all in "created"; `ps -a` lists them all (plain `ps` shows only running ones).',
        'The 150 ms limit is wall time from exec to exit of the whole command, as a user sees it, on this 2-core machine.',
        'podman images computes each image\'s size from its layers; the imports are separate layers in containers/storage.',
        ...(ctx.quick ? ['Quick run: 100 containers as always (the ps limit is for 100), but 30 images instead of 100.'] : []),
      ],
    };
  },
};
