/**
 * Cold pull (issue 4): an empty store pulls an image from the reference registry (docker-registry
 * on 127.0.0.1) — a large multi-layer image (debian on --quick, which has no large image) and the
 * many-small-files image, plus busybox. Peers that also unpack: podman pull and skopeo copy into
 * containers-storage (a private overlay store configured as podman's). Target: at least as fast
 * as both. skopeo copy to an OCI layout (fetch and verify only, no unpack) is kept as information.
 */
import { dirname, join } from 'node:path';
import { interleave, type Side } from '../lib/ab.js';
import { refOf, type BenchContext, type Scenario } from '../lib/context.js';
import type { Store } from '../lib/hull.js';
import { hullInsecureFlags } from '../lib/images.js';
import { removeTree } from '../lib/scratch.js';
import { timeOk } from '../lib/proc.js';
import { compare, figureOf, notYet, type Figure, type Target } from '../lib/result.js';
import { summarize } from '../lib/stats.js';
import type { ImageName } from '../corpus/corpus.js';
import { mbOf } from './sizes.js';

const SKOPEO_STORAGE = 'skopeo copy → containers-storage';
const SKOPEO_LAYOUT = 'skopeo copy → oci layout (fetch only)';

/** Iterations per image: the big ones take tens of seconds per side. */
function iterations(ctx: BenchContext, image: ImageName): number {
  if (image === 'busybox') return ctx.n(5, 2);
  if (image === 'debian') return ctx.n(3, 1);
  return ctx.n(2, 1);
}

async function measureImage(ctx: BenchContext, image: ImageName, hasPull: boolean): Promise<{ figures: Figure[]; targets: Target[] }> {
  const ref = refOf(ctx, image);
  const label = `${image} (${mbOf(ctx, image)})`;
  const hullFlags = await hullInsecureFlags(ctx, 'pull');
  const coldSide = (name: string, pull: (store: Store) => Promise<number>): Side => ({
    name,
    measure: async () => {
      const store = ctx.freshStore(`pull-${name.split(' ')[0] ?? 'x'}`);
      try { return await pull(store); } finally { await ctx.dropStore(store); }
    },
  });
  const sides: Side[] = [];
  if (hasPull) sides.push(coldSide('hull', (s) => { const [c, ...a] = ctx.hull.argv(s, 'pull', ...hullFlags, ref); return timeOk(c as string, a, { quiet: true, timeoutMs: 900_000 }); }));
  sides.push(coldSide('podman', (s) => { const [c, ...a] = ctx.peers.podman(s, 'pull', '-q', '--tls-verify=false', ref); return timeOk(c as string, a, { env: ctx.peers.env, quiet: true, timeoutMs: 900_000 }); }));
  sides.push(coldSide(SKOPEO_STORAGE, (s) => timeOk('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${ref}`, ctx.peers.storageRef(s, ref)], { env: ctx.peers.env, quiet: true, timeoutMs: 900_000 })));
  sides.push(coldSide(SKOPEO_LAYOUT, (s) => timeOk('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${ref}`, `oci:${join(dirname(s.root), 'layout')}:latest`], { env: ctx.peers.env, quiet: true, timeoutMs: 900_000 })));
  const res = await interleave(sides, { warmups: image === 'busybox' && !ctx.quick ? 1 : 0, iterations: iterations(ctx, image), onProgress: ctx.log });
  const figures: Figure[] = res.map((r) => ({ case: label, subject: r.name, unit: 'ms', stats: summarize(r.samples), load1: r.load1 }));
  if (!hasPull) figures.unshift({ case: label, subject: 'hull', unit: 'ms', missing: notYet('pull') });
  const hull = figureOf(figures, label, 'hull');
  return {
    figures,
    targets: [
      compare(label, 'podman pull', hull, figureOf(figures, label, 'podman'), 1.0, 'issue 4: at least as fast as podman'),
      compare(label, 'skopeo → containers-storage', hull, figureOf(figures, label, SKOPEO_STORAGE), 1.0, 'issue 4: at least as fast as skopeo copy'),
      compare(label, 'skopeo → oci layout (fetch only)', hull, figureOf(figures, label, SKOPEO_LAYOUT), undefined, 'does not unpack: the fetch-and-verify floor'),
    ],
  };
}

export const pull: Scenario = {
  name: 'pull',
  title: 'Cold pull from the local registry',
  async run(ctx) {
    const hasPull = await ctx.hull.has('pull');
    const images: ImageName[] = ['busybox', ...(ctx.corpus.images.large ? ['large' as const] : ['debian' as const]), 'smallfiles'];
    const figures: Figure[] = [];
    const targets: Target[] = [];
    for (const image of images) {
      ctx.log(` ${image}`);
      const r = await measureImage(ctx, image, hasPull);
      figures.push(...r.figures);
      targets.push(...r.targets);
    }
    await removeTree(join(ctx.scratch, 'stores'));
    return {
      figures, targets,
      bound: 'Loopback HTTP is nearly free, so a pull is bound by gunzip + sha256 of each layer (one core each, ~150–250 MB/s of output) and then by creating the files of the unpacked layer (smallfiles: 40,000 files, metadata syscalls; large: bytes). podman and skopeo → containers-storage first stage each compressed blob in a temporary file, then apply it to an overlay layer; the oci-layout copy only writes the compressed blobs (no gunzip, no files), which is why it has no target.',
      notes: [
        'Each iteration starts from an empty store; deleting it is not timed. The registry\'s files are in the page cache for every side alike.',
        'skopeo → containers-storage writes into a private store with the same driver and options as the podman peer: `containers-storage:[overlay@ROOT+RUNROOT]REF`, with the bench\'s storage.conf and containers.conf; its temporary files, like podman\'s, go to the bench filesystem (TMPDIR).',
        'The large multi-layer image is `large` (4 layers) on a full run; --quick has no large image and pulls debian (1 layer, 61 MB gz) instead.',
      ],
    };
  },
};
