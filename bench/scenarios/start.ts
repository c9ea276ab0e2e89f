/**
 * Container start: `hull run --rm IMAGE true` against `podman run --rm --network none` and against
 * bare `runc run` of a prepared bundle (the floor: no image store, no mounts, no monitor).
 * Both with `--network none` (before hull had networks, its only mode was exactly that).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBusyboxRootfs } from '../../src/testing/busybox.js';
import { interleave, type Side } from '../lib/ab.js';
import type { BenchContext, Scenario } from '../lib/context.js';
import { hullGetImage, hullNetworkNone, podmanGetImage } from '../lib/images.js';
import { runOk, timeOk } from '../lib/proc.js';
import { ratioOf, type Figure } from '../lib/result.js';
import { summarize } from '../lib/stats.js';

async function runcBundle(dir: string): Promise<string> {
  buildBusyboxRootfs(join(dir, 'rootfs'));
  await runOk('runc', ['spec', '--bundle', dir]);
  const file = join(dir, 'config.json');
  const spec = JSON.parse(readFileSync(file, 'utf8')) as { process: { terminal: boolean; args: string[] } };
  spec.process.terminal = false;
  spec.process.args = ['true'];
  writeFileSync(file, JSON.stringify(spec));
  return dir;
}

export const start: Scenario = {
  name: 'start',
  title: 'Container start: run --rm busybox true',
  async run(ctx: BenchContext) {
    const hs = ctx.freshStore('start-hull');
    const ps = ctx.freshStore('start-podman');
    const hullImage = await hullGetImage(ctx, hs, 'busybox');
    const podmanRef = await podmanGetImage(ctx, ps, 'busybox');
    const bundle = await runcBundle(join(ctx.scratch, 'runc-bundle'));
    const runcRoot = join(ctx.scratch, 'runc-state');
    mkdirSync(runcRoot, { recursive: true });
    const netFlag = await hullNetworkNone(ctx);
    let seq = 0;
    const [pc, ...pargs] = ctx.peers.podman(ps, 'run', '--rm', '--network', 'none', podmanRef, 'true');
    const [hc, ...hargs] = ctx.hull.argv(hs, 'run', '--rm', ...netFlag, hullImage.ref, 'true');
    const sides: Side[] = [
      { name: 'hull', measure: () => timeOk(hc as string, hargs) },
      { name: 'podman', measure: () => timeOk(pc as string, pargs, { env: ctx.peers.env }) },
      { name: 'runc', measure: () => timeOk('runc', ['--root', runcRoot, 'run', '-b', bundle, `bench-${process.pid}-${seq++}`]) },
      { name: 'hull version', measure: () => { const [c, ...a] = ctx.hull.argv(hs, 'version'); return timeOk(c as string, a, { quiet: true }); } },
    ];
    const res = await interleave(sides, { warmups: ctx.n(2, 1), iterations: ctx.n(15, 8), onProgress: ctx.log });
    const subjects: Record<string, string> = { runc: 'runc run (bundle, floor)', 'hull version': 'hull version (CLI start-up alone, for reference)' };
    const figures: Figure[] = res.map((r) => ({ case: 'busybox true', subject: subjects[r.name] ?? r.name, unit: 'ms', stats: summarize(r.samples), load1: r.load1 }));
    const [h, p, f] = figures;
    await ctx.dropStore(hs);
    await ctx.dropStore(ps);
    return {
      figures,
      ratios: [
        { case: 'busybox true', vs: 'podman', value: ratioOf(h, p), target: 1.0, why: 'at least as fast as podman' },
        { case: 'busybox true', vs: 'runc (floor)', value: ratioOf(h, f), target: 3.0, why: 'within 3× the bare runtime' },
      ],
      bound: 'Process start-ups: Node (~50–60 ms) for hull vs Go for podman, then runc create/start (namespaces, pivot_root), the conmon monitor, the overlay mount; the floor is runc alone.',
      notes: [`hull image: ${hullImage.how}; podman image: pulled from the reference registry.`],
    };
  },
};
