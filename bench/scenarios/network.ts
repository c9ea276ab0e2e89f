/**
 * Network throughput (issue 7) with iperf3 (from the Debian image, which includes it), one TCP
 * stream, side by side with podman:
 *   published port:  host → container, the client on the host connecting to 127.0.0.1:PORT,
 *                    published with `-p PORT:5201` from a container on the engine's default
 *                    network (hull's bridge; podman's default CNI bridge, see podman-network.ts,
 *                    with the portmap plugin);
 *                    host loopback (client and server on the host) is the floor, for information;
 *   user network:    container → container, server and client in two containers on a network of
 *                    the engine's own, created for the run and removed afterwards.
 * Target: at least podman's throughput. Issue 7's other target, what the network set-up adds to a
 * container start, comes from the start scenario's rounds (see there).
 */
import { interleave, probeSides, type Side } from '../lib/ab.js';
import type { BenchContext, Scenario } from '../lib/context.js';
import type { Store } from '../lib/hull.js';
import { hullGetImage, podmanGetImage, podmanOk } from '../lib/images.js';
import { removePodmanNetworkLeftovers, withPodmanDefaultNetwork } from '../lib/podman-network.js';
import { run } from '../lib/proc.js';
import { freePort } from '../lib/registries.js';
import { compare, figureOf, notYet, type Figure, type Target } from '../lib/result.js';
import { summarize } from '../lib/stats.js';

const NET = 'hull-bench';
const PUBLISHED = 'host → container through a published port';
const USER_NET = 'container → container on a user network';
const USER_SUBNET = '10.214.0.0/24';

