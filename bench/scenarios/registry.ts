/**
 * Registry blob throughput (issue 5): uploads (POST + monolithic PUT) and GETs of 100 KB and 10 MB
 * blobs at concurrency 1, 8 and 64, hull's registry against docker-registry (distribution 2.8),
 * both on the bench filesystem, started fresh for each blob size. Target: throughput at least
 * docker-registry's at every point. Memory: each server's peak RSS (VmHWM, reset through
 * /proc/PID/clear_refs before each concurrency level) at ×1, ×8 and ×64; the target is memory that
 * stays flat as concurrency grows (hull's peak at ×64 ÷ its peak at ×1).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { interleave, type Side } from '../lib/ab.js';
import { makeBlobSet, runLoad, type BlobSet } from '../lib/blobload.js';
import type { BenchContext, Scenario } from '../lib/context.js';
import { peakRssMiB, startDockerRegistry, startHullRegistry, type RunningRegistry } from '../lib/registries.js';
import { compare, figureOf, type Figure, type Target } from '../lib/result.js';
import { removeTree } from '../lib/scratch.js';
import { summarize } from '../lib/stats.js';

const CONCURRENCY = [1, 8, 64] as const;
/** hull's peak RSS at ×64 may be at most this many times its peak at ×1. */
const FLAT = 1.5;

interface Size { label: string; bytes: number; ops: (c: number) => number }

const SIZES: Size[] = [
  { label: '100 KB', bytes: 100 * 1024, ops: (c) => (c === 1 ? 150 : c === 8 ? 400 : 640) },
  { label: '10 MB', bytes: 10 * 1024 * 1024, ops: (c) => (c === 1 ? 10 : c === 8 ? 24 : 64) },
];

/** Resets the process's peak RSS (VmHWM) to its current RSS (proc(5), clear_refs "5"). */
function resetPeakRss(pid: number): void {
  try { writeFileSync(`/proc/${pid}/clear_refs`, '5'); } catch { /* exited: its figure shows NaN */ }
}

const rssCase = (size: Size, c: number): string => `peak RSS, ${size.label} blobs, ×${c}`;

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
    for (const s of servers) resetPeakRss(s.pid);
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
    for (const s of servers) figures.push({ case: rssCase(size, c), subject: s.name, unit: 'MB', stats: summarize([peakRssMiB(s.pid)]), extra: `uploads and GETs at ×${c}` });
  }
  return figures;
}

/** Throughput at every point; memory flatness per blob size, and the RSS comparison as information. */
function targetsOf(figures: Figure[]): Target[] {
  const targets: Target[] = [];
  for (const c of [...new Set(figures.map((f) => f.case))].filter((c) => !c.startsWith('peak RSS'))) {
    targets.push(compare(c, 'docker-registry', figureOf(figures, c, 'hull'), figureOf(figures, c, 'docker-registry'), 1.0, 'issue 5: throughput ≥ docker-registry at every point'));
  }
  for (const size of SIZES) {
    const first = rssCase(size, CONCURRENCY[0]);
    const last = rssCase(size, CONCURRENCY[CONCURRENCY.length - 1] as number);
    const caseName = `memory flatness, ${size.label} blobs (peak RSS ×64 ÷ ×1)`;
    const hull = compare(caseName, 'itself at ×1', figureOf(figures, last, 'hull'), figureOf(figures, first, 'hull'), FLAT, `issue 5: memory stays flat as concurrency grows (≤ ${FLAT}× from ×1 to ×64)`);
    hull.basis = 'hull peak RSS at ×64 ÷ hull peak RSS at ×1';
    const docker = compare(caseName, 'docker-registry ×64 ÷ ×1 (its own)', figureOf(figures, last, 'docker-registry'), figureOf(figures, first, 'docker-registry'), undefined, 'docker-registry\'s own growth, for comparison');
    docker.basis = 'docker-registry peak RSS at ×64 ÷ docker-registry peak RSS at ×1 (not hull)';
    targets.push(hull, docker);
    targets.push(compare(last, 'docker-registry', figureOf(figures, last, 'hull'), figureOf(figures, last, 'docker-registry'), undefined, 'memory against the Go server at the highest concurrency'));
  }
  return targets;
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
      figures, targets: targetsOf(figures),
      bound: 'Small blobs: per-request overhead (HTTP parsing, the upload session files, rename into place, and hull\'s fsync before a blob becomes visible — docker-registry does not fsync). Large blobs: sha256 of the body (~0.5–1 GB/s per core) and the copy into the filesystem. On 2 cores the load generator (Node, same machine) competes with the server alike for both. Memory: the buffers of the requests in flight (at ×64, 64 bodies streaming) on top of the runtime\'s baseline (Node heap, Go runtime).',
      notes: [
        ...notes,
        'Throughput is MB/s of blob bodies (ops × size ÷ seconds); its ratio is docker-registry\'s throughput ÷ hull\'s, so below 1 hull is faster, as with the time ratios.',
        `"Flat" memory: hull's peak RSS while serving at ×64 is at most ${FLAT}× its peak at ×1 — the requests in flight may add buffers, but memory must not grow with concurrency the way per-request copies of whole bodies would (64 × 10 MB). Peak RSS is VmHWM, reset to the current RSS (proc(5) clear_refs) before each concurrency level, so each figure is that level's peak; the first level includes what the server kept from start-up and the 4 seed uploads.`,
      ],
    };
  },
};
