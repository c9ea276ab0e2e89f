/**
 * Runs a plan (plan.ts) through the engine — `engine.networks`, `engine.volumes`,
 * `engine.containers`, `engine.ensureImage`, `engine.builds` — and nothing else: every check
 * on a container is the engine's. Steps go in start order; before a service starts, what it
 * depends on must meet its condition (started, healthy, completed successfully). Progress is
 * reported as typed events; the library never prints.
 *
 * A failure midway leaves each finished step in place: running `up` again converges from
 * there (containers are found by their labels), and `down` removes what exists.
 */
import { resolve } from 'node:path';
import { withStoreLock } from '../engine/store-lock.js';
import { HullError, errorMessage, isHullError } from '../errors.js';
import type { Engine } from '../engine/engine.js';
import type { PullPolicy } from '../engine/requests.js';
import type { PlannedContainer } from './create-request.js';
import { LABEL } from './labels.js';
import type { ComposeProject, ServiceConfig } from './model.js';
import { serviceImage } from './output.js';
import type { ContainerStep, DownPlan, ObservedContainer, ObservedState, UpPlan } from './plan.js';
import { startLevels } from './order.js';
import { waitForCondition } from './wait.js';

export type ComposeEvent =
  | { kind: 'network' | 'volume'; name: string; action: 'Creating' | 'Created' | 'Removing' | 'Removed' }
  | { kind: 'image'; name: string; action: 'Pulling' | 'Pulled' | 'Building' | 'Built' | 'Pushing' | 'Pushed' | 'Removing' | 'Removed' }
  | { kind: 'container'; name: string; action: 'Creating' | 'Created' | 'Recreate' | 'Recreated' | 'Starting' | 'Started' | 'Running' | 'Stopping' | 'Stopped' | 'Removing' | 'Removed' | 'Waiting' | 'Healthy' | 'Exited' };

export type ComposeEventSink = (e: ComposeEvent) => void;

/** What exists now: every container (with labels), network and volume name of the store. */
export function observe(engine: Engine): ObservedState {
  return {
    containers: engine.containers.list(true).map((c) => ({ id: c.Id, name: c.Name, labels: c.Config.Labels ?? {}, running: c.State.Status === 'running' || c.State.Status === 'restarting' })),
    networks: engine.networks.list().map((n) => n.Name),
    volumes: engine.volumes.list().map((v) => v.Name),
  };
}

export interface ApplyUpOptions {
  emit: ComposeEventSink;
  signal?: AbortSignal;
  /** `--build`: build images even when present; `--no-build`: never. */
  build?: 'always' | 'never' | 'missing';
  /** `--pull` of `up`; otherwise each service's pull_policy. */
  pull?: PullPolicy;
  /** Seconds to wait for a container to stop when it is recreated or removed. */
  timeout?: number;
  /** `create`: make the containers, start none. */
  noStart?: boolean;
}

function pullPolicy(svc: ServiceConfig): PullPolicy {
  switch (svc.pull_policy) {
    case 'always':
      return 'always';
    case 'never':
    case 'build':
      return 'never';
    default:
      return 'missing';
  }
}

function hasImage(engine: Engine, ref: string): boolean {
  try {
    engine.images.get(ref);
    return true;
  } catch (err) {
    if (isHullError(err, 'NOT_FOUND')) return false;
    throw err;
  }
}

