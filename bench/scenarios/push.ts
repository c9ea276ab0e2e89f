/**
 * Push (issue 4) to a fresh, empty docker-registry: a large multi-layer image (debian on --quick,
 * which has no large image), the many-small-files image and busybox. hull push vs podman push
 * and skopeo copy from the same containers-storage store (both re-tar and re-compress each
 * layer from the overlay store). Target: at least as fast as both. skopeo copy from an OCI layout
 * (blobs already compressed: a plain upload) is kept as information, the floor.
 */
import { join } from 'node:path';
import { interleave, type Side } from '../lib/ab.js';
import type { BenchContext, Scenario } from '../lib/context.js';
import { hullGetImage, hullInsecureFlags, podmanGetImage } from '../lib/images.js';
import { timeOk } from '../lib/proc.js';
import { removeTree } from '../lib/scratch.js';
import { startDockerRegistry, type RunningRegistry } from '../lib/registries.js';
import { compare, figureOf, notYet, type Figure, type Target } from '../lib/result.js';
import { summarize } from '../lib/stats.js';
import type { ImageName } from '../corpus/corpus.js';
import { mbOf } from './sizes.js';

const SKOPEO_STORAGE = 'skopeo copy from containers-storage';
const SKOPEO_LAYOUT = 'skopeo copy from oci layout (floor)';

/** Times one push into a registry started for it alone (so no blob can be mounted or skipped). */
async function intoFreshRegistry(ctx: BenchContext, push: (host: string) => Promise<number>): Promise<number> {
  const dir = join(ctx.scratch, 'push-registry');
  await removeTree(dir);
  const target: RunningRegistry = await startDockerRegistry(dir);
  try { return await push(target.host); } finally { await target.stop(); }
}

function iterations(ctx: BenchContext, image: ImageName): number {
  if (image === 'busybox') return ctx.n(5, 2);
  if (image === 'debian') return ctx.n(3, 1);
  return ctx.n(2, 1);
}

async function measureImage(ctx: BenchContext, image: ImageName, hullReady: boolean): Promise<{ figures: Figure[]; targets: Target[] }> {
  const label = `${image} (${mbOf(ctx, image)})`;
  const layout = ctx.corpus.images[image]?.layout as string;
  const hs = ctx.freshStore('push-hull');
  const ps = ctx.freshStore('push-podman');
  const sides: Side[] = [];
  const dest = (host: string): string => `${host}/pushed/${image}:latest`;
  const quiet = { env: ctx.peers.env, quiet: true, timeoutMs: 900_000 };
  if (hullReady) {
    const { ref } = await hullGetImage(ctx, hs, image);
    const flags = await hullInsecureFlags(ctx, 'push');
    sides.push({ name: 'hull', measure: () => intoFreshRegistry(ctx, (host) => { const [c, ...a] = ctx.hull.argv(hs, 'push', ...flags, ref, dest(host)); return timeOk(c as string, a, { quiet: true, timeoutMs: 900_000 }); }) });
  }
  const pref = await podmanGetImage(ctx, ps, image);
  sides.push({ name: 'podman', measure: () => intoFreshRegistry(ctx, (host) => { const [c, ...a] = ctx.peers.podman(ps, 'push', '-q', '--tls-verify=false', pref, `docker://${dest(host)}`); return timeOk(c as string, a, quiet); }) });
  sides.push({ name: SKOPEO_STORAGE, measure: () => intoFreshRegistry(ctx, (host) => timeOk('skopeo', ['copy', '-q', '--dest-tls-verify=false', ctx.peers.storageRef(ps, pref), `docker://${dest(host)}`], quiet)) });
  sides.push({ name: SKOPEO_LAYOUT, measure: () => intoFreshRegistry(ctx, (host) => timeOk('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${layout}:latest`, `docker://${dest(host)}`], quiet)) });
  const res = await interleave(sides, { warmups: image === 'busybox' && !ctx.quick ? 1 : 0, iterations: iterations(ctx, image), onProgress: ctx.log });
  const figures: Figure[] = res.map((r) => ({ case: label, subject: r.name, unit: 'ms', stats: summarize(r.samples), load1: r.load1 }));
  if (!hullReady) figures.unshift({ case: label, subject: 'hull', unit: 'ms', missing: notYet('push') });
  const hull = figureOf(figures, label, 'hull');
  await ctx.dropStore(hs);
  await ctx.dropStore(ps);
  return {
    figures,
    targets: [
      compare(label, 'podman push', hull, figureOf(figures, label, 'podman'), 1.0, 'issue 4: at least as fast as podman'),
      compare(label, 'skopeo from containers-storage', hull, figureOf(figures, label, SKOPEO_STORAGE), 1.0, 'issue 4: at least as fast as skopeo copy'),
      compare(label, 'skopeo from oci layout (floor)', hull, figureOf(figures, label, SKOPEO_LAYOUT), undefined, 'a plain upload of compressed blobs'),
    ],
  };
}

export const push: Scenario = {
  name: 'push',
  title: 'Push to an empty repository',
  async run(ctx) {
    const hullReady = (await ctx.hull.has('push')) && (await ctx.hull.has('pull'));
    const images: ImageName[] = ['busybox', ...(ctx.corpus.images.large ? ['large' as const] : ['debian' as const]), 'smallfiles'];
    const figures: Figure[] = [];
    const targets: Target[] = [];
    for (const image of images) {
      ctx.log(` ${image}`);
      const r = await measureImage(ctx, image, hullReady);
      figures.push(...r.figures);
      targets.push(...r.targets);
    }
    return {
      figures, targets,
      bound: 'podman and skopeo from containers-storage keep layers unpacked, so each push re-tars the layer\'s files and gzips them (one core, ~20–40 MB/s; smallfiles: 40,000 files read) before sha256 + HTTP; an engine that kept the compressed blobs from the pull (as the oci-layout floor has them) only streams them: sha256 + loopback HTTP + the registry\'s writes.',
      notes: [
        'Each push goes to a docker-registry started for it alone (not timed), so no blob is already there and none can be cross-repository mounted.',
        'hull and podman pull the image from the reference registry first (not timed); skopeo copies from the podman peer\'s store: `containers-storage:[overlay@ROOT+RUNROOT]REF`.',
        'The large multi-layer image is `large` (4 layers) on a full run; --quick has no large image and pushes debian (1 layer, 61 MB gz) instead.',
        ...(hullReady ? [] : [`hull needs \`hull pull\` (to hold a multi-layer image) and \`hull push\`: ${notYet('push')}.`]),
      ],
    };
  },
};
