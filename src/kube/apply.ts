/**
 * Runs a play plan (plan.ts) through the engine — `engine.volumes`, `engine.ensureImage`,
 * `engine.pods`, `engine.containers` — and nothing else: every check on a pod or container is
 * the engine's, as for `hull pod create` and `hull create --pod`.
 *
 *   play: (--replace: down first) -> volumes (ConfigMap/Secret files written) -> images ->
 *         pods -> containers (init containers first, run once) -> pods started (unless
 *         --start=false) -> Jobs waited for
 *   down: the plan's pods that play made (labelled) -> their volumes; claims only with --force
 *
 * Progress is typed events; the library never prints. Everything play makes carries LABEL.owner
 * (pods, containers) or LABEL.volume (volumes), so down never removes what someone else made
 * under the same name.
 */
import { HullError, isHullError } from '../errors.js';
import type { Engine } from '../engine/engine.js';
import { LABEL } from './labels.js';
import type { PlannedPod, PlannedVolume, PlayPlan } from './model.js';

export type KubeEvent =
  | { kind: 'pod' | 'volume' | 'container' | 'image'; name: string; action: 'Pulling' | 'Pulled' | 'Creating' | 'Created' | 'Starting' | 'Started' | 'Removing' | 'Removed' | 'Kept' }
  | { kind: 'job'; name: string; action: 'Completed' | 'Failed'; exitCode: number };

export type KubeEventSink = (e: KubeEvent) => void;

export interface PlayOptions {
  emit: KubeEventSink;
  signal?: AbortSignal;
  /** `--replace`: remove the pods (and their volumes) of an earlier play first. */
  replace?: boolean;
  /** `--start=false`: create everything, start nothing. */
  start?: boolean;
}

export interface PlayResult {
  pods: Array<{ name: string; id: string; containers: string[] }>;
  /** Jobs' exit codes, by pod name (a Job's pod with several containers: the first non-zero). */
  jobs: Record<string, number>;
}

function findPod(engine: Engine, name: string): { Id: string; Name: string; Labels: Record<string, string> } | undefined {
  try {
    return engine.pods.inspect(name);
  } catch (err) {
    if (isHullError(err, 'NOT_FOUND')) return undefined;
    throw err;
  }
}

function podLabels(pod: PlannedPod): Record<string, string> {
  return { ...pod.labels, [LABEL.owner]: pod.owner, [LABEL.pod]: pod.name };
}

async function ensureVolume(engine: Engine, v: PlannedVolume, emit: KubeEventSink): Promise<boolean> {
  const { created } = await engine.volumes.ensure(v.name, { labels: v.labels });
  if (created) emit({ kind: 'volume', name: v.name, action: 'Created' });
  if (v.files) await engine.volumes.replaceFiles(v.name, v.files, v.owner);
  return created;
}

