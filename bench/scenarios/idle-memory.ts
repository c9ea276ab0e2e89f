/**
 * Memory per idle detached container (issue 6): N containers running `sleep 3600`, started with
 * `hull run -d --network none` and `podman run -d --network none`. Two figures per side, both PSS
 * divided by N:
 *   monitor   the processes left behind whose command line names the store — the per-container
 *             monitor (conmon for podman; for hull whatever it leaves, which is conmon too);
 *   total     those plus their descendants (the container's own processes).
 * Target: hull's monitor no bigger than podman's conmon. The total is shown for information.
 */
import { interleave, type Side } from '../lib/ab.js';
import type { BenchContext, Scenario } from '../lib/context.js';
import type { Store } from '../lib/hull.js';
import { hullGetImage, hullNetworkNone, podmanGetImage, podmanOk } from '../lib/images.js';
import { groupMemory, processTree, processesNaming } from '../lib/procmem.js';
import { compare, figureOf, type Figure } from '../lib/result.js';
import { summarize } from '../lib/stats.js';

const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Seen { monitor: number[]; monitorCommands: Set<string>; commands: Set<string> }

/** Starts n containers, measures, removes them; returns the total per container (MiB PSS). */
async function measureGroup(store: Store, n: number, startOne: () => Promise<string>, removeAll: (ids: string[]) => Promise<unknown>, seen: Seen): Promise<number> {
  const ids: string[] = [];
  try {
    for (let i = 0; i < n; i++) ids.push(await startOne());
    await settle(2000);
    const needles = [store.root, store.runroot];
    const monitor = groupMemory(processesNaming(needles));
    const total = groupMemory(processTree(needles));
    seen.monitor.push(monitor.pssMiB / n);
    for (const c of monitor.commands) seen.monitorCommands.add(c);
    for (const c of total.commands) seen.commands.add(c);
    return total.pssMiB / n;
  } finally {
    if (ids.length > 0) await removeAll(ids);
  }
}

export const idleMemory: Scenario = {
  name: 'idle-memory',
  title: 'Memory per idle detached container: the monitor and the total',
  async run(ctx: BenchContext) {
    const n = ctx.n(10, 5);
    const hullDetach = (await ctx.hull.help('run')).includes('--detach');
    const hs = ctx.freshStore('mem-hull');
    const ps = ctx.freshStore('mem-podman');
    const monitorCase = `monitor per container (${n} × busybox sleep 3600)`;
    const totalCase = `total per container (${n} × busybox sleep 3600)`;
    const seen: Record<string, Seen> = {};
    const seenOf = (name: string): Seen => (seen[name] ??= { monitor: [], monitorCommands: new Set(), commands: new Set() });
    const sides: Side[] = [];
    try {
      if (hullDetach) {
        const { ref } = await hullGetImage(ctx, hs, 'busybox');
        const none = await hullNetworkNone(ctx);
        sides.push({ name: 'hull', measure: () => measureGroup(hs, n, async () => (await ctx.hull.runOk(hs, ['run', '-d', ...none, ref, 'sleep', '3600'])).stdout.trim(), (ids) => ctx.hull.run(hs, ['rm', '-f', ...ids]), seenOf('hull')) });
      }
      const pref = await podmanGetImage(ctx, ps, 'busybox');
      sides.push({ name: 'podman', measure: () => measureGroup(ps, n, async () => (await podmanOk(ctx, ps, ['run', '-d', '--network', 'none', pref, 'sleep', '3600'])).stdout.trim(), (ids) => podmanOk(ctx, ps, ['rm', '-f', '-t', '0', ...ids]), seenOf('podman')) });
      const res = await interleave(sides, { warmups: 0, iterations: ctx.n(3, 1), onProgress: ctx.log });
      const figures: Figure[] = [];
      for (const r of res) {
        const s = seenOf(r.name);
        figures.push({ case: monitorCase, subject: r.name, unit: 'MB', stats: summarize(s.monitor), load1: r.load1, extra: `monitor processes: ${[...s.monitorCommands].join(', ') || 'none'}` });
        figures.push({ case: totalCase, subject: r.name, unit: 'MB', stats: summarize(r.samples), load1: r.load1, extra: `processes: ${[...s.commands].join(', ')}` });
      }
      if (!hullDetach) for (const c of [monitorCase, totalCase]) figures.unshift({ case: c, subject: 'hull', unit: 'MB', missing: 'not yet — `hull run -d` missing' });
      return {
        figures,
        targets: [
          compare(monitorCase, 'podman\'s conmon', figureOf(figures, monitorCase, 'hull'), figureOf(figures, monitorCase, 'podman'), 1.0, 'issue 6: monitor memory no more than conmon\'s'),
          compare(totalCase, 'podman', figureOf(figures, totalCase, 'hull'), figureOf(figures, totalCase, 'podman'), undefined, 'the whole idle container, for information'),
        ],
        bound: 'What stays resident per container: the monitor (conmon: ~1 MB RSS, most of it shared libraries, so its PSS is well under that) and the container\'s own processes (here one busybox sleep). A per-container Node process would add ~40 MB. Kernel memory (cgroups, overlay mounts, page cache) is not counted.',
        notes: [
          'Memory is PSS (/proc/PID/smaps_rollup), 2 s after the last start, divided by the number of containers. The monitor is every process whose command line names the store\'s root or runroot (conmon\'s -b/-p/--exit-dir arguments do); the total adds their descendants.',
          'hull runs each detached container under conmon, as podman does (src/runtime/conmon.ts), so a ratio near 1.0 is expected; its "monitor processes" column shows what hull actually left running.',
          'PSS splits pages shared by the monitors of one side among them; the sides are measured one after the other, never together.',
        ],
      };
    } finally {
      await ctx.dropStore(hs);
      await ctx.dropStore(ps);
    }
  },
};
