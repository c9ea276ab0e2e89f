/**
 * Image build from a Containerfile (FROM the local registry's busybox, two RUN steps, a COPY of
 * 300 files): cold (empty store, so the base is pulled too) and cached (the same build again in
 * the same store), hull build vs buildah bud --layers. Rounds alternate hull, buildah.
 */
import { loadavg } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { refOf, type BenchContext, type Scenario } from '../lib/context.js';
import type { Store } from '../lib/hull.js';
import { timeOk } from '../lib/proc.js';
import { notYet, ratioOf, type Figure } from '../lib/result.js';
import { summarize } from '../lib/stats.js';

function writeContext(ctx: BenchContext): string {
  const dir = join(ctx.scratch, 'build-context');
  mkdirSync(join(dir, 'data'), { recursive: true });
  for (let i = 0; i < 300; i++) writeFileSync(join(dir, 'data', `f${i}`), `file ${i}\n`.repeat(1 + (i % 50)));
  writeFileSync(join(dir, 'Containerfile'), [
    `FROM ${refOf(ctx, 'busybox')}`,
    'RUN mkdir -p /app && for i in $(seq 1 200); do echo $i > /app/n$i; done',
    'COPY data/ /app/data/',
    'RUN ls /app | wc -l > /app/count',
    'CMD ["cat", "/app/count"]',
    '',
  ].join('\n'));
  return dir;
}

type Builder = (store: Store) => Promise<number>;

async function builders(ctx: BenchContext, dir: string): Promise<Record<string, Builder>> {
  const file = join(dir, 'Containerfile');
  const out: Record<string, Builder> = {};
  if (await ctx.hull.has('build')) {
    const help = await ctx.hull.help('build');
    const flags = help.includes('--tls-verify') ? ['--tls-verify=false'] : [];
    out.hull = (s) => { const [c, ...a] = ctx.hull.argv(s, 'build', ...flags, '-t', 'bench-build', '-f', file, dir); return timeOk(c as string, a, { quiet: true, timeoutMs: 600_000 }); };
  }
  out.buildah = (s) => {
    const [c, ...a] = ctx.peers.buildah(s, 'bud', '--layers', '--tls-verify=false', '--runtime', 'runc', '--network', 'none', '--isolation', 'oci', '-q', '-t', 'bench-build', '-f', file, dir);
    return timeOk(c as string, a, { env: ctx.peers.env, quiet: true, timeoutMs: 600_000 });
  };
  return out;
}

export const build: Scenario = {
  name: 'build',
  title: 'Build a Containerfile, cold and cached',
  async run(ctx) {
    const dir = writeContext(ctx);
    const engines = await builders(ctx, dir);
    const samples: Record<string, { cold: number[]; cached: number[]; load1: number }> = {};
    const rounds = ctx.n(4, 2);
    for (let i = -1; i < rounds; i++) {
      for (const [name, b] of Object.entries(engines)) {
        const store = ctx.freshStore(`build-${name}`);
        try {
          const cold = await b(store);
          const cached = await b(store);
          if (i < 0) continue;
          const s = samples[name] ?? (samples[name] = { cold: [], cached: [], load1: 0 });
          s.cold.push(cold);
          s.cached.push(cached);
          s.load1 = loadavg()[0] ?? 0;
          ctx.log(`  round ${i + 1}/${rounds}: ${name} cold ${cold.toFixed(0)} ms, cached ${cached.toFixed(0)} ms`);
        } finally {
          await ctx.dropStore(store);
        }
      }
    }
    const figures: Figure[] = [];
    for (const kind of ['cold', 'cached'] as const) {
      const caseName = kind === 'cold' ? 'cold (empty store, base pulled)' : 'cached (all steps from the layer cache)';
      const hull = samples.hull;
      figures.push(hull ? { case: caseName, subject: 'hull', unit: 'ms', stats: summarize(hull[kind]), load1: hull.load1 } : { case: caseName, subject: 'hull', unit: 'ms', missing: notYet('build') });
      const b = samples.buildah;
      if (b) figures.push({ case: caseName, subject: 'buildah', unit: 'ms', stats: summarize(b[kind]), load1: b.load1 });
    }
    const ratio = (c: string) => ratioOf(figures.find((f) => f.case === c && f.subject === 'hull'), figures.find((f) => f.case === c && f.subject === 'buildah'));
    const cases = [...new Set(figures.map((f) => f.case))];
    return {
      figures,
      ratios: cases.map((c) => ({ case: c, vs: 'buildah', value: ratio(c), target: 1.0, why: 'at least as fast as buildah' })),
      bound: 'Cold: a pull of the base, one container start per RUN (runc), and a layer diff + tar + gzip + sha256 per step. Cached: parsing, the cache lookups (one per step, keyed by parent and instruction; COPY hashes its 300 files) and process start-up.',
      notes: [`buildah: \`bud --layers --isolation oci --runtime runc --network none\` on a private overlay store.`],
    };
  },
};
