/**
 * Rootless mode (issue 21), hull and podman both run by the same ordinary user (created for the
 * run, with its own subordinate ranges; src/testing/rootless-user.ts):
 *   (a) `run --rm busybox true` with `--network none`, and (b) on each one's default rootless
 *       network (hull: pasta; podman 4.3: slirp4netns) — target ≤ 0.7× podman rootless;
 *   (c) pull of the smallfiles image from the reference registry into an empty store — target
 *       ≤ 1.0× podman rootless;
 *   (d) published-port throughput: a 256 MiB download from busybox httpd through `-p`, MB/s —
 *       target ≥ podman rootless.
 */
import { copyFileSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { interleave, probeSides, type Side } from '../lib/ab.js';
import type { BenchContext, Scenario } from '../lib/context.js';
import { refOf } from '../lib/context.js';
import { runOk, timeOk } from '../lib/proc.js';
import { compare, figureOf, type Figure } from '../lib/result.js';
import { summarize } from '../lib/stats.js';
import { busyboxTarball, HULL_BIN } from '../../src/testing/hull-cli.js';
import { createRootlessUser, rootlessUnsupported, type RootlessUser } from '../../src/testing/rootless-user.js';

const NONE = 'rootless run --rm busybox true, --network none';
const DEFAULT = 'rootless run --rm busybox true, default rootless network';
const PULL = 'rootless pull smallfiles (empty store)';
const PORT = 'rootless published port: 256 MiB download through -p';

/** podman's settings for this machine (docs: /work/shared/PEERS.md), in the user's own config. */
export function configurePodman(u: RootlessUser): void {
  const dir = join(u.home, '.config', 'containers');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'containers.conf'), '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n');
  for (const p of [join(u.home, '.config'), dir, join(dir, 'containers.conf')]) chownSync(p, u.uid, u.gid);
}

export async function asUser(u: RootlessUser, argv: string[], timeoutMs = 600_000): Promise<string> {
  const [c, ...a] = u.argv(argv);
  return (await runOk(c as string, a, { timeoutMs })).stdout;
}

export const timeAs = (u: RootlessUser, argv: string[]) => () => { const [c, ...a] = u.argv(argv); return timeOk(c as string, a, { quiet: true }); };

async function startCases(ctx: BenchContext, u: RootlessUser): Promise<Figure[]> {
  const sides: Side[] = [
    { name: 'hull none', measure: timeAs(u, [HULL_BIN, 'run', '--rm', '--network', 'none', 'busybox', 'true']) },
    { name: 'podman none', measure: timeAs(u, ['podman', 'run', '--rm', '--network', 'none', 'localhost/busybox', 'true']) },
    { name: 'hull default', measure: timeAs(u, [HULL_BIN, 'run', '--rm', 'busybox', 'true']) },
    { name: 'podman default', measure: timeAs(u, ['podman', 'run', '--rm', 'localhost/busybox', 'true']) },
  ];
  const where: Record<string, [string, string]> = { 'hull none': [NONE, 'hull'], 'podman none': [NONE, 'podman rootless'], 'hull default': [DEFAULT, 'hull (pasta)'], 'podman default': [DEFAULT, 'podman rootless (slirp4netns)'] };
  const probed = await probeSides(sides);
  const res = await interleave(probed.ok, { warmups: ctx.n(1, 0), iterations: ctx.n(15, 5), onProgress: ctx.log });
  const figures: Figure[] = res.map((r) => ({ case: where[r.name]?.[0] ?? r.name, subject: where[r.name]?.[1] ?? r.name, unit: 'ms', stats: summarize(r.samples), load1: r.load1 }));
  for (const [name, why] of probed.failed) figures.push({ case: where[name]?.[0] ?? name, subject: where[name]?.[1] ?? name, unit: 'ms', missing: `error: ${why}` });
  return figures;
}

async function pullCase(ctx: BenchContext, u: RootlessUser): Promise<Figure[]> {
  const ref = refOf(ctx, 'smallfiles');
  let i = 0;
  const hullStore = () => join(u.home, `bench-hull-${i}`);
  const podStore = () => join(u.home, `bench-podman-${i}`);
  const sides: Side[] = [
    { name: 'hull', measure: async () => { i++; const ms = await timeAs(u, [HULL_BIN, '--root', hullStore(), 'pull', '-q', '--tls-verify=false', ref])(); await asUser(u, [HULL_BIN, 'unshare', 'rm', '-rf', hullStore()]); return ms; } },
    { name: 'podman', measure: async () => { i++; const ms = await timeAs(u, ['podman', '--root', podStore(), 'pull', '-q', '--tls-verify=false', ref])(); await asUser(u, ['podman', '--root', podStore(), 'unshare', 'rm', '-rf', podStore()]); return ms; } },
  ];
  const probed = await probeSides(sides);
  const res = await interleave(probed.ok, { warmups: 0, iterations: ctx.n(3, 1), onProgress: ctx.log });
  const figures: Figure[] = res.map((r) => ({ case: PULL, subject: r.name === 'hull' ? 'hull' : 'podman rootless', unit: 'ms', stats: summarize(r.samples), load1: r.load1 }));
  for (const [name, why] of probed.failed) figures.push({ case: PULL, subject: name === 'hull' ? 'hull' : 'podman rootless', unit: 'ms', missing: `error: ${why}` });
  return figures;
}

