/**
 * Network throughput with iperf3 (from the Debian image, which includes it):
 *   loopback: server and client in one container with only loopback (`--network none` on both
 *             sides) — the cost of the network namespace itself;
 *   bridge:   host → container over a bridge and veth, each engine on a network of its own
 *             created for the run and removed afterwards; host loopback is the floor.
 */
import { interleave, type Side } from '../lib/ab.js';
import type { BenchContext, Scenario } from '../lib/context.js';
import type { Store } from '../lib/hull.js';
import { hullGetImage, hullNetworkNone, podmanGetImage, podmanOk } from '../lib/images.js';
import { run, runOk } from '../lib/proc.js';
import { freePort } from '../lib/registries.js';
import { notYet, ratioOf, type Figure, type Ratio } from '../lib/result.js';
import { summarize } from '../lib/stats.js';

const NET = 'hull-bench';

function gbits(json: string): number {
  const start = json.indexOf('{');
  const parsed = JSON.parse(json.slice(start)) as { end?: { sum_received?: { bits_per_second?: number } }; error?: string };
  const bps = parsed.end?.sum_received?.bits_per_second;
  if (bps === undefined) throw new Error(`iperf3: ${parsed.error ?? 'no result'}`);
  return bps / 1e9;
}

const inContainer = (secs: number): string[] => ['sh', '-c', `iperf3 -s -1 -D >/dev/null 2>&1; sleep 0.5; iperf3 -c 127.0.0.1 -t ${secs} -J`];

async function loopbackCase(ctx: BenchContext, hs: Store, ps: Store, secs: number): Promise<Figure[]> {
  const label = 'loopback inside one container';
  const hullRef = (await hullGetImage(ctx, hs, 'debian')).ref;
  const none = await hullNetworkNone(ctx);
  const pRef = await podmanGetImage(ctx, ps, 'debian');
  const sides: Side[] = [
    { name: 'hull', measure: async () => gbits((await ctx.hull.runOk(hs, ['run', '--rm', ...none, hullRef, ...inContainer(secs)], { timeoutMs: 120_000 })).stdout) },
    { name: 'podman', measure: async () => gbits((await podmanOk(ctx, ps, ['run', '--rm', '--network', 'none', pRef, ...inContainer(secs)], { timeoutMs: 120_000 })).stdout) },
  ];
  const res = await interleave(sides, { warmups: 0, iterations: ctx.n(3, 1), onProgress: ctx.log });
  return res.map((r) => ({ case: label, subject: r.name, unit: 'Gbit/s', higherIsBetter: true, stats: summarize(r.samples), load1: r.load1 }));
}

async function hostLoopback(secs: number): Promise<number> {
  const port = String(await freePort());
  const server = run('iperf3', ['-s', '-1', '-B', '127.0.0.1', '-p', port], { quiet: true, timeoutMs: 120_000 });
  await new Promise((r) => setTimeout(r, 300));
  const out = await runOk('iperf3', ['-c', '127.0.0.1', '-p', port, '-t', String(secs), '-J'], { timeoutMs: 120_000 });
  await server;
  return gbits(out.stdout);
}

