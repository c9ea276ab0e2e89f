/**
 * Memory per idle pod (issue 19): N pods, each its infra plus one `busybox sleep 3600`, made with
 * `hull pod create --network none` + `hull run -d --pod` and the same with podman (its infra is
 * its locally built pause image: catatonit, as hull's). PSS of every process that names the store
 * (the monitors) and their descendants (infra and member processes), divided by N.
 * Target: hull's idle pod no bigger than podman's.
 */
import { interleave, type Side } from '../lib/ab.js';
import type { BenchContext, Scenario } from '../lib/context.js';
import type { Store } from '../lib/hull.js';
import { hullGetImage, podmanGetImage, podmanOk } from '../lib/images.js';
import { groupMemory, processTree } from '../lib/procmem.js';
import { compare, figureOf, type Figure } from '../lib/result.js';
import { summarize } from '../lib/stats.js';

const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Makes n pods of one member each, measures, removes them; returns MiB PSS per pod. */
async function measurePods(store: Store, n: number, makeOne: (i: number) => Promise<void>, removeAll: () => Promise<unknown>, commands: Set<string>): Promise<number> {
  try {
    for (let i = 0; i < n; i++) await makeOne(i);
    await settle(2000);
    const total = groupMemory(processTree([store.root, store.runroot]));
    for (const c of total.commands) commands.add(c);
    return total.pssMiB / n;
  } finally {
    await removeAll();
  }
}

export const podIdleMemory: Scenario = {
  name: 'pod-idle-memory',
  title: 'Memory per idle pod (infra and one sleeping container)',
  async run(ctx: BenchContext) {
    const n = ctx.n(5, 3);
    const hasPods = (await ctx.hull.help('pod')).includes('create');
    const hs = ctx.freshStore('pm-hull');
    const ps = ctx.freshStore('pm-podman');
    const caseName = `per pod (${n} × infra + busybox sleep 3600, --network none)`;
    const commands: Record<string, Set<string>> = { hull: new Set(), podman: new Set() };
    const sides: Side[] = [];
    try {
      if (hasPods) {
        const { ref } = await hullGetImage(ctx, hs, 'busybox');
        sides.push({
          name: 'hull',
          measure: () => measurePods(hs, n, async (i) => {
            await ctx.hull.runOk(hs, ['pod', 'create', '--network', 'none', '--name', `bench${i}`]);
            await ctx.hull.runOk(hs, ['run', '-d', '--pod', `bench${i}`, ref, 'sleep', '3600']);
          }, () => ctx.hull.run(hs, ['pod', 'rm', '-f', '-a']), commands.hull as Set<string>),
        });
      }
      const pref = await podmanGetImage(ctx, ps, 'busybox');
      sides.push({
        name: 'podman',
        measure: () => measurePods(ps, n, async (i) => {
          await podmanOk(ctx, ps, ['pod', 'create', '--network', 'none', '--name', `bench${i}`]);
          await podmanOk(ctx, ps, ['run', '-d', '--pod', `bench${i}`, pref, 'sleep', '3600']);
        }, () => podmanOk(ctx, ps, ['pod', 'rm', '-f', '-a', '-t', '0']), commands.podman as Set<string>),
      });
      const res = await interleave(sides, { warmups: 0, iterations: ctx.n(3, 1), onProgress: ctx.log });
      const figures: Figure[] = res.map((r) => ({ case: caseName, subject: r.name, unit: 'MB', stats: summarize(r.samples), load1: r.load1, extra: `processes: ${[...(commands[r.name] ?? [])].join(', ')}` }));
      if (!hasPods) figures.unshift({ case: caseName, subject: 'hull', unit: 'MB', missing: 'not yet — `hull pod` missing' });
      return {
        figures,
        targets: [compare(caseName, 'podman', figureOf(figures, caseName, 'hull'), figureOf(figures, caseName, 'podman'), 1.0, 'issue 19: idle memory per pod (infra included) no more than podman\'s')],
        bound: 'What stays resident per pod: two monitors (conmon for the infra and for the member, ~1 MB RSS each, mostly shared libraries), the infra\'s catatonit (a static binary, tens of KB) and the member\'s process. Kernel memory (cgroups, mounts) is not counted.',
        notes: [
          'Memory is PSS (/proc/PID/smaps_rollup), 2 s after the last start, divided by the number of pods: every process whose command line names the store\'s root or runroot (the conmons) and their descendants (catatonit, sleep).',
          'podman 4.3 builds its infra image (localhost/podman-pause) from the host\'s catatonit, as hull builds localhost/hull-infra: neither pulls.',
        ],
      };
    } finally {
      await ctx.dropStore(hs);
      await ctx.dropStore(ps);
    }
  },
};