async function pullImages(engine: Engine, plan: PlayPlan, opts: PlayOptions): Promise<void> {
  const seen = new Map<string, string>();
  for (const pod of plan.pods) {
    for (const c of [...pod.initContainers, ...pod.containers]) {
      const image = c.request.Config.Image;
      // The strictest policy asked for an image wins (Always over IfNotPresent over Never).
      const prev = seen.get(image);
      if (prev === 'always' || (prev === 'missing' && c.pull === 'never')) continue;
      seen.set(image, c.pull);
    }
  }
  for (const [image, policy] of seen) {
    let pulling = policy === 'always';
    if (pulling) opts.emit({ kind: 'image', name: image, action: 'Pulling' });
    await engine.ensureImage(image, {
      pull: policy as 'always' | 'missing' | 'never',
      onMissing: () => {
        pulling = true;
        opts.emit({ kind: 'image', name: image, action: 'Pulling' });
      },
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if (pulling) opts.emit({ kind: 'image', name: image, action: 'Pulled' });
  }
}

/**
 * Creates the pod and its containers; with `start`, the infra starts meanwhile, and `infra` is
 * that start, still going: the pod's start shares it, so the members mount their root
 * filesystems and set up their monitors while the infra's runtime and network come up.
 */
async function createPod(engine: Engine, pod: PlannedPod, emit: KubeEventSink, start: boolean): Promise<{ made: PlayResult['pods'][number]; infra?: Promise<void> }> {
  emit({ kind: 'pod', name: pod.name, action: 'Creating' });
  const portBindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const p of pod.ports) (portBindings[`${p.containerPort}/${p.protocol}`] ??= []).push({ HostIp: p.hostIP ?? '', HostPort: String(p.hostPort) });
  const view = await engine.pods.create({
    name: pod.name,
    labels: podLabels(pod),
    annotations: pod.annotations,
    hostname: pod.hostname,
    ...(pod.network ? { network: pod.network } : {}),
    ...(pod.ports.length ? { portBindings } : {}),
    ...(pod.dns ? { dns: pod.dns } : {}),
    ...(pod.dnsSearch ? { dnsSearch: pod.dnsSearch } : {}),
    ...(pod.dnsOptions ? { dnsOptions: pod.dnsOptions } : {}),
    ...(pod.addHosts ? { addHosts: pod.addHosts } : {}),
    ...(pod.sysctls ? { sysctls: pod.sysctls } : {}),
    ...(pod.sharePid ? { share: ['+pid'] } : {}),
  });
  emit({ kind: 'pod', name: pod.name, action: 'Created' });
  // The infra (namespaces, network) starts while the members are created; the pod's start joins it.
  const infra = start ? engine.pods.startInfra(view.Id) : undefined;
  infra?.catch(() => undefined); // thrown below, once the creates are done
  const containers: string[] = [];
  try {
    for (const [list, init] of [[pod.initContainers, true], [pod.containers, false]] as const) {
      for (const c of list) {
        const name = c.request.name as string;
        emit({ kind: 'container', name, action: 'Creating' });
        const record = await engine.containers.create({ ...c.request, Pod: view.Id, ...(init ? { InitContainerType: 'once' } : {}) });
        containers.push(record.Id);
        emit({ kind: 'container', name, action: 'Created' });
      }
    }
  } catch (err) {
    await infra?.catch(() => undefined); // settled before the roll-back removes the pod
    throw err;
  }
  return { made: { name: pod.name, id: view.Id, containers }, ...(infra ? { infra } : {}) };
}

/** A Job's pod: wait for its containers to exit; the first non-zero code is the Job's. */
async function waitJob(engine: Engine, pod: PlannedPod, opts: PlayOptions): Promise<number> {
  let code = 0;
  for (const c of pod.containers) {
    const { StatusCode } = await engine.containers.wait(c.request.name as string, 'not-running', opts.signal);
    if (code === 0) code = StatusCode;
  }
  opts.emit({ kind: 'job', name: pod.name, action: code === 0 ? 'Completed' : 'Failed', exitCode: code });
  return code;
}

export async function applyPlay(engine: Engine, plan: PlayPlan, opts: PlayOptions): Promise<PlayResult> {
  for (const pod of plan.pods) {
    const existing = findPod(engine, pod.name);
    if (!existing) continue;
    if (!opts.replace) {
      throw new HullError('CONFLICT', `Cannot play pod "${pod.name}": a pod of that name exists`, { hint: 'remove it first ("hull kube down FILE"), or play with --replace' });
    }
    if (existing.Labels[LABEL.owner] === undefined) {
      throw new HullError('CONFLICT', `Cannot replace pod "${pod.name}": it was not made by kube play`, { hint: `remove it yourself ("hull pod rm -f ${pod.name}") if it may go` });
    }
  }
  if (opts.replace) await applyDown(engine, plan, { emit: opts.emit, volumes: false });
  // A play that fails half-way removes what it made (pods, volumes it created), so running it
  // again after fixing the cause starts clean; volumes that existed before are left alone.
  const made = { pods: [] as string[], volumes: [] as string[] };
  try {
    for (const v of plan.volumes) if (await ensureVolume(engine, v, opts.emit)) made.volumes.push(v.name);
    await pullImages(engine, plan, opts);
    const result: PlayResult = { pods: [], jobs: {} };
    const infras: Array<Promise<void> | undefined> = [];
    try {
      for (const pod of plan.pods) {
        made.pods.push(pod.name);
        const { made: created, infra } = await createPod(engine, pod, opts.emit, opts.start !== false);
        result.pods.push(created);
        infras.push(infra);
      }
      if (opts.start === false) return result;
      for (const [i, pod] of plan.pods.entries()) {
        opts.emit({ kind: 'pod', name: pod.name, action: 'Starting' });
        // An infra that failed already is the pod's failure (the start would only try it again).
        await Promise.race([infras[i], Promise.resolve()]);
        await engine.pods.start(pod.name);
        await infras[i];
        opts.emit({ kind: 'pod', name: pod.name, action: 'Started' });
      }
    } finally {
      // Every infra start settles before anything is rolled back (or returned).
      await Promise.allSettled(infras);
    }
    for (const pod of plan.pods.filter((p) => p.runToCompletion)) result.jobs[pod.name] = await waitJob(engine, pod, opts);
    return result;
  } catch (err) {
    await rollBack(engine, made);
    throw err;
  }
}

async function rollBack(engine: Engine, made: { pods: string[]; volumes: string[] }): Promise<void> {
  for (const name of made.pods) {
    // Best effort: the error that stopped the play is the one to report.
    if (findPod(engine, name)) await engine.pods.remove(name, { force: true }).catch(() => undefined);
  }
  for (const name of made.volumes) await engine.volumes.remove(name, { force: true }).catch(() => undefined);
}

export interface DownOptions {
  emit: KubeEventSink;
  /** `--force`: remove the PersistentVolumeClaims' volumes too (their data is lost). */
  volumes: boolean;
}

/** Removes what play made for this plan: its pods, their volumes, the claims only when asked. */
export async function applyDown(engine: Engine, plan: PlayPlan, opts: DownOptions): Promise<{ pods: string[]; volumes: string[] }> {
  const removed = { pods: [] as string[], volumes: [] as string[] };
  // Every pod play made for the file's objects, found by its owner label: also the replicas of
  // a Deployment that has fewer now than when it was played.
  const owners = new Set(plan.pods.map((p) => p.owner));
  const doomed = (await engine.pods.list()).filter((p) => owners.has(p.Labels[LABEL.owner] ?? '')).reverse();
  // The pods side by side (a Deployment's replicas are independent); all settle before a failure is thrown.
  const results = await Promise.allSettled(doomed.map(async (pod) => {
    opts.emit({ kind: 'pod', name: pod.Name, action: 'Removing' });
    await engine.pods.remove(pod.Id, { force: true });
    opts.emit({ kind: 'pod', name: pod.Name, action: 'Removed' });
  }));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  removed.pods.push(...doomed.map((p) => p.Name));
  // Their ConfigMap, Secret and emptyDir volumes, the planned ones and those of removed replicas.
  const podNames = new Set(doomed.map((p) => p.Name));
  const extra = engine.volumes.list().filter((v) => v.Labels[LABEL.volume] !== 'pvc' && podNames.has(v.Labels[LABEL.pod] ?? '') && !plan.volumes.some((x) => x.name === v.Name));
  const volumes: Array<Pick<PlannedVolume, 'name' | 'kind'>> = [...plan.volumes, ...extra.map((v) => ({ name: v.Name, kind: v.Labels[LABEL.volume] as PlannedVolume['kind'] }))];
  for (const v of volumes) {
    const existing = engine.volumes.find(v.name);
    if (!existing || existing.Labels[LABEL.volume] !== v.kind) continue;
    if (v.kind === 'pvc' && !opts.volumes) {
      opts.emit({ kind: 'volume', name: v.name, action: 'Kept' });
      continue;
    }
    try {
      await engine.volumes.remove(v.name);
    } catch (err) {
      // A claim still used by another pod (or a container) stays; that is what Kubernetes does too.
      if (isHullError(err, 'CONFLICT')) {
        opts.emit({ kind: 'volume', name: v.name, action: 'Kept' });
        continue;
      }
      throw err;
    }
    removed.volumes.push(v.name);
    opts.emit({ kind: 'volume', name: v.name, action: 'Removed' });
  }
  return removed;
}
