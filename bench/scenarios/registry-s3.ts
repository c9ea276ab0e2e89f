/**
 * Registry on S3 (issue 22): hull's registry and Debian's docker-registry (distribution 2.8, its
 * s3-aws driver), each on its own bucket of the same real radosgw (a throwaway single-node Ceph
 * from src/registry-server/testing/radosgw.ts). Blob upload (POST + monolithic PUT) and GET
 * throughput of 10 MB blobs at concurrency 1/8/64, interleaved; each server's peak RSS during the
 * 64-way GETs. Targets: throughput at least docker-registry's at every point; peak memory under
 * 64 concurrent 10 MB GETs at most half of docker-registry's.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { REGISTRY_SERVE_NODE_FLAGS } from '../../src/registry-server/index.js';
import { startRadosgw, radosgwAvailable } from '../../src/registry-server/testing/radosgw.js';
import { createTestBucket } from '../../src/registry-server/testing/s3.js';
import { interleave, type Side } from '../lib/ab.js';
import { makeBlobSet, runLoad } from '../lib/blobload.js';
import type { Scenario } from '../lib/context.js';
import { freePort, peakRssMiB, startProcessRegistry, type RunningRegistry } from '../lib/registries.js';
import { compare, figureOf, type Figure, type Target } from '../lib/result.js';
import { removeTree } from '../lib/scratch.js';
import { summarize } from '../lib/stats.js';

const CONCURRENCY = [1, 8, 64] as const;
const SIZE = 10 * 1024 * 1024;

function resetPeakRss(pid: number): void {
  try { writeFileSync(`/proc/${pid}/clear_refs`, '5'); } catch { /* exited: its figure shows NaN */ }
}