/** Builds the image of a service that has `build:` (Compose v2's `build`, and `up` when the image is missing). */
export async function buildService(engine: Engine, project: ComposeProject, service: string, opts: { emit: ComposeEventSink; signal?: AbortSignal; noCache?: boolean; pull?: boolean }): Promise<void> {
  const svc = project.model.services[service] as ServiceConfig;
  const b = svc.build;
  if (!b) return;
  const image = serviceImage(project.model, service);
  // A build arg without a value takes it from the environment the project was read with.
  const args = Object.fromEntries(Object.entries(b.args ?? {}).flatMap(([k, v]) => (v !== null ? [[k, v]] : project.environment[k] !== undefined ? [[k, project.environment[k] as string]] : [])));
  opts.emit({ kind: 'image', name: image, action: 'Building' });
  await engine.builds.build(
    {
      contextDir: b.context,
      ...(b.dockerfile_inline !== undefined ? { fileText: b.dockerfile_inline } : b.dockerfile ? { file: resolve(b.context, b.dockerfile) } : {}),
      tags: [image],
      buildArgs: args,
      ...(b.target ? { target: b.target } : {}),
      ...(b.no_cache || opts.noCache ? { noCache: true } : {}),
      ...(b.pull || opts.pull ? { pull: true } : {}),
      ...(b.labels ? { labels: b.labels } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    },
    () => {},
  );
  opts.emit({ kind: 'image', name: image, action: 'Built' });
}

/** Pulls a service's image by `policy` (default: its pull_policy); says so only when it pulls. */
export async function pullService(engine: Engine, project: ComposeProject, service: string, opts: { emit: ComposeEventSink; signal?: AbortSignal; policy?: PullPolicy }): Promise<void> {
  const svc = project.model.services[service] as ServiceConfig;
  const image = serviceImage(project.model, service);
  const policy = opts.policy ?? pullPolicy(svc);
  let pulling = policy === 'always';
  if (pulling) opts.emit({ kind: 'image', name: image, action: 'Pulling' });
  await engine.ensureImage(image, {
    pull: policy,
    onMissing: () => {
      pulling = true;
      opts.emit({ kind: 'image', name: image, action: 'Pulling' });
    },
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (pulling) opts.emit({ kind: 'image', name: image, action: 'Pulled' });
}

/** Builds or pulls each image the plan creates containers from (once per image). */
async function prepareImages(engine: Engine, project: ComposeProject, plan: UpPlan, opts: ApplyUpOptions): Promise<void> {
  const done = new Set<string>();
  for (const s of plan.services) {
    if (!s.steps.some((st) => st.action === 'create' || st.action === 'recreate')) continue;
    const svc = project.model.services[s.service] as ServiceConfig;
    const image = serviceImage(project.model, s.service);
    if (done.has(image)) continue;
    done.add(image);
    const wantsBuild = svc.build && opts.build !== 'never' && (opts.build === 'always' || svc.pull_policy === 'build' || !hasImage(engine, image));
    const signal = opts.signal ? { signal: opts.signal } : {};
    if (wantsBuild) await buildService(engine, project, s.service, { emit: opts.emit, ...signal });
    else await pullService(engine, project, s.service, { emit: opts.emit, ...signal, ...(opts.pull ? { policy: opts.pull } : {}) });
  }
}

async function createAndStart(engine: Engine, c: PlannedContainer, emit: ComposeEventSink, recreated: boolean, start = true): Promise<void> {
  emit({ kind: 'container', name: c.name, action: recreated ? 'Recreate' : 'Creating' });
  const record = await engine.containers.create(c.request);
  for (const [network, endpoint] of Object.entries(c.connect)) {
    await engine.containers.connectNetwork(record.Id, network, { ...(endpoint.Aliases ? { Aliases: endpoint.Aliases } : {}), ...(endpoint.IPAMConfig?.IPv4Address ? { IPAMConfig: { IPv4Address: endpoint.IPAMConfig.IPv4Address } } : {}) });
  }
  emit({ kind: 'container', name: c.name, action: recreated ? 'Recreated' : 'Created' });
  if (!start) return;
  emit({ kind: 'container', name: c.name, action: 'Starting' });
  await engine.containers.start(record.Id);
  emit({ kind: 'container', name: c.name, action: 'Started' });
}

async function stopAndRemove(engine: Engine, id: string, name: string, emit: ComposeEventSink, timeout: number | undefined): Promise<void> {
  emit({ kind: 'container', name, action: 'Stopping' });
  try {
    await engine.containers.stop(id, timeout);
  } catch (err) {
    if (!isHullError(err, 'CONFLICT') && !isHullError(err, 'NOT_FOUND')) throw err; // not running, or gone: fine
  }
  emit({ kind: 'container', name, action: 'Stopped' });
  emit({ kind: 'container', name, action: 'Removing' });
  try {
    await engine.containers.remove(id, { force: true });
  } catch (err) {
    if (!isHullError(err, 'NOT_FOUND')) throw err;
  }
  emit({ kind: 'container', name, action: 'Removed' });
}

export async function applyUp(engine: Engine, project: ComposeProject, plan: UpPlan, opts: ApplyUpOptions): Promise<void> {
  const { emit } = opts;
  for (const n of plan.networks) {
    if (!n.create) continue;
    emit({ kind: 'network', name: n.name, action: 'Creating' });
    try {
      await engine.networks.create(n.name, { ...(n.subnet ? { subnet: n.subnet } : {}), ...(n.gateway ? { gateway: n.gateway } : {}), internal: n.internal, labels: n.labels });
    } catch (err) {
      if (!isHullError(err, 'ALREADY_EXISTS') && !isHullError(err, 'CONFLICT')) throw err; // another `up` made it meanwhile
    }
    emit({ kind: 'network', name: n.name, action: 'Created' });
  }
  for (const v of plan.volumes) {
    if (!v.create) continue;
    emit({ kind: 'volume', name: v.name, action: 'Creating' });
    await engine.volumes.ensure(v.name, { labels: v.labels });
    emit({ kind: 'volume', name: v.name, action: 'Created' });
  }
  await prepareImages(engine, project, plan, opts);
  // Services of one level start together, each after its conditions are met; its replicas in parallel.
  const byName = new Map(plan.services.map((s) => [s.service, s]));
  for (const level of startLevels(project.model)) {
    await settleAll(
      level.flatMap((name) => {
        const s = byName.get(name);
        if (!s) return [];
        return [
          (async () => {
            for (const [dep, d] of Object.entries(s.dependsOn)) {
              if (project.model.services[dep] && !opts.noStart) await waitForCondition(engine, project, dep, d.condition, s.service, { emit, ...(opts.signal ? { signal: opts.signal } : {}) });
            }
            opts.signal?.throwIfAborted();
            await settleAll(s.steps.map((step) => runStep(engine, step, opts)));
          })(),
        ];
      }),
    );
  }
}

async function runStep(engine: Engine, step: ContainerStep, opts: ApplyUpOptions): Promise<void> {
  const { emit } = opts;
  if (step.action === 'keep') emit({ kind: 'container', name: step.existing.name, action: 'Running' });
  else if (step.action === 'start') {
    if (opts.noStart) return;
    emit({ kind: 'container', name: step.existing.name, action: 'Starting' });
    await engine.containers.start(step.existing.id);
    emit({ kind: 'container', name: step.existing.name, action: 'Started' });
  } else if (step.action === 'remove') await stopAndRemove(engine, step.existing.id, step.existing.name, emit, opts.timeout);
  else if (step.action === 'recreate') {
    await stopAndRemove(engine, step.replaces.id, step.replaces.name, emit, opts.timeout);
    await createAndStart(engine, step.container, emit, true, !opts.noStart);
  } else await createAndStart(engine, step.container, emit, false, !opts.noStart);
}

/** Waits for every task (none is left running unobserved), then throws the first failure. */
async function settleAll(tasks: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

export async function applyDown(engine: Engine, plan: DownPlan, opts: { emit: ComposeEventSink; timeout?: number }, project?: ComposeProject): Promise<void> {
  // Dependants first, level by level (startLevels reversed); each level's containers stop together.
  const levels = project ? startLevels(project.model) : [];
  const levelOf = (c: ObservedContainer) => levels.findIndex((l) => l.includes(c.labels[LABEL.service] ?? ''));
  const stages = new Map<number, ObservedContainer[]>();
  for (const c of plan.containers) stages.set(levelOf(c), [...(stages.get(levelOf(c)) ?? []), c]);
  for (const l of [...stages.keys()].sort((a, b) => b - a)) await settleAll((stages.get(l) ?? []).map((c) => stopAndRemove(engine, c.id, c.name, opts.emit, opts.timeout)));
  for (const name of plan.networks) {
    opts.emit({ kind: 'network', name, action: 'Removing' });
    try {
      await engine.networks.remove(name);
    } catch (err) {
      if (!isHullError(err, 'NOT_FOUND')) throw new HullError(isHullError(err) ? err.code : 'INTERNAL', `Cannot remove network "${name}": ${errorMessage(err)}`, { cause: err });
    }
    opts.emit({ kind: 'network', name, action: 'Removed' });
  }
  for (const ref of plan.images) {
    opts.emit({ kind: 'image', name: ref, action: 'Removing' });
    try {
      await engine.images.remove(ref);
    } catch (err) {
      if (!isHullError(err, 'NOT_FOUND')) throw err; // never pulled or built: nothing to remove
    }
    opts.emit({ kind: 'image', name: ref, action: 'Removed' });
  }
  for (const name of plan.volumes) {
    opts.emit({ kind: 'volume', name, action: 'Removing' });
    try {
      await engine.volumes.remove(name);
    } catch (err) {
      if (!isHullError(err, 'NOT_FOUND')) throw err;
    }
    opts.emit({ kind: 'volume', name, action: 'Removed' });
  }
}

/** The project's service containers (one-offs of `run` left out, as Compose's ps does), for `ps`. */
export function projectRecords(engine: Engine, project: string, all: boolean) {
  return engine.containers.list(all).filter((c) => c.Config.Labels?.[LABEL.project] === project && c.Config.Labels?.[LABEL.oneoff] !== 'True');
}

/**
 * One compose command at a time changes a project: a second `up` or `down` of the same project
 * waits for the first (Compose has no such lock; two of its processes can race on names).
 */
export function withProjectLock<T>(engine: Engine, project: string, fn: () => Promise<T>): Promise<T> {
  return withStoreLock(engine.options.root, 'compose', project, fn);
}
