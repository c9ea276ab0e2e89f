/**
 * Docker API service (issue 16, "Performance"): `hull system service` vs `podman system service`,
 * each on a private socket and store, both driven by the docker CLI 28 in the same run:
 *   run --rm busybox true, --network none and each on its default network — at most 0.7× podman;
 *   ps -a with 100 created containers — at most 0.5× podman;
 *   docker pull through hull's API — within 1.1× of `hull pull` of the same image (cold each time);
 *   docker build, fully cached — at most 0.5× podman;
 *   the service's idle memory — at most podman service's; its peak with 64 concurrent clients
 *   listing containers — at most 1.5× its own idle figure.
 * Rounds are interleaved (ab.ts); each case's sides run one after the other, never together.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { interleave, probeSides, type Side } from '../lib/ab.js';
import { refOf, type BenchContext, type Scenario } from '../lib/context.js';
import { burstWithMemory, idleMemory, startApiService, type ApiService } from '../lib/docker-api.js';
import type { Store } from '../lib/hull.js';
import { hullGetImage, hullInsecureFlags, podmanGetImage } from '../lib/images.js';
import { withPodmanDefaultNetwork } from '../lib/podman-network.js';
import { timeOk } from '../lib/proc.js';
import { compare, figureOf, notYet, type Figure, type Target } from '../lib/result.js';
import { summarize } from '../lib/stats.js';

const NONE = 'docker run --rm busybox true, --network none';
const DEFAULT = 'docker run --rm busybox true, default network';
const PS = 'docker ps -a (100 containers)';
const PULL = 'docker pull debian through hull\'s API vs hull pull (cold)';
const BUILD = 'docker build, fully cached';
const IDLE = 'service memory, idle after the cases above (RSS)';
const FRESH = 'service memory, idle just after start (RSS)';
const PEAK = 'service memory, 64 concurrent GET /containers/json?all=1 (peak RSS)';
const CONTAINERS = 100;
const CLIENTS = 64;
const HULL = 'hull service';
const PODMAN = 'podman service';

async function parallel(n: number, width: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => { while (next < n) await fn(next++); }));
}

function buildContext(dir: string, ref: string): string {
  mkdirSync(join(dir, 'data'), { recursive: true });
  for (let i = 0; i < 50; i++) writeFileSync(join(dir, 'data', `f${i}`), `file ${i}\n`.repeat(1 + i));
  writeFileSync(join(dir, 'Dockerfile'), [`FROM ${ref}`, 'ENV APP=/app', 'RUN mkdir -p /app && echo built > /app/stamp', 'COPY data/ /app/data/', 'WORKDIR /app', 'CMD ["cat", "/app/stamp"]', ''].join('\n'));
  return dir;
}

const msFigures = (caseName: string, res: { name: string; samples: number[]; load1: number }[]): Figure[] =>
  res.map((r) => ({ case: caseName, subject: r.name, unit: 'ms', stats: summarize(r.samples), load1: r.load1 }));

async function timedCases(ctx: BenchContext, hs: Store, h: ApiService, p: ApiService, ref: string, pref: string): Promise<Figure[]> {
  const figures: Figure[] = [];
  const rounds = ctx.n(12, 4);
  // run --rm: none and default network, one interleaved set of rounds.
  const run = (s: ApiService, r: string, ...flags: string[]): Side['measure'] => () => s.time(['run', '--rm', ...flags, r, 'true']);
  const where: Record<string, [string, string]> = { 'hull none': [NONE, HULL], 'podman none': [NONE, PODMAN], 'hull default': [DEFAULT, HULL], 'podman default': [DEFAULT, PODMAN] };
  const probed = await probeSides([
    { name: 'hull none', measure: run(h, ref, '--network', 'none') },
    { name: 'podman none', measure: run(p, pref, '--network', 'none') },
    { name: 'hull default', measure: run(h, ref) },
    { name: 'podman default', measure: run(p, pref) },
  ]);
  const res = await interleave(probed.ok, { warmups: ctx.n(1, 0), iterations: rounds, onProgress: ctx.log });
  for (const r of res) { const [c, s] = where[r.name] as [string, string]; figures.push({ case: c, subject: s, unit: 'ms', stats: summarize(r.samples), load1: r.load1 }); }
  for (const [name, why] of probed.failed) { const [c, s] = where[name] as [string, string]; figures.push({ case: c, subject: s, unit: 'ms', missing: `error: ${why}` }); }

  // build, fully cached: the first build of each side fills the cache (not timed).
  const dir = buildContext(join(ctx.scratch, 'api-build-hull'), ref);
  const pdir = buildContext(join(ctx.scratch, 'api-build-podman'), pref);
  const build = (s: ApiService, d: string): Side['measure'] => () => s.time(['build', '-q', '--network', 'none', '-t', 'bench-api-build', d], { timeoutMs: 600_000 });
  const bsides = await probeSides([{ name: HULL, measure: build(h, dir) }, { name: PODMAN, measure: build(p, pdir) }]);
  figures.push(...msFigures(BUILD, await interleave(bsides.ok, { warmups: 1, iterations: ctx.n(8, 3), onProgress: ctx.log })));
  for (const [name, why] of bsides.failed) figures.push({ case: BUILD, subject: name, unit: 'ms', missing: `error: ${why}` });

  // pull: the same image cold through hull's API and with hull's CLI, removed (untimed) after each.
  const debian = refOf(ctx, 'debian');
  const flags = await hullInsecureFlags(ctx, 'pull');
  const [hc, ...ha] = ctx.hull.argv(hs, 'pull', ...flags, debian);
  const cold = (pullIt: () => Promise<number>, rm: () => Promise<unknown>): Side['measure'] => async () => { const ms = await pullIt(); await rm(); return ms; };
  const psides: Side[] = [
    { name: 'docker pull (hull API)', measure: cold(() => h.time(['pull', '-q', debian], { timeoutMs: 900_000 }), () => h.docker(['rmi', debian], { quiet: true })) },
    { name: 'hull pull', measure: cold(() => timeOk(hc as string, ha, { quiet: true, timeoutMs: 900_000 }), () => ctx.hull.runOk(hs, ['rmi', debian], { quiet: true })) },
    { name: 'docker pull (podman API)', measure: cold(() => p.time(['pull', '-q', debian], { timeoutMs: 900_000 }), () => p.docker(['rmi', debian], { quiet: true })) },
  ];
  figures.push(...msFigures(PULL, await interleave(psides, { warmups: 0, iterations: ctx.n(5, 2), onProgress: ctx.log })));

  // ps -a with 100 created containers in each store, created through each service (not timed).
  ctx.log(`  creating ${CONTAINERS} containers through each service`);
  await parallel(CONTAINERS, 4, (i) => h.docker(['create', '--name', `c${i}`, '--network', 'none', ref, 'true'], { quiet: true }));
  await parallel(CONTAINERS, 4, (i) => p.docker(['create', '--name', `c${i}`, '--network', 'none', pref, 'true'], { quiet: true }));
  figures.push(...msFigures(PS, await interleave([{ name: HULL, measure: () => h.time(['ps', '-a']) }, { name: PODMAN, measure: () => p.time(['ps', '-a']) }], { warmups: 1, iterations: ctx.n(10, 4), onProgress: ctx.log })));
  return figures;
}

/** Idle memory (after the cases above, nothing in flight), then the peak under 64 clients. */
async function memoryCases(ctx: BenchContext, h: ApiService, p: ApiService, fresh: Figure[]): Promise<Figure[]> {
  const figures: Figure[] = [...fresh];
  for (const s of [h, p]) {
    const idle = await idleMemory(s, ctx.n(5, 3), 1000);
    const bursts: { rss: number; pss: number; ms: number }[] = [];
    for (let i = 0; i < ctx.n(5, 3); i++) {
      const b = await burstWithMemory(s, '/containers/json?all=1', CLIENTS, 3);
      bursts.push({ rss: b.peakRssMiB, pss: b.peakPssMiB, ms: b.ms });
      ctx.log(`  ${s.name}: 3 × ${CLIENTS} concurrent listings in ${b.ms.toFixed(0)} ms, peak RSS ${b.peakRssMiB.toFixed(1)} MiB`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const procs = [...new Set(idle.flatMap((m) => m.commands))].join(', ');
    figures.push({ case: IDLE, subject: s.name, unit: 'MB', stats: summarize(idle.map((m) => m.rssMiB)), extra: `PSS ${summarize(idle.map((m) => m.pssMiB)).median.toFixed(1)} MB; processes: ${procs}` });
    figures.push({ case: PEAK, subject: s.name, unit: 'MB', stats: summarize(bursts.map((b) => b.rss)), extra: `PSS ${summarize(bursts.map((b) => b.pss)).median.toFixed(1)} MB; 3 bursts took ${summarize(bursts.map((b) => b.ms)).median.toFixed(0)} ms (median)` });
  }
  return figures;
}

function targetsOf(f: readonly Figure[]): Target[] {
  const own = (s: string, c: string): Figure | undefined => { const x = figureOf(f, c, s); return x ? { ...x, subject: `${s} idle` } : undefined; };
  return [
    compare(NONE, 'podman service', figureOf(f, NONE, HULL), figureOf(f, NONE, PODMAN), 0.7, 'issue 16: at most 0.7× podman\'s socket, --network none'),
    compare(DEFAULT, 'podman service', figureOf(f, DEFAULT, HULL), figureOf(f, DEFAULT, PODMAN), 0.7, 'issue 16: at most 0.7× podman\'s socket, each on its default network'),
    compare(PS, 'podman service', figureOf(f, PS, HULL), figureOf(f, PS, PODMAN), 0.5, 'issue 16: at most 0.5× podman\'s socket'),
    compare(PULL, 'hull pull (CLI)', figureOf(f, PULL, 'docker pull (hull API)'), figureOf(f, PULL, 'hull pull'), 1.1, 'issue 16: within 1.1× of hull pull'),
    compare(PULL, 'docker pull (podman API)', figureOf(f, PULL, 'docker pull (hull API)'), figureOf(f, PULL, 'docker pull (podman API)'), undefined, 'podman\'s socket, for information'),
    compare(BUILD, 'podman service', figureOf(f, BUILD, HULL), figureOf(f, BUILD, PODMAN), 0.5, 'issue 16: at most 0.5× podman\'s socket'),
    compare(IDLE, 'podman service', figureOf(f, IDLE, HULL), figureOf(f, IDLE, PODMAN), 1.0, 'issue 16: idle memory at most podman service\'s'),
    compare(PEAK, 'its own idle figure', figureOf(f, PEAK, HULL), own(HULL, IDLE), 1.5, `issue 16: peak with ${CLIENTS} concurrent clients at most 1.5× idle`),
    compare(FRESH, 'podman service', figureOf(f, FRESH, HULL), figureOf(f, FRESH, PODMAN), undefined, 'idle before any request, for information'),
    compare(PEAK, 'its idle figure just after start', figureOf(f, PEAK, HULL), own(HULL, FRESH), undefined, 'peak ÷ the idle figure before any work, for information'),
    compare(PEAK, '(podman, not hull: its peak ÷ its own idle figure)', figureOf(f, PEAK, PODMAN), own(PODMAN, IDLE), undefined, 'podman\'s own peak ÷ idle, for information'),
  ];
}

export const api: Scenario = {
  name: 'api',
  title: 'Docker API service: hull system service vs podman system service, through the docker CLI',
  async run(ctx: BenchContext) {
    const hs = ctx.freshStore('api-hull');
    const ps = ctx.freshStore('api-podman');
    if (!(await ctx.hull.has('system service'))) {
      await ctx.dropStore(hs);
      await ctx.dropStore(ps);
      const figures: Figure[] = [NONE, DEFAULT, PS, PULL, BUILD, FRESH, IDLE, PEAK].map((c) => ({ case: c, subject: HULL, unit: 'ms', missing: notYet('system service') }));
      return { figures, targets: targetsOf(figures), bound: '', notes: [] };
    }
    const figures: Figure[] = [];
    const notes: string[] = [];
    const { ref } = await hullGetImage(ctx, hs, 'busybox');
    const pref = await podmanGetImage(ctx, ps, 'busybox');
    let h: ApiService | undefined;
    let p: ApiService | undefined;
    try {
      await withPodmanDefaultNetwork(ctx, ps, async (net) => {
        mkdirSync(hs.runroot, { recursive: true });
        mkdirSync(ps.runroot, { recursive: true });
        const hsock = join(hs.runroot, 'api.sock');
        const psock = join(ps.runroot, 'podman.sock');
        h = await startApiService(HULL, ctx.hull.argv(hs, 'system', 'service', '--time', '0', `unix://${hsock}`), hsock, join(ctx.scratch, 'api-docker-hull'));
        p = await startApiService(PODMAN, ctx.peers.podman(ps, 'system', 'service', '--time=0', `unix://${psock}`), psock, join(ctx.scratch, 'api-docker-podman'), net.env);
        const fresh: Figure[] = [];
        for (const s of [h, p]) {
          const m = await idleMemory(s, 3, 1000);
          fresh.push({ case: FRESH, subject: s.name, unit: 'MB', stats: summarize(m.map((x) => x.rssMiB)), extra: `PSS ${summarize(m.map((x) => x.pssMiB)).median.toFixed(1)} MB` });
        }
        figures.push(...(await timedCases(ctx, hs, h, p, ref, pref)));
        figures.push(...(await memoryCases(ctx, h, p, fresh)));
        notes.push(`Default networks: hull's service with no --network (its "bridge" network, removed afterwards); podman's service on ${net.description}.`);
        await h.docker(['rm', '-f', ...Array.from({ length: CONTAINERS }, (_, i) => `c${i}`)], { quiet: true }).catch(() => undefined);
        await p.docker(['rm', '-f', ...Array.from({ length: CONTAINERS }, (_, i) => `c${i}`)], { quiet: true }).catch(() => undefined);
      });
    } finally {
      await (h as ApiService | undefined)?.stop();
      await (p as ApiService | undefined)?.stop();
      await ctx.hull.run(hs, ['network', 'rm', 'bridge']); // the store's default bridge and its rules: host-wide
      await ctx.dropStore(hs);
      await ctx.dropStore(ps);
    }
    return {
      figures,
      targets: targetsOf(figures),
      bound: 'Every case is a docker CLI process (Go, ~20–30 ms to start) making HTTP calls over a unix socket; the service then does the engine\'s work in-process. run --rm through the API is create, attach, start (runc under conmon) and wait, then the removal; ps is one request reading every container\'s record; a cached build is the context upload plus one cache lookup per step; pull is gunzip + sha256 + unpack as for the CLI. Memory: hull\'s service is one Node process (V8 heap, ~40–60 MB resident at rest); podman\'s is one Go process.',
      notes: [
        ...notes,
        `Both services run with --time 0 on private sockets and stores (podman with the bench's containers.conf); the docker CLI 28 uses a private DOCKER_CONFIG and DOCKER_BUILDKIT=0 (the legacy builder, POST /build, which both implement).`,
        'Pull: each sample pulls debian (1 layer, 61 MB gz) into a store that does not have it, then removes it untimed; hull pull runs on the same store as the service.',
        `Build: busybox base, ENV, one RUN, a COPY of 50 files, WORKDIR, CMD, \`--network none\`; the first build of each side (not timed) fills the cache.`,
        `ps -a: ${CONTAINERS} containers created (not started) through each service. Memory: RSS of the service's process tree (found by its socket path), idle = readings 1 s apart with nothing in flight, once just after start (before any request) and once after all the cases above (the figure the target uses: a service that has worked and sits idle); peak = the highest 10 ms sample while 3 bursts of ${CLIENTS} concurrent GET /containers/json?all=1 run, each on its own connection, with the ${CONTAINERS} containers present.`,
      ],
    };
  },
};
