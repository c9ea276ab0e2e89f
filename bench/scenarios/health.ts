/**
 * Health checks and restart policies (issue 17), on this machine, which has no systemd:
 *   memory   what N idle health-checked containers (interval 1h: between probes) cost beyond the
 *            same N containers without a check, PSS per container — hull's on-demand scheduler
 *            sleeping as a shell; target ≤ 1 MB. podman's checks need systemd timers: none here.
 *   probe    `healthcheck run CTR` of `true`, hull vs podman; target ≤ 1.2× podman.
 *   restart  a container's exit to its restart (die event to start event, on-failure with
 *            `sh -c 'exit 1'`), the first restart; hull's is shown without Docker's 100 ms first
 *            back-off (podman has none); target ≤ 0.5× podman.
 */
import { interleave, probeSides, type Side } from '../lib/ab.js';
import type { BenchContext, Scenario } from '../lib/context.js';
import type { Store } from '../lib/hull.js';
import { hullGetImage, hullNetworkNone, podmanGetImage, podmanOk } from '../lib/images.js';
import { groupMemory, processTree } from '../lib/procmem.js';
import { timeOk } from '../lib/proc.js';
import { absolute, compare, figureOf, type Figure } from '../lib/result.js';
import { summarize } from '../lib/stats.js';

const MEMORY = 'idle health-checked container, beyond its monitor (PSS per container)';
const PROBE = 'healthcheck run CTR (true)';
const RESTART = 'exit to restart (first restart, without a back-off)';
const FIRST_BACKOFF_MS = 100;
const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function memoryCase(ctx: BenchContext, hs: Store, ref: string, none: string[]): Promise<Figure> {
  const n = ctx.n(10, 5);
  const samples: number[] = [];
  const commands = new Set<string>();
  for (let round = 0; round < ctx.n(3, 1); round++) {
    const perContainer: number[] = [];
    for (const health of [[], ['--health-cmd', 'true', '--health-interval', '1h']]) {
      const ids: string[] = [];
      try {
        for (let i = 0; i < n; i++) ids.push((await ctx.hull.runOk(hs, ['run', '-d', ...none, ...health, ref, 'sleep', '3600'])).stdout.trim());
        await settle(3000); // the scheduler hands over to its waiter once it sees nothing due soon
        const g = groupMemory(processTree([hs.root, hs.runroot]));
        for (const c of g.commands) commands.add(c);
        perContainer.push(g.pssMiB / n);
      } finally {
        if (ids.length > 0) await ctx.hull.run(hs, ['rm', '-f', ...ids]);
      }
    }
    samples.push((perContainer[1] as number) - (perContainer[0] as number));
  }
  return { case: MEMORY, subject: 'hull', unit: 'MB', stats: summarize(samples), extra: `processes: ${[...commands].join(', ')}` };
}

async function probeCase(ctx: BenchContext, hs: Store, ps: Store, ref: string, none: string[]): Promise<Figure[]> {
  const pref = await podmanGetImage(ctx, ps, 'busybox');
  const hid = (await ctx.hull.runOk(hs, ['run', '-d', ...none, '--health-cmd', 'true', '--health-interval', '1h', ref, 'sleep', '3600'])).stdout.trim();
  const pid = (await podmanOk(ctx, ps, ['run', '-d', '--network', 'none', '--health-cmd', 'true', '--health-interval', 'disable', pref, 'sleep', '3600'])).stdout.trim();
  try {
    const [hc, ...ha] = ctx.hull.argv(hs, 'healthcheck', 'run', hid);
    const [pc, ...pa] = ctx.peers.podman(ps, 'healthcheck', 'run', pid);
    const sides: Side[] = [
      { name: 'hull', measure: () => timeOk(hc as string, ha) },
      { name: 'podman', measure: () => timeOk(pc as string, pa, { env: ctx.peers.env }) },
    ];
    const probed = await probeSides(sides);
    const res = await interleave(probed.ok, { warmups: 1, iterations: ctx.n(15, 6), onProgress: ctx.log });
    const figures: Figure[] = res.map((r) => ({ case: PROBE, subject: r.name, unit: 'ms', stats: summarize(r.samples), load1: r.load1 }));
    for (const [name, why] of probed.failed) figures.push({ case: PROBE, subject: name, unit: 'ms', missing: `error: ${why}` });
    return figures;
  } finally {
    await ctx.hull.run(hs, ['rm', '-f', hid]);
    await podmanOk(ctx, ps, ['rm', '-f', '-t', '0', pid]).catch(() => undefined);
  }
}

/** Go's time.Time text ("2026-01-02 15:04:05.123456789 +0000 UTC") in ms since the epoch. */
function goTimeMs(text: string): number {
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d+))? ([+-]\d\d)(\d\d)/.exec(text.trim());
  if (!m) return NaN;
  return Date.parse(`${m[1]}T${m[2]}${m[4]}:${m[5]}`) + Number(`0.${m[3] ?? '0'}`) * 1000;
}

/** Milliseconds from each die to the next start in a list of [action, ms] pairs. */
function gaps(events: Array<[string, number]>): number[] {
  const out: number[] = [];
  let died: number | undefined;
  for (const [action, ms] of events) {
    if (action === 'die' || action === 'died') died = ms;
    else if (action === 'start' && died !== undefined) {
      out.push(ms - died);
      died = undefined;
    }
  }
  return out;
}

