/**
 * Pull-through cache (issue 22): blob GETs of an image's 16 layers (2 MB each, 3 in flight, as a
 * pull downloads) from a plain hull registry and from a hull registry in proxy mode whose cache
 * already holds them, interleaved. Target: the cached pull at most 1.1× the plain pull's time
 * (the proxy adds only its "is it cached" check to each request).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { interleave, type Side } from '../lib/ab.js';
import { makeBlobSet, runLoad } from '../lib/blobload.js';
import type { Scenario } from '../lib/context.js';
import { freePort, startProcessRegistry, type RunningRegistry } from '../lib/registries.js';
import { compare, type Figure } from '../lib/result.js';
import { removeTree } from '../lib/scratch.js';
import { summarize } from '../lib/stats.js';

const LAYERS = 16;
const SIZE = 2 * 1024 * 1024;
const PARALLEL = 3;

export const registryProxy: Scenario = {
  name: 'registry-proxy',
  title: 'Registry pull-through cache: a cached pull against a pull from a plain hull registry',
  async run(ctx) {
    const base = join(ctx.scratch, 'registry-proxy');
    await removeTree(base);
    const entry = join(ctx.repo, 'dist/src/registry-server/serve-entry.js');
    const servers: RunningRegistry[] = [];
    const figures: Figure[] = [];
    try {
      const plainHost = `127.0.0.1:${await freePort()}`;
      servers.push(await startProcessRegistry('plain hull registry', 'serve-entry.js --root', process.execPath, [entry, '--root', join(base, 'plain'), '--addr', plainHost, '--no-fsync'], plainHost));
      const proxyHost = `127.0.0.1:${await freePort()}`;
      const config = join(ctx.scratch, 'registry-proxy.yaml');
      writeFileSync(config, stringify({ storage: { root: join(base, 'cache'), fsync: false }, proxy: { remoteurl: `http://${plainHost}`, ttl: '1h' } }));
      servers.push(await startProcessRegistry('hull', 'serve-entry.js, proxy mode', process.execPath, [entry, '--config', config, '--addr', proxyHost], proxyHost));
      const set = makeBlobSet(SIZE, LAYERS);
      const all = Array.from({ length: LAYERS }, (_, i) => i);
      await runLoad('upload', plainHost, 'bench/proxy', set, all, 4);
      await runLoad('get', proxyHost, 'bench/proxy', set, all, PARALLEL); // fills the cache
      const sides: Side[] = servers.map((s) => ({ name: s.name, measure: async () => (await runLoad('get', s.host, 'bench/proxy', set, all, PARALLEL)).mbPerSec }));
      const res = await interleave(sides, { warmups: 1, iterations: ctx.n(7, 3), onProgress: ctx.log });
      for (const r of res) figures.push({ case: 'pull of 16 × 2 MB layers, 3 in flight', subject: r.name, unit: 'MB/s', higherIsBetter: true, stats: summarize(r.samples), load1: r.load1 });
    } finally {
      for (const s of servers) await s.stop();
      await removeTree(base);
    }
    const c = 'pull of 16 × 2 MB layers, 3 in flight';
    return {
      figures,
      targets: [compare(c, 'plain hull registry', figures.find((f) => f.subject === 'hull'), figures.find((f) => f.subject === 'plain hull registry'), 1.1, 'issue 22: a cached pull through the proxy at most 1.1× a pull from a plain hull registry')],
      bound: 'Both serve from the same filesystem; the proxy adds one link lookup per request (the blob is cached, so the upstream is never asked).',
      notes: ['The cache is filled by one pull before measuring; "hull" is the registry in proxy mode.'],
    };
  },
};
