/**
 * hull as a Kubernetes CRI runtime beside containerd 1.6 and its CRI plugin (issue 20), both driven
 * by the same grpc-js CRI client (bench/lib/cri-client.ts) over their unix sockets:
 *   start    RunPodSandbox + CreateContainer + StartContainer of a busybox `sleep` (ms per pod);
 *   exec     ExecSync `true` in a running container (ms);
 *   memory   PSS per running pod (sandbox + one container): every process the runtime adds per pod
 *            (containerd: its shim, the pause process; hull: its monitors, the infra process) plus
 *            the container's own, divided by the number of pods;
 *   idle     the CRI server's own PSS with no pods (containerd's process; hull's `cri serve`).
 * Targets: start and exec at most 0.7× containerd's, memory per pod at most containerd's.
 * hull's side runs once `hull cri serve` exists; until then its rows say so.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { interleave, type Side } from '../lib/ab.js';
import type { BenchContext, Scenario } from '../lib/context.js';
import { refOf } from '../lib/context.js';
import type { Store } from '../lib/hull.js';
import { hullInsecureFlags } from '../lib/images.js';
import { containerConfig, criClient, podConfig, type CriClient } from '../lib/cri-client.js';
import { containerdAvailable, criBenchConflist, startContainerd, type Containerd } from '../lib/containerd.js';
import { groupMemory, processTree } from '../lib/procmem.js';
import { compare, figureOf, type Figure } from '../lib/result.js';
import { summarize } from '../lib/stats.js';

const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Endpoint {
  name: string;
  client: CriClient;
  /** The server's own pid (idle memory). */
  serverPid: number;
  /** Pids of everything the runtime runs for its pods (memory per pod). */
  podProcesses(): number[];
  logDir: string;
  stop(): Promise<void>;
}