export const registryS3: Scenario = {
  name: 'registry-s3',
  title: 'Registry on S3 (radosgw): 10 MB blob upload and GET, concurrency 1/8/64, against docker-registry\'s S3 driver',
  async run(ctx) {
    if (!(await radosgwAvailable())) {
      return { figures: [{ case: 'upload 10 MB ×1', subject: 'hull', unit: 'MB/s', missing: 'Ceph is not installed (scripts/setup.sh installs it)' }], targets: [], notes: [], bound: 'not measured' };
    }
    const base = join(ctx.scratch, 'registry-s3');
    await removeTree(base);
    const rgw = await startRadosgw();
    const servers: RunningRegistry[] = [];
    const figures: Figure[] = [];
    try {
      const hullBucket = await createTestBucket(rgw, 'bench-hull');
      const dockerBucket = await createTestBucket(rgw, 'bench-docker');
      const hullPort = await freePort();
      const dockerPort = await freePort();
      const hullConfig = join(ctx.scratch, 'registry-s3-hull.yaml');
      writeFileSync(hullConfig, stringify({ http: { addr: `127.0.0.1:${hullPort}` }, storage: { s3: { bucket: hullBucket.bucket, region: rgw.region, regionendpoint: rgw.endpoint, accesskey: rgw.accessKeyId, secretkey: rgw.secretAccessKey, rootdirectory: '/hull' } } }));
      const dockerConfig = join(ctx.scratch, 'registry-s3-docker.yml');
      writeFileSync(dockerConfig, stringify({
        version: 0.1, log: { level: 'error', accesslog: { disabled: true } },
        storage: { s3: { bucket: dockerBucket.bucket, region: rgw.region, regionendpoint: rgw.endpoint, accesskey: rgw.accessKeyId, secretkey: rgw.secretAccessKey, rootdirectory: '/docker', secure: false, v4auth: true }, redirect: { disable: true }, delete: { enabled: true } },
        http: { addr: `127.0.0.1:${dockerPort}` },
      }));
      servers.push(await startProcessRegistry('hull', 'registry-server via serve-entry.js with the node flags of `hull registry serve`, storage.s3', process.execPath, [...REGISTRY_SERVE_NODE_FLAGS, join(ctx.repo, 'dist/src/registry-server/serve-entry.js'), '--config', hullConfig, '--addr', `127.0.0.1:${hullPort}`], `127.0.0.1:${hullPort}`));
      // Without AWS_CA_BUNDLE: distribution 2.8's SDK panics loading a CA bundle into its own transport.
      servers.push(await startProcessRegistry('docker-registry', 'docker-registry serve, s3-aws driver', 'env', ['-u', 'AWS_CA_BUNDLE', 'docker-registry', 'serve', dockerConfig], `127.0.0.1:${dockerPort}`));
      const rounds = ctx.n(2, 1);
      const opsOf = (c: number): number => Math.max(c, ctx.quick ? Math.ceil(c * 1.5) : c === 1 ? 6 : c === 8 ? 16 : 64);
      const perServer = rounds * CONCURRENCY.reduce((a, c) => a + opsOf(c), 0) + 4;
      ctx.log(`  preparing ${perServer} blobs of 10 MB`);
      const set = makeBlobSet(SIZE, perServer);
      const next = servers.map(() => 0);
      const take = (k: number, n: number): number[] => Array.from({ length: n }, () => next[k]!++);
      const uploaded = servers.map(() => [] as number[]);
      for (const [k, s] of servers.entries()) { const idx = take(k, 4); await runLoad('upload', s.host, 'bench/s3', set, idx, 4); uploaded[k]!.push(...idx); }
      for (const c of CONCURRENCY) {
        for (const kind of ['upload', 'get'] as const) {
          if (kind === 'get') for (const s of servers) resetPeakRss(s.pid);
          const sides: Side[] = servers.map((s, k) => ({
            name: s.name,
            measure: async () => {
              const n = opsOf(c);
              const done = uploaded[k]!;
              const idx = kind === 'upload' ? take(k, n) : Array.from({ length: n }, (_, j) => done[j % done.length]!);
              const r = await runLoad(kind, s.host, 'bench/s3', set, idx, c);
              if (kind === 'upload') done.push(...idx);
              return r.mbPerSec;
            },
          }));
          // ABBA: the side measured first in a phase runs right after the previous phase (64
          // uploads' worth of work still settling in radosgw), so the order alternates per round.
          const res = sides.map((x) => ({ name: x.name, samples: [] as number[], load1: 0 }));
          for (let r = 0; r < rounds; r++) {
            const order = r % 2 === 0 ? sides : [...sides].reverse();
            for (const one of await interleave(order, { warmups: 0, iterations: 1, onProgress: ctx.log })) {
              const into = res.find((x) => x.name === one.name)!;
              into.samples.push(...one.samples);
              into.load1 = one.load1;
            }
          }
          for (const r of res) figures.push({ case: `S3 ${kind} 10 MB ×${c}`, subject: r.name, unit: 'MB/s', higherIsBetter: true, stats: summarize(r.samples), load1: r.load1 });
        }
        for (const s of servers) figures.push({ case: `S3 peak RSS, 10 MB GETs ×${c}`, subject: s.name, unit: 'MB', stats: summarize([peakRssMiB(s.pid)]), extra: `GETs at ×${c}` });
      }
    } finally {
      for (const s of servers) await s.stop();
      await rgw.stop();
      await removeTree(base);
    }
    const targets: Target[] = [];
    for (const c of [...new Set(figures.map((f) => f.case))].filter((x) => !x.includes('RSS'))) {
      targets.push(compare(c, 'docker-registry', figureOf(figures, c, 'hull'), figureOf(figures, c, 'docker-registry'), 1.0, 'issue 22: S3 throughput ≥ docker-registry\'s S3 driver at every point'));
    }
    const rss = 'S3 peak RSS, 10 MB GETs ×64';
    targets.push(compare(rss, 'docker-registry', figureOf(figures, rss, 'hull'), figureOf(figures, rss, 'docker-registry'), 0.5, 'issue 22: peak memory under 64 concurrent 10 MB GETs ≤ half of docker-registry\'s'));
    return {
      figures,
      targets,
      bound: 'Both servers stream through the same radosgw (one OSD on memstore, same 2 cores): throughput is bounded by radosgw and the OSD, which compete for the cores with both servers and the load generator. Uploads: hull hashes while streaming to a segment, then PUT joins it server-side (CopyObject); docker-registry writes the upload in chunks and moves it (also a copy).',
      notes: ['Each server has its own bucket on one radosgw started for this scenario; redirects are off on both, so GETs stream through the registry process.'],
    };
  },
};
