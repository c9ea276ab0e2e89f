/**
 * Registry blob throughput: uploads (POST + monolithic PUT) and GETs of 100 KB and 10 MB blobs at
 * concurrency 1, 8 and 64, hull's registry against docker-registry (distribution 2.8), both on
 * the bench filesystem, started fresh for each blob size; peak server RSS (VmHWM) per size.
 */
import { join } from 'node:path';
import { interleave, type Side } from '../lib/ab.js';
import { makeBlobSet, runLoad, type BlobSet } from '../lib/blobload.js';
import type { BenchContext, Scenario } from '../lib/context.js';
import { peakRssMiB, startDockerRegistry, startHullRegistry, type RunningRegistry } from '../lib/registries.js';
import { ratioOf, type Figure, type Ratio } from '../lib/result.js';
import { removeTree } from '../lib/scratch.js';
import { summarize } from '../lib/stats.js';

const CONCURRENCY = [1, 8, 64] as const;

interface Size { label: string; bytes: number; ops: (c: number) => number }

const SIZES: Size[] = [
  { label: '100 KB', bytes: 100 * 1024, ops: (c) => (c === 1 ? 150 : c === 8 ? 400 : 640) },
  { label: '10 MB', bytes: 10 * 1024 * 1024, ops: (c) => (c === 1 ? 10 : c === 8 ? 24 : 64) },
];

/** Hands out blob indices per server so each upload is new content on that server. */
function counter(): (n: number) => number[] {
  let next = 0;
  return (n) => Array.from({ length: n }, () => next++);
}

async function measureSize(ctx: BenchContext, size: Size, servers: RunningRegistry[]): Promise<Figure[]> {
  const rounds = ctx.n(2, 1);
  const scale = ctx.quick ? 0.5 : 1;
  const opsOf = (c: number): number => Math.max(c, Math.round(size.ops(c) * scale));
  const perServer = rounds * CONCURRENCY.reduce((a, c) => a + opsOf(c), 0) + 4;
  ctx.log(`  preparing ${perServer} blobs of ${size.label}`);
  const set: BlobSet = makeBlobSet(size.bytes, perServer);
  const next = servers.map(() => counter());
  const uploaded = servers.map(() => [] as number[]);
  const figures: Figure[] = [];
  for (const [k, s] of servers.entries()) { const idx = (next[k] as (n: number) => number[])(4); await runLoad('upload', s.host, 'bench/load', set, idx, 4); uploaded[k]?.push(...idx); }
  for (const c of CONCURRENCY) {
    for (const kind of ['upload', 'get'] as const) {
      const sides: Side[] = servers.map((s, k) => ({
        name: s.name,
        measure: async () => {
          const n = opsOf(c);
          const done = uploaded[k] as number[];
          const idx = kind === 'upload' ? (next[k] as (n: number) => number[])(n) : Array.from({ length: n }, (_, j) => done[j % done.length] as number);
          const r = await runLoad(kind, s.host, 'bench/load', set, idx, c);
          if (kind === 'upload') done.push(...idx);
          return r.mbPerSec;
        },
      }));
      const res = await interleave(sides, { warmups: 0, iterations: rounds, onProgress: ctx.log });
      for (const r of res) figures.push({ case: `${kind} ${size.label} ×${c}`, subject: r.name, unit: 'MB/s', higherIsBetter: true, stats: summarize(r.samples), load1: r.load1 });
    }
  }
  for (const s of servers) {
    const rss = peakRssMiB(s.pid);
    figures.push({ case: `peak RSS, ${size.label} blobs`, subject: s.name, unit: 'MB', stats: summarize([rss]) });
  }
  return figures;
}

function ratiosOf(figures: Figure[]): Ratio[] {
  const cases = [...new Set(figures.map((f) => f.case))];
  return cases.map((c) => {
    const hull = figures.find((f) => f.case === c && f.subject === 'hull');
    const ref = figures.find((f) => f.case === c && f.subject === 'docker-registry');
    const rss = c.startsWith('peak RSS');
    return { case: c, vs: 'docker-registry', value: ratioOf(hull, ref), target: rss ? 2.0 : 1.0, why: rss ? 'at most twice the Go server\'s memory' : 'at least docker-registry\'s throughput' };
  });
}

export const registry: Scenario = {
  name: 'registry',
  title: 'Registry blob upload and GET throughput, concurrency 1/8/64',
  async run(ctx) {
    const figures: Figure[] = [];
    const notes: string[] = [];
    for (const size of SIZES) {
      ctx.log(` ${size.label}`);
      const base = join(ctx.scratch, 'registry-load');
      await removeTree(base);
      const servers: RunningRegistry[] = [];
      try {
        const hull = await startHullRegistry(ctx.hull, ctx.repo, join(base, 'hull'));
        if (hull) servers.push(hull);
        servers.push(await startDockerRegistry(join(base, 'docker')));
        if (size === SIZES[0]) notes.push(`hull side: ${hull ? hull.how : 'not yet — `hull registry serve` missing and no registry-server entry'}.`);
        figures.push(...(await measureSize(ctx, size, servers)));
      } finally {
        for (const s of servers) await s.stop();
      }
    }
    await removeTree(join(ctx.scratch, 'registry-load'));
    if (!figures.some((f) => f.subject === 'hull')) {
      for (const c of [...new Set(figures.map((f) => f.case))]) figures.push({ case: c, subject: 'hull', unit: 'MB/s', missing: 'not yet — `hull registry serve` missing' });
    }
    return {
      figures, ratios: ratiosOf(figures),
      bound: 'Small blobs: per-request overhead (HTTP parsing, the upload session files, rename into place, and hull\'s fsync before a blob becomes visible — docker-registry does not fsync). Large blobs: sha256 of the body (~0.5–1 GB/s per core) and the copy into the filesystem. On 2 cores the load generator (Node, same machine) competes with the server alike for both.',
      notes: [...notes, 'Throughput is MB/s of blob bodies (ops × size ÷ seconds); the ratio is docker-registry\'s throughput ÷ hull\'s, so below 1 hull is faster.'],
    };
  },
};