async function podmanBridge(ctx: BenchContext, ps: Store, ref: string, secs: number): Promise<number> {
  const id = (await podmanOk(ctx, ps, ['run', '-d', '--network', NET, ref, 'iperf3', '-s', '-1'])).stdout.trim();
  try {
    const ip = (await podmanOk(ctx, ps, ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', id])).stdout.trim();
    await new Promise((r) => setTimeout(r, 300));
    return gbits((await runOk('iperf3', ['-c', ip, '-t', String(secs), '-J'], { timeoutMs: 120_000 })).stdout);
  } finally {
    await podmanOk(ctx, ps, ['rm', '-f', '-t', '0', id]).catch(() => undefined);
  }
}

/** The container's first IPv4 address from docker-shaped `inspect` JSON. */
function ipOf(inspectJson: string): string {
  const [c] = JSON.parse(inspectJson) as { NetworkSettings?: { IPAddress?: string; Networks?: Record<string, { IPAddress?: string }> } }[];
  const ip = c?.NetworkSettings?.IPAddress || Object.values(c?.NetworkSettings?.Networks ?? {}).map((n) => n.IPAddress).find(Boolean);
  if (!ip) throw new Error('no IP address in inspect output');
  return ip;
}

async function hullBridge(ctx: BenchContext, hs: Store, ref: string, secs: number): Promise<number> {
  const id = (await ctx.hull.runOk(hs, ['run', '-d', '--network', NET, ref, 'iperf3', '-s', '-1'])).stdout.trim();
  try {
    const ip = ipOf((await ctx.hull.runOk(hs, ['inspect', id])).stdout);
    await new Promise((r) => setTimeout(r, 300));
    return gbits((await runOk('iperf3', ['-c', ip, '-t', String(secs), '-J'], { timeoutMs: 120_000 })).stdout);
  } finally {
    await ctx.hull.run(hs, ['rm', '-f', id]);
  }
}

async function bridgeCase(ctx: BenchContext, hs: Store, ps: Store, secs: number): Promise<Figure[]> {
  const label = 'host → container over a bridge';
  const ref = await podmanGetImage(ctx, ps, 'debian');
  const hullNet = (await ctx.hull.has('network create')) && (await ctx.hull.help('run')).includes('--network');
  await podmanOk(ctx, ps, ['network', 'create', '--subnet', '10.213.0.0/24', NET]);
  const bridge = (await podmanOk(ctx, ps, ['network', 'inspect', '-f', '{{.NetworkInterface}}', NET])).stdout.trim();
  try {
    const sides: Side[] = [];
    if (hullNet) {
      const hullRef = (await hullGetImage(ctx, hs, 'debian')).ref;
      await ctx.hull.runOk(hs, ['network', 'create', '--subnet', '10.214.0.0/24', NET]);
      sides.push({ name: 'hull', measure: () => hullBridge(ctx, hs, hullRef, secs) });
    }
    sides.push({ name: 'podman (CNI bridge)', measure: () => podmanBridge(ctx, ps, ref, secs) });
    sides.push({ name: 'host loopback (floor)', measure: () => hostLoopback(secs) });
    const res = await interleave(sides, { warmups: 0, iterations: ctx.n(3, 1), onProgress: ctx.log });
    return [
      ...(hullNet ? [] : [{ case: label, subject: 'hull', unit: 'Gbit/s' as const, missing: notYet('network') }]),
      ...res.map((r): Figure => ({ case: label, subject: r.name, unit: 'Gbit/s', higherIsBetter: true, stats: summarize(r.samples), load1: r.load1 })),
    ];
  } finally {
    if (hullNet) await ctx.hull.run(hs, ['network', 'rm', NET]);
    await podmanOk(ctx, ps, ['network', 'rm', '-f', NET]).catch(() => undefined);
    if (/^cni-podman\d+$/.test(bridge)) await run('ip', ['link', 'del', bridge]);
  }
}

export const network: Scenario = {
  name: 'network',
  title: 'Network throughput (iperf3)',
  async run(ctx) {
    const secs = ctx.n(5, 2);
    const hs = ctx.freshStore('net-hull');
    const ps = ctx.freshStore('net-podman');
    const figures: Figure[] = [];
    const notes: string[] = [`iperf3 TCP, one stream, ${secs} s per measurement.`];
    try {
      figures.push(...(await loopbackCase(ctx, hs, ps, secs)));
      figures.push(...(await bridgeCase(ctx, hs, ps, secs).catch((e: Error) => [{ case: 'host → container over a bridge', subject: 'podman (CNI bridge)', unit: 'Gbit/s' as const, missing: `error: ${e.message.slice(-200)}` }])));
    } finally {
      await ctx.dropStore(hs);
      await ctx.dropStore(ps);
    }
    const ratios: Ratio[] = [];
    for (const c of [...new Set(figures.map((f) => f.case))]) {
      const hull = figures.find((f) => f.case === c && f.subject === 'hull');
      const podman = figures.find((f) => f.case === c && f.subject.startsWith('podman'));
      ratios.push({ case: c, vs: 'podman', value: ratioOf(hull, podman), target: 1.0, why: 'at least podman\'s throughput' });
    }
    return {
      figures, ratios,
      bound: 'The kernel: loopback TCP inside a namespace costs what it costs on the host (one core for each end, copies through the socket buffers); a bridge adds the veth pair and bridge forwarding (and, for podman\'s CNI, iptables rules on the path).',
      notes,
    };
  },
};
