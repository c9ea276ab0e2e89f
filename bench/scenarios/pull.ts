/**
 * Cold pull: an empty store pulls an image from the reference registry (docker-registry on
 * 127.0.0.1). hull pull vs podman pull (fetch + unpack into overlay storage) and vs skopeo copy to
 * an OCI layout (fetch only, no unpack: the network-and-verify floor).
 */
import { join } from 'node:path';
import { interleave, type Side } from '../lib/ab.js';
import { refOf, type BenchContext, type Scenario } from '../lib/context.js';
import { hullInsecureFlags } from '../lib/images.js';
import { removeTree } from '../lib/scratch.js';
import { timeOk } from '../lib/proc.js';
import { notYet, ratioOf, type Figure, type Ratio } from '../lib/result.js';
import { summarize } from '../lib/stats.js';
import type { ImageName } from '../corpus/corpus.js';
import { mbOf } from './sizes.js';

async function measureImage(ctx: BenchContext, image: ImageName, hasPull: boolean): Promise<{ figures: Figure[]; ratios: Ratio[] }> {
  const ref = refOf(ctx, image);
  const label = `${image} (${mbOf(ctx, image)})`;
  const hullFlags = await hullInsecureFlags(ctx, 'pull');
  let seq = 0;
  const coldSide = (name: string, pull: (dir: string) => Promise<number>): Side => ({
    name,
    measure: async () => {
      const store = ctx.freshStore(`pull-${name}`);
      try { return await pull(join(store.root, '..')); } finally { await ctx.dropStore(store); }
    },
  });
  const sides: Side[] = [];
  if (hasPull) sides.push(coldSide('hull', (dir) => { const [c, ...a] = ctx.hull.argv({ root: join(dir, 'root'), runroot: join(dir, 'runroot') }, 'pull', ...hullFlags, ref); return timeOk(c as string, a, { quiet: true, timeoutMs: 900_000 }); }));
  sides.push(coldSide('podman', (dir) => { const [c, ...a] = ctx.peers.podman({ root: join(dir, 'root'), runroot: join(dir, 'runroot') }, 'pull', '-q', '--tls-verify=false', ref); return timeOk(c as string, a, { env: ctx.peers.env, quiet: true, timeoutMs: 900_000 }); }));
  sides.push(coldSide('skopeo', (dir) => timeOk('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${ref}`, `oci:${join(dir, `layout-${seq++}`)}:latest`], { env: ctx.peers.env, quiet: true, timeoutMs: 900_000 })));
  const big = image === 'large';
  const heavy = image !== 'busybox';
  const res = await interleave(sides, { warmups: heavy || ctx.quick ? 0 : 1, iterations: ctx.n(big ? 2 : heavy ? 3 : 5, 2), onProgress: ctx.log });
  const figures: Figure[] = res.map((r) => ({ case: label, subject: r.name === 'skopeo' ? 'skopeo copy → oci layout (fetch only)' : r.name, unit: 'ms', stats: summarize(r.samples), load1: r.load1 }));
  const hull = hasPull ? figures[0] : undefined;
  if (!hasPull) figures.unshift({ case: label, subject: 'hull', unit: 'ms', missing: notYet('pull') });
  const podman = figures.find((f) => f.subject === 'podman');
  const skopeo = figures.find((f) => f.subject.startsWith('skopeo'));
  return {
    figures,
    ratios: [
      { case: label, vs: 'podman pull', value: ratioOf(hull, podman), target: 1.0, why: 'at least as fast as podman' },
      { case: label, vs: 'skopeo (fetch only)', value: ratioOf(hull, skopeo), target: 2.0, why: 'unpacking costs at most as much as fetching' },
    ],
  };
}

export const pull: Scenario = {
  name: 'pull',
  title: 'Cold pull from the local registry',
  async run(ctx) {
    const hasPull = await ctx.hull.has('pull');
    const images: ImageName[] = ['busybox', 'debian', 'smallfiles', ...(ctx.corpus.images.large ? ['large' as const] : [])];
    const figures: Figure[] = [];
    const ratios: Ratio[] = [];
    for (const image of images) {
      ctx.log(` ${image}`);
      const r = await measureImage(ctx, image, hasPull);
      figures.push(...r.figures);
      ratios.push(...r.ratios);
    }
    await removeTree(join(ctx.scratch, 'stores'));
    return {
      figures, ratios,
      bound: 'Loopback HTTP is nearly free, so a pull is bound by gunzip + sha256 of each layer (one core each) and, for podman and hull, by creating the files of the unpacked layer (smallfiles: metadata-bound; large: bytes-bound).',
      notes: ['Each iteration starts from an empty store; deleting it is not timed. The registry\'s files are in the page cache for every side alike.'],
    };
  },
};
