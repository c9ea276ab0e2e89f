/**
 * Memory per idle detached container: N containers running `sleep 3600`, started with
 * `hull run -d --network none` and `podman run -d --network none`; memory = PSS of every process left behind for
 * them (the monitor — conmon for both — and the container's processes), divided by N.
 */
import { interleave, type Side } from '../lib/ab.js';
import type { BenchContext, Scenario } from '../lib/context.js';
import type { Store } from '../lib/hull.js';
import { hullGetImage, hullNetworkNone, podmanGetImage, podmanOk } from '../lib/images.js';
import { groupMemory, processTree } from '../lib/procmem.js';
import { ratioOf, type Figure } from '../lib/result.js';
import { summarize } from '../lib/stats.js';

const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function measureGroup(store: Store, n: number, startOne: () => Promise<string>, removeAll: (ids: string[]) => Promise<unknown>, seen: Set<string>): Promise<number> {
  const ids: string[] = [];
  try {
    for (let i = 0; i < n; i++) ids.push(await startOne());
    await settle(2000);
    const mem = groupMemory(processTree([store.root, store.runroot]));
    for (const c of mem.commands) seen.add(c);
    return mem.pssMiB / n;
  } finally {
    if (ids.length > 0) await removeAll(ids);
  }
}

export const idleMemory: Scenario = {
  name: 'idle-memory',
  title: 'Memory per idle detached container',
  async run(ctx: BenchContext) {
    const n = ctx.n(10, 5);
    const hullDetach = (await ctx.hull.help('run')).includes('--detach');
    const hs = ctx.freshStore('mem-hull');
    const ps = ctx.freshStore('mem-podman');
    const caseName = `${n} × busybox sleep 3600`;
    const seen = { hull: new Set<string>(), podman: new Set<string>() };
    const sides: Side[] = [];
    if (hullDetach) {
      const { ref } = await hullGetImage(ctx, hs, 'busybox');
      const none = await hullNetworkNone(ctx);
      sides.push({ name: 'hull', measure: () => measureGroup(hs, n, async () => (await ctx.hull.runOk(hs, ['run', '-d', ...none, ref, 'sleep', '3600'])).stdout.trim(), (ids) => ctx.hull.run(hs, ['rm', '-f', ...ids]), seen.hull) });
    }
    const pref = await podmanGetImage(ctx, ps, 'busybox');
    sides.push({ name: 'podman', measure: () => measureGroup(ps, n, async () => (await podmanOk(ctx, ps, ['run', '-d', '--network', 'none', pref, 'sleep', '3600'])).stdout.trim(), (ids) => podmanOk(ctx, ps, ['rm', '-f', '-t', '0', ...ids]), seen.podman) });
    const res = await interleave(sides, { warmups: 0, iterations: ctx.n(3, 1), onProgress: ctx.log });
    const figures: Figure[] = res.map((r) => ({ case: caseName, subject: r.name, unit: 'MB', stats: summarize(r.samples), load1: r.load1, extra: `processes: ${[...(r.name === 'hull' ? seen.hull : seen.podman)].join(', ')}` }));
    if (!hullDetach) figures.unshift({ case: caseName, subject: 'hull', unit: 'MB', missing: 'not yet — `hull run -d` missing' });
    await ctx.dropStore(hs);
    await ctx.dropStore(ps);
    const hull = figures.find((f) => f.subject === 'hull');
    const podman = figures.find((f) => f.subject === 'podman');
    return {
      figures,
      ratios: [{ case: caseName, vs: 'podman + conmon', value: ratioOf(hull, podman), target: 1.0, why: 'no more memory than podman' }],
      bound: 'What stays resident per container: the monitor (conmon, ~1 MB private) and the container\'s own processes; any per-container Node process would add ~40 MB. Kernel memory (cgroups, overlay mounts) is not counted.',
      notes: ['Memory is the PSS sum of the processes whose command line names the store (the monitors) and their descendants, 2 s after the last start, divided by the number of containers.'],
    };
  },
};