/** Until the container's state reads "exited 1": restarted once, then stopped for good. */
async function untilExited(read: () => Promise<string>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if ((await read()).trim() === 'exited 1') return;
    await settle(100);
  }
  throw new Error('the container did not stop restarting');
}

async function restartCase(ctx: BenchContext, hs: Store, ps: Store, ref: string, none: string[]): Promise<Figure[]> {
  const rounds = ctx.n(8, 4);
  const hullSamples: number[] = [];
  const podmanSamples: number[] = [];
  const pref = await podmanGetImage(ctx, ps, 'busybox');
  for (let i = 0; i < rounds; i++) {
    const hid = (await ctx.hull.runOk(hs, ['run', '-d', ...none, '--restart', 'on-failure:1', ref, 'sh', '-c', 'exit 1'])).stdout.trim();
    await untilExited(async () => (await ctx.hull.runOk(hs, ['inspect', '-f', '{{.State.Status}} {{.RestartCount}}', hid])).stdout);
    await settle(500); // the last exit's die event
    const hev = (await ctx.hull.runOk(hs, ['events', '--since', '1h', '--until', '0s', '--filter', `container=${hid}`, '--format', 'json'])).stdout;
    const hullEvents = hev.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { Action: string; timeNano: number });
    hullSamples.push(...gaps(hullEvents.map((e) => [e.Action, e.timeNano / 1e6] as [string, number])).map((g) => g - FIRST_BACKOFF_MS));
    await ctx.hull.run(hs, ['rm', '-f', hid]);
    const pid = (await podmanOk(ctx, ps, ['run', '-d', '--network', 'none', '--restart', 'on-failure:1', pref, 'sh', '-c', 'exit 1'])).stdout.trim();
    await untilExited(async () => (await podmanOk(ctx, ps, ['inspect', '-f', '{{.State.Status}} {{.RestartCount}}', pid])).stdout);
    // podman's JSON has whole seconds only; its Go time.Time text has the nanoseconds.
    const pev = (await podmanOk(ctx, ps, ['events', '--since', '1h', '--stream=false', '--filter', `container=${pid}`, '--format', '{{.Status}} {{.Time}}'])).stdout;
    podmanSamples.push(...gaps(pev.split('\n').filter(Boolean).map((l) => [l.split(' ')[0] as string, goTimeMs(l.slice(l.indexOf(' ') + 1))] as [string, number])));
    await podmanOk(ctx, ps, ['rm', '-f', '-t', '0', pid]).catch(() => undefined);
  }
  return [
    hullSamples.length > 0 ? { case: RESTART, subject: 'hull', unit: 'ms', stats: summarize(hullSamples) } : { case: RESTART, subject: 'hull', unit: 'ms', missing: 'no die/start pair in the events' },
    podmanSamples.length > 0 ? { case: RESTART, subject: 'podman', unit: 'ms', stats: summarize(podmanSamples) } : { case: RESTART, subject: 'podman', unit: 'ms', missing: 'podman recorded no died/start pair without systemd' },
  ];
}

export const health: Scenario = {
  name: 'health',
  title: 'Health checks and restart policies: idle memory, one probe, exit to restart',
  async run(ctx: BenchContext) {
    const hs = ctx.freshStore('health-hull');
    const ps = ctx.freshStore('health-podman');
    const figures: Figure[] = [];
    try {
      const { ref } = await hullGetImage(ctx, hs, 'busybox');
      const none = await hullNetworkNone(ctx);
      figures.push(await memoryCase(ctx, hs, ref, none));
      figures.push(...(await probeCase(ctx, hs, ps, ref, none)));
      figures.push(...(await restartCase(ctx, hs, ps, ref, none).catch((e: unknown) => [{ case: RESTART, subject: 'hull', unit: 'ms' as const, missing: `error: ${e instanceof Error ? e.message : String(e)}` }])));
    } finally {
      await ctx.dropStore(hs);
      await ctx.dropStore(ps);
    }
    const f = (c: string, s: string) => figureOf(figures, c, s, true);
    return {
      figures,
      targets: [
        absolute(MEMORY, 'the same containers without a check', f(MEMORY, 'hull')?.stats?.median, 'MB', 1, 'issue 17: at most 1 MB per idle health-checked container beyond its monitor', 'PSS of everything naming the store and its descendants, with checks − without, per container', f(MEMORY, 'hull')?.missing),
        compare(PROBE, 'podman healthcheck run', f(PROBE, 'hull'), f(PROBE, 'podman'), 1.2, 'issue 17: one probe at most 1.2× podman'),
        compare(RESTART, 'podman (its restart policy, no systemd)', f(RESTART, 'hull'), f(RESTART, 'podman'), 0.5, 'issue 17: exit to restart at most 0.5× podman'),
      ],
      bound: 'Idle, a store\'s scheduler is one dash waiting on one sleep (~0.3 MB PSS), shared by every health-checked container of the store; a probe is a hull start (Node and the code-cached bundle) plus `runc exec`; a restart is conmon\'s exit command (a hull start), runc delete and a new conmon, runc create and start.',
      notes: [
        'Memory: N containers `sleep 3600` with `--health-cmd true --health-interval 1h` and N without, 3 s after the last start; the difference of the two PSS sums, divided by N.',
        'Restart: hull\'s figure is its die-to-start time minus Docker\'s first back-off (100 ms, which hull keeps); podman restarts at once.',
      ],
    };
  },
};