async function portCase(ctx: BenchContext, u: RootlessUser): Promise<Figure[]> {
  const base = 40000 + (process.pid % 5000);
  const serve = 'dd if=/dev/zero of=/big bs=1M count=256 2>/dev/null; httpd -f -p 80 -h /';
  await asUser(u, [HULL_BIN, 'run', '-d', '--name', 'bench-port', '-p', `${base}:80`, 'busybox', 'sh', '-c', serve]);
  await asUser(u, ['podman', 'run', '-d', '--name', 'bench-port', '-p', `${base + 1}:80`, 'localhost/busybox', 'sh', '-c', serve]);
  try {
    const fetch = (port: number) => async () => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const r = await runOk('curl', ['-sf', '-o', '/dev/null', '-w', '%{speed_download}', `http://127.0.0.1:${port}/big`]).catch(() => undefined);
        if (r) return Number(r.stdout) / 1e6;
        if (Date.now() > deadline) throw new Error(`nothing answers on port ${port}`);
        await new Promise((res) => setTimeout(res, 200));
      }
    };
    const res = await interleave([{ name: 'hull', measure: fetch(base) }, { name: 'podman', measure: fetch(base + 1) }], { warmups: 1, iterations: ctx.n(5, 2), onProgress: ctx.log });
    return res.map((r) => ({ case: PORT, subject: r.name === 'hull' ? 'hull (pasta)' : 'podman rootless (slirp4netns + rootlessport)', unit: 'MB/s', higherIsBetter: true, stats: summarize(r.samples), load1: r.load1 }));
  } finally {
    await asUser(u, [HULL_BIN, 'rm', '-f', 'bench-port']).catch(() => undefined);
    await asUser(u, ['podman', 'rm', '-f', '-t', '0', 'bench-port']).catch(() => undefined);
  }
}

export const rootless: Scenario = {
  name: 'rootless',
  title: 'Rootless mode: start, pull and published-port throughput, hull vs podman as the same user',
  async run(ctx: BenchContext) {
    const why = rootlessUnsupported();
    if (why) return { figures: [{ case: NONE, subject: 'hull', unit: 'ms', missing: `skipped: ${why}` }], targets: [], bound: '', notes: [] };
    const u = createRootlessUser();
    const figures: Figure[] = [];
    try {
      configurePodman(u);
      const tar = join(u.home, 'busybox.tar.gz');
      copyFileSync(busyboxTarball(), tar);
      chownSync(tar, u.uid, u.gid);
      await asUser(u, [HULL_BIN, 'import', tar, 'busybox']);
      await asUser(u, ['podman', 'import', '-q', tar, 'localhost/busybox']);
      figures.push(...(await startCases(ctx, u)));
      figures.push(...(await pullCase(ctx, u)));
      figures.push(...(await portCase(ctx, u)));
    } finally {
      await u.remove();
    }
    const f = (c: string, s: string) => figureOf(figures, c, s, true);
    return {
      figures,
      targets: [
        compare(NONE, 'podman rootless', f(NONE, 'hull'), f(NONE, 'podman rootless'), 0.7, 'issue 21: ≤ 0.7× podman rootless, both --network none'),
        compare(DEFAULT, 'podman rootless', f(DEFAULT, 'hull (pasta)'), f(DEFAULT, 'podman rootless (slirp4netns)'), 0.7, 'issue 21: ≤ 0.7× podman rootless, each on its default rootless network'),
        compare(PULL, 'podman rootless', f(PULL, 'hull'), f(PULL, 'podman rootless'), 1.0, 'issue 21: at most podman rootless\'s time'),
        compare(PORT, 'podman rootless', f(PORT, 'hull (pasta)'), f(PORT, 'podman rootless (slirp4netns + rootlessport)'), 1.0, 'issue 21: at least podman rootless\'s throughput'),
      ],
      bound: 'A rootless hull command is a shell check of the pause process, nsenter into the user\'s namespace, then the same work as root\'s hull without cgroups; podman re-execs itself into its namespace the same way. On the default network hull starts one pasta per container (tap device, splice for local connections); podman 4.3 starts slirp4netns and its rootlessport proxy.',
      notes: ['Both engines run as one fresh ordinary user with its own subordinate ranges; podman with runtime runc, cgroupfs and file events (PEERS.md).'],
    };
  },
};