function gbits(json: string): number {
  const start = json.indexOf('{');
  if (start < 0) throw new Error(`iperf3: no JSON in output: ${json.slice(0, 200)}`);
  const parsed = JSON.parse(json.slice(start)) as { end?: { sum_received?: { bits_per_second?: number } }; error?: string };
  const bps = parsed.end?.sum_received?.bits_per_second;
  if (bps === undefined) throw new Error(`iperf3: ${parsed.error ?? 'no result'}`);
  return bps / 1e9;
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** iperf3 client on the host; retries while the server (just started) is not accepting yet. */
async function hostClient(port: number, secs: number): Promise<number> {
  let last = '';
  for (let i = 0; i < 20; i++) {
    const r = await run('iperf3', ['-c', '127.0.0.1', '-p', String(port), '-t', String(secs), '-J'], { timeoutMs: 120_000 });
    if (r.code === 0) return gbits(r.stdout);
    last = `${r.stdout.slice(0, 300)} ${r.stderr.slice(0, 300)}`;
    if (!/connect|refused|reset/i.test(last)) break;
    await pause(250);
  }
  throw new Error(`iperf3 client to 127.0.0.1:${port}: ${last.trim()}`);
}

async function hostLoopback(secs: number): Promise<number> {
  const port = await freePort();
  const server = run('iperf3', ['-s', '-1', '-B', '127.0.0.1', '-p', String(port)], { quiet: true, timeoutMs: 120_000 });
  try { return await hostClient(port, secs); } finally { await server; }
}

/** The container's first IPv4 address from docker-shaped `inspect` JSON. */
function ipOf(inspectJson: string): string {
  const [c] = JSON.parse(inspectJson) as { NetworkSettings?: { IPAddress?: string; Networks?: Record<string, { IPAddress?: string }> } }[];
  const ip = c?.NetworkSettings?.IPAddress || Object.values(c?.NetworkSettings?.Networks ?? {}).map((n) => n.IPAddress).find(Boolean);
  if (!ip) throw new Error('no IP address in inspect output');
  return ip;
}

/** One engine as the network cases drive it: start a detached server, run a client, remove. */
interface Engine {
  name: string;
  detach(args: string[]): Promise<string>;
  /** Runs a container to completion; its stdout. */
  runRm(args: string[]): Promise<string>;
  ip(id: string): Promise<string>;
  remove(id: string): Promise<unknown>;
}

function hullEngine(ctx: BenchContext, hs: Store): Engine {
  return {
    name: 'hull',
    detach: async (args) => (await ctx.hull.runOk(hs, ['run', '-d', ...args])).stdout.trim(),
    runRm: async (args) => (await ctx.hull.runOk(hs, ['run', '--rm', ...args], { timeoutMs: 120_000 })).stdout,
    ip: async (id) => ipOf((await ctx.hull.runOk(hs, ['inspect', id])).stdout),
    remove: (id) => ctx.hull.run(hs, ['rm', '-f', id]),
  };
}

function podmanEngine(ctx: BenchContext, ps: Store, env: NodeJS.ProcessEnv = ctx.peers.env): Engine {
  return {
    name: 'podman',
    detach: async (args) => (await podmanOk(ctx, ps, ['run', '-d', ...args], { env })).stdout.trim(),
    runRm: async (args) => (await podmanOk(ctx, ps, ['run', '--rm', ...args], { timeoutMs: 120_000, env })).stdout,
    ip: async (id) => ipOf((await podmanOk(ctx, ps, ['inspect', id])).stdout),
    remove: (id) => podmanOk(ctx, ps, ['rm', '-f', '-t', '0', id]).catch(() => undefined),
  };
}

async function published(e: Engine, ref: string, secs: number): Promise<number> {
  const port = await freePort();
  const id = await e.detach(['-p', `${port}:5201`, ref, 'iperf3', '-s', '-1']);
  try { return await hostClient(port, secs); } finally { await e.remove(id); }
}

async function containerToContainer(e: Engine, ref: string, secs: number): Promise<number> {
  const id = await e.detach(['--network', NET, ref, 'iperf3', '-s', '-1']);
  try {
    const ip = await e.ip(id);
    await pause(300);
    const script = `for i in $(seq 1 20); do iperf3 -c ${ip} -t ${secs} -J > /tmp/out && cat /tmp/out && exit 0; sleep 0.25; done; cat /tmp/out; exit 1`;
    return gbits(await e.runRm(['--network', NET, ref, 'sh', '-c', script]));
  } finally {
    await e.remove(id);
  }
}

async function measure(ctx: BenchContext, label: string, sides: Side[]): Promise<Figure[]> {
  const probed = await probeSides(sides);
  const res = await interleave(probed.ok, { warmups: 0, iterations: ctx.n(3, 1), onProgress: ctx.log });
  const figures: Figure[] = res.map((r) => ({ case: label, subject: r.name, unit: 'Gbit/s', higherIsBetter: true, stats: summarize(r.samples), load1: r.load1 }));
  for (const [name, why] of probed.failed) figures.push({ case: label, subject: name, unit: 'Gbit/s', higherIsBetter: true, missing: `error: ${why}` });
  return figures;
}

export const network: Scenario = {
  name: 'network',
  title: 'Network throughput (iperf3): published port and user network',
  async run(ctx) {
    const secs = ctx.n(5, 2);
    const hs = ctx.freshStore('net-hull');
    const ps = ctx.freshStore('net-podman');
    const hullNet = (await ctx.hull.has('network create')) && (await ctx.hull.help('run')).includes('--publish');
    const figures: Figure[] = [];
    const notes: string[] = [];
    let podmanUserBridge = '';
    try {
      const hull = hullEngine(ctx, hs);
      const podman = podmanEngine(ctx, ps);
      const hullRef = (await hullGetImage(ctx, hs, 'debian')).ref;
      const pRef = await podmanGetImage(ctx, ps, 'debian');
      // host → container through a published port, default networks
      await withPodmanDefaultNetwork(ctx, ps, async (net) => {
        const podmanDefault = podmanEngine(ctx, ps, net.env);
        const pubSides: Side[] = [];
        if (hullNet) pubSides.push({ name: 'hull', measure: () => published(hull, hullRef, secs) });
        pubSides.push({ name: 'podman', measure: () => published(podmanDefault, pRef, secs) });
        pubSides.push({ name: 'host loopback (floor)', measure: () => hostLoopback(secs) });
        ctx.log(` ${PUBLISHED}`);
        figures.push(...(await measure(ctx, PUBLISHED, pubSides)));
        notes.push(`Published port: the server container is on the engine's default network (hull: its "bridge" network; podman: ${net.description}); the client is iperf3 on the host connecting to 127.0.0.1.`);
      });
      // container → container on a user network
      await podmanOk(ctx, ps, ['network', 'create', '--subnet', USER_SUBNET, NET]);
      podmanUserBridge = (await podmanOk(ctx, ps, ['network', 'inspect', '-f', '{{.NetworkInterface}}', NET])).stdout.trim();
      if (hullNet) await ctx.hull.runOk(hs, ['network', 'create', NET]);
      const userSides: Side[] = [];
      if (hullNet) userSides.push({ name: 'hull', measure: () => containerToContainer(hull, hullRef, secs) });
      userSides.push({ name: 'podman', measure: () => containerToContainer(podman, pRef, secs) });
      ctx.log(` ${USER_NET}`);
      figures.push(...(await measure(ctx, USER_NET, userSides)));
      if (!hullNet) for (const c of [PUBLISHED, USER_NET]) figures.unshift({ case: c, subject: 'hull', unit: 'Gbit/s', missing: notYet('network create` or `hull run --publish') });
    } finally {
      if (hullNet) {
        await ctx.hull.run(hs, ['network', 'rm', NET]);
        await ctx.hull.run(hs, ['network', 'rm', 'bridge']);
      }
      await podmanOk(ctx, ps, ['network', 'rm', '-f', NET]).catch(() => undefined);
      await removePodmanNetworkLeftovers(NET, podmanUserBridge);
      await ctx.dropStore(hs);
      await ctx.dropStore(ps);
    }
    const targets: Target[] = [];
    for (const c of [PUBLISHED, USER_NET]) {
      targets.push(compare(c, 'podman', figureOf(figures, c, 'hull'), figureOf(figures, c, 'podman'), 1.0, 'issue 7: at least podman\'s throughput'));
    }
    targets.push(compare(PUBLISHED, 'host loopback (floor)', figureOf(figures, PUBLISHED, 'hull'), figureOf(figures, PUBLISHED, 'host loopback', true), undefined, 'no namespaces, no NAT: the floor'));
    return {
      figures, targets,
      bound: 'The kernel, on one core per end: TCP through the socket buffers. A published port adds NAT (DNAT of 127.0.0.1:PORT to the container, with route_localnet, and masquerade of the reply path) and the veth pair + bridge hop; container → container crosses two veth pairs and the bridge, with no NAT. Whatever the engine sets up in the data path (iptables rules per packet, conntrack) shows here; its user-space start-up does not.',
      notes: [
        `iperf3 TCP, one stream, ${secs} s per measurement; the client retries (every 250 ms, up to 20 times) until the just-started server accepts.`,
        ...notes,
        `User network: \`network create ${NET}\` on each engine (podman: --subnet ${USER_SUBNET}; hull: a subnet of its choosing), server and client containers on it, the client reaching the server by its address from inspect.`,
        'Issue 7\'s set-up target (network set-up adds at most 50 ms to a start) is in the start scenario, computed from its rounds with and without a network.',
      ],
    };
  },
};
