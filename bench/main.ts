/**
 * `npm run bench`: hull side by side with podman, runc, skopeo, buildah and the reference registry.
 *   1. the bench filesystem (ext4 on a loop device), a scratch directory, private peer configs
 *   2. the image corpus (cached under /var/cache/hull-bench), served by docker-registry
 *   3. each scenario (interleaved A/B, warm-ups, median and spread); a failure is recorded, not fatal
 *   4. bench-results/*.json, docs/benchmarks.md and docs/benchmarks-ratios.svg
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCorpus } from './corpus/corpus.js';
import type { BenchContext, Scenario } from './lib/context.js';
import { hullCli, storeUnder } from './lib/hull.js';
import { describeMachine } from './lib/machine.js';
import { parseOptions } from './lib/options.js';
import { setupPeers } from './lib/peers.js';
import { runOk } from './lib/proc.js';
import { startDockerRegistry, type RunningRegistry } from './lib/registries.js';
import { ensureBenchFs, freshDir, removeTree, MOUNT_POINT } from './lib/scratch.js';
import { saveResults, type StoredScenario } from './report/results.js';
import { writeDocs } from './report/write.js';
import { SCENARIOS } from './scenarios/index.js';

const log = (line: string): void => { process.stderr.write(`${line}\n`); };

async function pushCorpus(ctx: Pick<BenchContext, 'corpus' | 'peers'>, registry: RunningRegistry): Promise<void> {
  for (const img of Object.values(ctx.corpus.images)) {
    await runOk('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${img.layout}:latest`, `docker://${registry.host}/bench/${img.name}:latest`], { env: ctx.peers.env, timeoutMs: 600_000 });
  }
}

async function runScenario(s: Scenario, ctx: BenchContext): Promise<StoredScenario> {
  log(`\n== ${s.name}: ${s.title}`);
  const t0 = Date.now();
  const date = new Date().toISOString();
  const mode = ctx.quick ? 'quick' : 'full';
  try {
    const r = await s.run(ctx);
    return { name: s.name, title: s.title, date, mode, seconds: (Date.now() - t0) / 1000, ...r };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    log(`   ${s.name} failed: ${msg}`);
    return { name: s.name, title: s.title, date, mode, seconds: (Date.now() - t0) / 1000, figures: [], targets: [], bound: '–', notes: [], error: msg };
  }
}

async function main(): Promise<void> {
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const opts = parseOptions(process.argv.slice(2), SCENARIOS.map((s) => s.name));
  if (opts.list) { for (const s of SCENARIOS) process.stdout.write(`${s.name}\t${s.title}\n`); return; }
  const selected = SCENARIOS.filter((s) => opts.only.length === 0 || opts.only.includes(s.name));
  const filesystem = await ensureBenchFs(log);
  await removeTree(join(MOUNT_POINT, 'run'));
  const scratch = freshDir('run');
  const registryDir = join(MOUNT_POINT, 'reference-registry');
  const peersDir = join(scratch, 'peers');
  const corpus = await ensureCorpus(MOUNT_POINT, { large: !opts.quick, log });
  const registry = await startDockerRegistry(registryDir);
  let stores = 0;
  const ctx: BenchContext = {
    quick: opts.quick, repo, scratch, corpus, registry,
    hull: hullCli(repo),
    peers: setupPeers(peersDir, [registry.host]),
    n: (full, quick) => (opts.quick ? quick : full),
    freshStore: (name) => storeUnder(freshDir('run', 'stores', `${name}-${stores++}`)),
    dropStore: (store) => removeTree(dirname(store.root)),
    log,
  };
  const machine = await describeMachine(join(repo, 'dist/src/main.js'), filesystem);
  const results: StoredScenario[] = [];
  let docsWritten = false;
  let missing: string[] = [];
  try {
    log(`corpus: ${Object.keys(corpus.images).join(', ')}; pushing to ${registry.host}`);
    await pushCorpus(ctx, registry);
    for (const s of selected) {
      results.push(await runScenario(s, ctx));
      // Saved after every scenario, so an interrupted run keeps what it measured.
      const merged = saveResults(repo, machine, results);
      // The docs are rewritten only from results for every scenario (this run's, and earlier runs'
      // on this machine): an --only run on a fresh clone would otherwise replace them with one row.
      missing = SCENARIOS.map((sc) => sc.name).filter((n) => !merged.scenarios[n]);
      if (opts.docs && missing.length === 0) {
        writeDocs(repo, merged, SCENARIOS);
        docsWritten = true;
      }
    }
  } finally {
    await registry.stop();
  }
  await removeTree(scratch);
  log(`\nwrote bench-results/latest.json${docsWritten ? ', docs/benchmarks.md, docs/benchmarks-ratios.svg' : ''}`);
  if (opts.docs && !docsWritten) log(`docs/benchmarks.md left as it was: no results yet on this machine for ${missing.join(', ')} (a run without --only fills them in)`);
}

await main();
