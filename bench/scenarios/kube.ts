/**
 * kube play (issue 19): `kube play` of one Pod with three containers (busybox `sleep 3600`,
 * images present, IfNotPresent), each engine on its default network — hull vs `podman kube play`
 * of the same file, target at most 0.5×. Each sample removes the pod again, untimed
 * (`kube down`), so every play starts from the same empty store.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { interleave, type Side } from '../lib/ab.js';
import type { BenchContext, Scenario } from '../lib/context.js';
import { hullGetImage, podmanGetImage } from '../lib/images.js';
import { withPodmanDefaultNetwork } from '../lib/podman-network.js';
import { runOk, timeOk } from '../lib/proc.js';
import { compare, figureOf, notYet, type Figure } from '../lib/result.js';
import { summarize } from '../lib/stats.js';

const PLAY = 'kube play (1 pod, 3 containers)';

function podYaml(image: string): string {
  const c = (name: string) => `    - {name: ${name}, image: "${image}", imagePullPolicy: IfNotPresent, command: [sleep, "3600"]}`;
  return ['apiVersion: v1', 'kind: Pod', 'metadata: {name: bench}', 'spec:', '  terminationGracePeriodSeconds: 0', '  containers:', c('a'), c('b'), c('c'), ''].join('\n');
}

export const kube: Scenario = {
  name: 'kube-play',
  title: 'hull kube play of a pod with three containers vs podman kube play',
  async run(ctx: BenchContext) {
    const hs = ctx.freshStore('kube-hull');
    const ps = ctx.freshStore('kube-podman');
    const figures: Figure[] = [];
    const notes: string[] = [];
    const hasKube = await ctx.hull.has('kube');
    const { ref } = await hullGetImage(ctx, hs, 'busybox');
    const pref = await podmanGetImage(ctx, ps, 'busybox');
    const dir = join(ctx.scratch, 'kube');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'hull.yaml'), podYaml(ref));
    writeFileSync(join(dir, 'podman.yaml'), podYaml(pref));
    try {
      await withPodmanDefaultNetwork(ctx, ps, async (net) => {
        notes.push(`podman on its default network ${net.description}; hull on its default bridge.`);
        const hull = (cmd: 'play' | 'down') => {
          const [c, ...a] = ctx.hull.argv(hs, 'kube', cmd, join(dir, 'hull.yaml'));
          return timeOk(c as string, a, { quiet: true, timeoutMs: 300_000 });
        };
        const podman = (cmd: 'play' | 'down') => {
          const [c, ...a] = ctx.peers.podman(ps, 'kube', cmd, join(dir, 'podman.yaml'));
          return timeOk(c as string, a, { env: net.env, quiet: true, timeoutMs: 300_000 });
        };
        const pair = (f: (cmd: 'play' | 'down') => Promise<number>) => async () => {
          const ms = await f('play');
          await f('down');
          return ms;
        };
        const sides: Side[] = [...(hasKube ? [{ name: 'hull', measure: pair(hull) }] : []), { name: 'podman', measure: pair(podman) }];
        const res = await interleave(sides, { warmups: 1, iterations: ctx.n(9, 3), onProgress: ctx.log });
        figures.push(...res.map((r) => ({ case: PLAY, subject: r.name, unit: 'ms' as const, stats: summarize(r.samples), load1: r.load1 })));
        if (!hasKube) figures.unshift({ case: PLAY, subject: 'hull', unit: 'ms', missing: notYet('kube') });
      });
    } finally {
      if (hasKube) await ctx.hull.run(hs, ['kube', 'down', join(dir, 'hull.yaml')]);
      await ctx.hull.run(hs, ['network', 'rm', 'bridge']); // the store's default bridge and its rules: host-wide
      const [c, ...a] = ctx.peers.podman(ps, 'kube', 'down', join(dir, 'podman.yaml'));
      await runOk(c as string, a, { env: ctx.peers.env }).catch(() => undefined);
      await ctx.dropStore(hs);
      await ctx.dropStore(ps);
    }
    return {
      figures,
      targets: [compare(PLAY, 'podman kube play', figureOf(figures, PLAY, 'hull'), figureOf(figures, PLAY, 'podman'), 0.5, 'issue 19: at most 0.5× podman kube play of the same file')],
      bound:
        'hull: one Node process parsing the YAML and calling the engine in-process: the pod (its infra from the built-in catatonit image, its network namespace and CNI bridge attach), three container records, then the infra and three starts, each a conmon + runc create/start. podman: the same runtime work from its Go binary, plus its database and its own infra (pause) image.',
      notes: [...notes, 'One Pod of three busybox containers running `sleep 3600`, imagePullPolicy IfNotPresent (images present on both sides); each sample is a play, then an untimed kube down.'],
    };
  },
};