/** A pause image for containerd's sandboxes: busybox sleeping (no pause binary in the corpus). */
async function pushPauseImage(ctx: BenchContext): Promise<string> {
  const store = ctx.freshStore('cri-pause');
  const ref = `${ctx.registry.host}/bench/cri-pause:latest`;
  try {
    const layer = (ctx.corpus.images.busybox?.layers[0] as { path: string }).path;
    await ctx.hull.runOk(store, ['import', '-c', 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin', '-c', 'CMD ["sleep","2147483647"]', layer, ref], { quiet: true });
    await ctx.hull.runOk(store, ['push', ...(await hullInsecureFlags(ctx, 'push')), ref], { quiet: true, timeoutMs: 300_000 });
    return ref;
  } finally {
    await ctx.dropStore(store);
  }
}

async function containerdEndpoint(ctx: BenchContext, pauseImage: string): Promise<Endpoint> {
  const dir = join(ctx.scratch, 'containerd');
  const logDir = join(dir, 'pod-logs');
  mkdirSync(logDir, { recursive: true });
  const cd: Containerd = await startContainerd(dir, { registries: [ctx.registry.host], sandboxImage: pauseImage });
  return {
    name: 'containerd',
    client: criClient(cd.endpoint),
    serverPid: cd.pid,
    // Shims name containerd's socket; the pause and container processes are their descendants.
    podProcesses: () => processTree([cd.socket]).filter((p) => p !== cd.pid),
    logDir,
    stop: () => cd.stop(),
  };
}

/** hull's pod network: containerd's CNI chain (bridge + host-local, portmap) on a bridge of its own. */
const HULL_BRIDGE = { name: 'hcri-bench0', subnet: '10.214.1.0/24' } as const;

/**
 * hull's CRI server, `hull cri serve`, on a private store and socket. The flag that names the
 * socket is read from its help (--listen or --socket), so this follows the command as it lands.
 * Its CNI configuration directory holds the same chain as containerd's (not the host's
 * /etc/cni/net.d, whose podman chain adds the firewall and tuning plugins to every pod).
 */
async function hullEndpoint(ctx: BenchContext, store: Store): Promise<Endpoint | string> {
  const help = await ctx.hull.help('cri serve');
  if (!help) return 'not yet — `hull cri serve` missing';
  const socket = join(store.runroot, 'cri.sock');
  const flag = help.includes('--listen') ? ['--listen', `unix://${socket}`] : help.includes('--socket') ? ['--socket', socket] : [];
  const cniDir = join(store.root, 'cni-conf');
  mkdirSync(cniDir, { recursive: true });
  writeFileSync(join(cniDir, '10-cri-bench-hull.conflist'), criBenchConflist('cri-bench-hull', HULL_BRIDGE));
  const cni = help.includes('--cni-conf-dir') ? ['--cni-conf-dir', cniDir, '--cni-bin-dir', '/usr/lib/cni'] : [];
  const [cmd, ...args] = ctx.hull.argv(store, 'cri', 'serve', ...flag, ...cni);
  const child: ChildProcess = spawn(cmd as string, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
  const client = criClient(`unix://${socket}`);
  const deadline = Date.now() + 60_000;
  while (!(await client.runtime.Version({ version: 'v1' }).then(() => true, () => false))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      client.close();
      return `\`hull cri serve\` did not answer: ${stderr.trim().split('\n').pop() ?? ''}`;
    }
    await settle(200);
  }
  const logDir = join(store.root, 'pod-logs');
  mkdirSync(logDir, { recursive: true });
  return {
    name: 'hull',
    client,
    serverPid: child.pid as number,
    podProcesses: () => processTree([store.root, store.runroot]).filter((p) => p !== child.pid),
    logDir,
    stop: async () => {
      client.close();
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      spawnSync('ip', ['link', 'del', HULL_BRIDGE.name]);
    },
  };
}

let seq = 0;

/** One pod: sandbox, container, start; returns the ids and the milliseconds it took. */
async function startPod(e: Endpoint, image: string): Promise<{ pod: string; ctr: string; ms: number }> {
  const name = `bench-${process.pid}-${++seq}`;
  const config = podConfig(name, e.logDir);
  const t0 = performance.now();
  const pod = (await e.client.runtime.RunPodSandbox({ config })).pod_sandbox_id as string;
  const ctr = (await e.client.runtime.CreateContainer({ pod_sandbox_id: pod, config: containerConfig('sleeper', image, ['sleep', '3600']), sandbox_config: config })).container_id as string;
  await e.client.runtime.StartContainer({ container_id: ctr });
  return { pod, ctr, ms: performance.now() - t0 };
}

async function removePod(e: Endpoint, pod: string): Promise<void> {
  await e.client.runtime.StopPodSandbox({ pod_sandbox_id: pod });
  await e.client.runtime.RemovePodSandbox({ pod_sandbox_id: pod });
}

export const cri: Scenario = {
  name: 'cri',
  title: 'hull as a CRI runtime beside containerd: pod start, ExecSync, memory per pod',
  async run(ctx: BenchContext) {
    const startCase = 'RunPodSandbox + CreateContainer + StartContainer (busybox sleep)';
    const execCase = 'ExecSync `true`';
    const memCase = `memory per running pod (${ctx.n(5, 3)} pods, sandbox + 1 container)`;
    const idleCase = 'CRI server idle memory (no pods)';
    const figures: Figure[] = [];
    const missing = containerdAvailable();
    if (missing) throw new Error(missing);
    const image = refOf(ctx, 'busybox');
    const pause = await pushPauseImage(ctx);
    const endpoints: Endpoint[] = [];
    const hullStore = ctx.freshStore('cri-hull');
    try {
      endpoints.push(await containerdEndpoint(ctx, pause));
      const h = await hullEndpoint(ctx, hullStore);
      if (typeof h === 'string') for (const c of [startCase, execCase, memCase, idleCase]) figures.push({ case: c, subject: 'hull', unit: c === startCase || c === execCase ? 'ms' : 'MB', missing: h });
      else endpoints.unshift(h);
      for (const e of endpoints) {
        await e.client.image.PullImage({ image: { image } });
        await settle(1000);
        const idle = groupMemory([e.serverPid]);
        figures.push({ case: idleCase, subject: e.name, unit: 'MB', stats: summarize([idle.pssMiB]), extra: `RSS ${idle.rssMiB.toFixed(1)} MB` });
      }
      // Pod start, interleaved, each pod removed after it is measured.
      const startSides: Side[] = endpoints.map((e) => ({ name: e.name, measure: async () => {
        const p = await startPod(e, image);
        await removePod(e, p.pod);
        return p.ms;
      } }));
      for (const r of await interleave(startSides, { warmups: 1, iterations: ctx.n(10, 3), onProgress: ctx.log })) figures.push({ case: startCase, subject: r.name, unit: 'ms', stats: summarize(r.samples), load1: r.load1 });
      // ExecSync in one running container per side.
      const pods = new Map<string, { pod: string; ctr: string }>();
      for (const e of endpoints) pods.set(e.name, await startPod(e, image));
      const execSides: Side[] = endpoints.map((e) => ({ name: e.name, measure: async () => {
        const t0 = performance.now();
        const r = await e.client.runtime.ExecSync({ container_id: pods.get(e.name)?.ctr, cmd: ['true'], timeout: 10 });
        if (r.exit_code !== 0) throw new Error(`${e.name}: ExecSync exited ${String(r.exit_code)}`);
        return performance.now() - t0;
      } }));
      for (const r of await interleave(execSides, { warmups: 2, iterations: ctx.n(30, 5), onProgress: ctx.log })) figures.push({ case: execCase, subject: r.name, unit: 'ms', stats: summarize(r.samples), load1: r.load1 });
      for (const e of endpoints) await removePod(e, (pods.get(e.name) as { pod: string }).pod);
      // Memory per pod: n pods running, measured, removed; one side at a time.
      const n = ctx.n(5, 3);
      for (const e of endpoints) {
        const started: string[] = [];
        try {
          for (let i = 0; i < n; i++) started.push((await startPod(e, image)).pod);
          await settle(2000);
          const m = groupMemory(e.podProcesses());
          figures.push({ case: memCase, subject: e.name, unit: 'MB', stats: summarize([m.pssMiB / n]), extra: `processes: ${m.commands.join(', ')}` });
        } finally {
          for (const pod of started) await removePod(e, pod);
        }
      }
      return {
        figures,
        targets: [
          compare(startCase, 'containerd', figureOf(figures, startCase, 'hull'), figureOf(figures, startCase, 'containerd'), 0.7, 'issue 20: at most 0.7× containerd'),
          compare(execCase, 'containerd', figureOf(figures, execCase, 'hull'), figureOf(figures, execCase, 'containerd'), 0.7, 'issue 20: at most 0.7× containerd'),
          compare(memCase, 'containerd (shim per pod)', figureOf(figures, memCase, 'hull'), figureOf(figures, memCase, 'containerd'), 1.0, 'issue 20: at most containerd\'s'),
          compare(idleCase, 'containerd', figureOf(figures, idleCase, 'hull'), figureOf(figures, idleCase, 'containerd'), undefined, 'stated beside containerd\'s'),
        ],
        bound: 'A pod start is two runc create/start pairs (sandbox and container) plus a CNI ADD; an ExecSync is one `runc exec`. containerd keeps one Go shim per pod (~10 MB RSS) and a pause process; conmon is ~1–2 MB.',
        notes: [
          'Both servers are driven by the same grpc-js client over a unix socket; each side has a private store, state and socket, and the same CNI chain (bridge + host-local, portmap) on a bridge of its own. containerd is Debian\'s 1.6 with its CRI plugin (restrict_oom_score_adj, overlayfs, runc v2 shims, a bridge CNI network of its own); its sandbox image is busybox sleeping, pushed to the bench registry (the corpus has no pause binary).',
          'Memory is PSS (/proc/PID/smaps_rollup) of every process the runtime runs for its pods, 2 s after the last start, divided by the number of pods; the CRI server itself is counted only in the idle row.',
        ],
      };
    } finally {
      for (const e of endpoints) await e.stop().catch(() => {});
      await ctx.dropStore(hullStore);
    }
  },
};
