/**
 * Push to a fresh, empty docker-registry: hull push vs podman push (from its
 * overlay store: it re-tars and re-compresses each layer) and skopeo copy from an OCI layout
 * (blobs already compressed: the upload floor).
 */
import { join } from 'node:path';
import { interleave, type Side } from '../lib/ab.js';
import type { BenchContext, Scenario } from '../lib/context.js';
import { hullGetImage, hullInsecureFlags, podmanGetImage } from '../lib/images.js';
import { timeOk } from '../lib/proc.js';
import { removeTree } from '../lib/scratch.js';
import { startDockerRegistry, type RunningRegistry } from '../lib/registries.js';
import { notYet, ratioOf, type Figure, type Ratio } from '../lib/result.js';
import { summarize } from '../lib/stats.js';
import type { ImageName } from '../corpus/corpus.js';
import { mbOf } from './sizes.js';

/** Times one push into a registry started for it alone (so no blob can be mounted or skipped). */
async function intoFreshRegistry(ctx: BenchContext, push: (host: string) => Promise<number>): Promise<number> {
  const dir = join(ctx.scratch, 'push-registry');
  await removeTree(dir);
  const target: RunningRegistry = await startDockerRegistry(dir);
  try { return await push(target.host); } finally { await target.stop(); }
}

async function measureImage(ctx: BenchContext, image: ImageName, hullReady: boolean): Promise<{ figures: Figure[]; ratios: Ratio[] }> {
  const label = `${image} (${mbOf(ctx, image)})`;
  const layout = ctx.corpus.images[image]?.layout as string;
  const hs = ctx.freshStore('push-hull');
  const ps = ctx.freshStore('push-podman');
  const sides: Side[] = [];
  const dest = (host: string): string => `${host}/pushed/${image}:latest`;
  if (hullReady) {
    const { ref } = await hullGetImage(ctx, hs, image);
    const flags = await hullInsecureFlags(ctx, 'push');
    sides.push({ name: 'hull', measure: () => intoFreshRegistry(ctx, (host) => { const [c, ...a] = ctx.hull.argv(hs, 'push', ...flags, ref, dest(host)); return timeOk(c as string, a, { quiet: true, timeoutMs: 900_000 }); }) });
  }
  const pref = await podmanGetImage(ctx, ps, image);
  sides.push({ name: 'podman', measure: () => intoFreshRegistry(ctx, (host) => { const [c, ...a] = ctx.peers.podman(ps, 'push', '-q', '--tls-verify=false', pref, `docker://${dest(host)}`); return timeOk(c as string, a, { env: ctx.peers.env, quiet: true, timeoutMs: 900_000 }); }) });
  sides.push({ name: 'skopeo', measure: () => intoFreshRegistry(ctx, (host) => timeOk('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${layout}:latest`, `docker://${dest(host)}`], { env: ctx.peers.env, quiet: true, timeoutMs: 900_000 })) });
  const big = image === 'large';
  const heavy = image !== 'busybox';
  const res = await interleave(sides, { warmups: heavy || ctx.quick ? 0 : 1, iterations: ctx.n(big ? 2 : heavy ? 3 : 5, 2), onProgress: ctx.log });
  const figures: Figure[] = res.map((r) => ({ case: label, subject: r.name === 'skopeo' ? 'skopeo copy from oci layout (floor)' : r.name, unit: 'ms', stats: summarize(r.samples), load1: r.load1 }));
  if (!hullReady) figures.unshift({ case: label, subject: 'hull', unit: 'ms', missing: notYet('push') });
  const hull = hullReady ? figures[0] : undefined;
  await ctx.dropStore(hs);
  await ctx.dropStore(ps);
  return {
    figures,
    ratios: [
      { case: label, vs: 'podman push', value: ratioOf(hull, figures.find((f) => f.subject === 'podman')), target: 1.0, why: 'at least as fast as podman' },
      { case: label, vs: 'skopeo (floor)', value: ratioOf(hull, figures.find((f) => f.subject.startsWith('skopeo'))), target: 1.5, why: 'close to a plain blob copy' },
    ],
  };
}

export const push: Scenario = {
  name: 'push',
  title: 'Push to an empty repository',
  async run(ctx) {
    const hullReady = (await ctx.hull.has('push')) && (await ctx.hull.has('pull'));
    const images: ImageName[] = ctx.quick ? ['busybox', 'debian'] : ['busybox', 'debian', 'smallfiles', ...(ctx.corpus.images.large ? ['large' as const] : [])];
    const figures: Figure[] = [];
    const ratios: Ratio[] = [];
    for (const image of images) {
      ctx.log(` ${image}`);
      const r = await measureImage(ctx, image, hullReady);
      figures.push(...r.figures);
      ratios.push(...r.ratios);
    }
    return {
      figures, ratios,
      bound: 'skopeo from a layout only streams compressed blobs (sha256 + HTTP); an engine that keeps layers unpacked must re-tar and gzip them (one core, ~20–40 MB/s), unless it kept the compressed blobs from the pull.',
      notes: [
        'Each push goes to a docker-registry started for it alone (not timed), so no blob is already there and none can be cross-repository mounted.',
        ...(hullReady ? [] : [`hull needs \`hull pull\` (to hold a multi-layer image) and \`hull push\`: ${notYet('push')}.`]),
      ],
    };
  },
};
