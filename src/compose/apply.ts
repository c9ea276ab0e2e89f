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
import { dependantsOf, dependenciesOf, startOrder } from './order.js';
import { runGraph, settleAll } from './schedule.js';
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

async function createAndStart(engine: Engine, c: PlannedContainer, emit: ComposeEventSink, recreated: boolean, start = true, after?: Promise<void>): Promise<void> {
  emit({ kind: 'container', name: c.name, action: recreated ? 'Recreate' : 'Creating' });
  const record = await engine.containers.create(c.request);
  for (const [network, endpoint] of Object.entries(c.connect)) {
    await engine.containers.connectNetwork(record.Id, network, { ...(endpoint.Aliases ? { Aliases: endpoint.Aliases } : {}), ...(endpoint.IPAMConfig?.IPv4Address ? { IPAMConfig: { IPv4Address: endpoint.IPAMConfig.IPv4Address } } : {}) });
  }
  emit({ kind: 'container', name: c.name, action: recreated ? 'Recreated' : 'Created' });
  if (!start) return;
  emit({ kind: 'container', name: c.name, action: 'Starting' });
  await engine.containers.start(record.Id, after ? { after } : {});
  emit({ kind: 'container', name: c.name, action: 'Started' });
}

async function stopContainer(engine: Engine, id: string, name: string, emit: ComposeEventSink, timeout: number | undefined, onDown?: () => void): Promise<void> {
  emit({ kind: 'container', name, action: 'Stopping' });
  try {
    await engine.containers.stop(id, timeout, onDown ? { onDown } : {});
  } catch (err) {
    if (!isHullError(err, 'CONFLICT') && !isHullError(err, 'NOT_FOUND')) throw err; // not running, or gone: fine
  }
  emit({ kind: 'container', name, action: 'Stopped' });
}

async function removeContainer(engine: Engine, id: string, name: string, emit: ComposeEventSink): Promise<void> {
  emit({ kind: 'container', name, action: 'Removing' });
  try {
    await engine.containers.remove(id, { force: true });
  } catch (err) {
    if (!isHullError(err, 'NOT_FOUND')) throw err;
  }
  emit({ kind: 'container', name, action: 'Removed' });
}

async function stopAndRemove(engine: Engine, id: string, name: string, emit: ComposeEventSink, timeout: number | undefined): Promise<void> {
  await stopContainer(engine, id, name, emit, timeout);
  await removeContainer(engine, id, name, emit);
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
  // Each service starts once what it depends on has started (and met its condition); its replicas in parallel.
  const byName = new Map(plan.services.map((s) => [s.service, s]));
  startOrder(project.model); // refuses a cycle before anything starts
  // A new service that only needs its dependencies started is created and set up (rootfs,
  // network, `runc create`) beside them; its process starts once they have (Compose's order).
  const started = new Map([...byName.keys()].map((n) => [n, deferred()]));
  const early = (name: string) => !opts.noStart && pipelined(project.model.services[name] as ServiceConfig, byName.get(name)?.steps ?? []);
  await runGraph([...byName.keys()], (name) => (early(name) ? [] : dependenciesOf(project.model.services[name] as ServiceConfig)), async (name) => {
    const done = started.get(name) as Deferred;
    try {
      await upService(name, early(name) ? Promise.all(dependenciesOf(project.model.services[name] as ServiceConfig).map((d) => started.get(d)?.promise)).then(() => undefined) : undefined);
      done.resolve();
    } catch (err) {
      done.reject(err);
      throw err;
    }
  });

  async function upService(name: string, after: Promise<void> | undefined): Promise<void> {
    after?.catch(() => undefined); // each start observes it (and throws it)
    const s = byName.get(name) as (typeof plan.services)[number];
    for (const [dep, d] of Object.entries(s.dependsOn)) {
      if (project.model.services[dep] && !opts.noStart) await waitForCondition(engine, project, dep, d.condition, s.service, { emit, ...(opts.signal ? { signal: opts.signal } : {}) });
    }
    opts.signal?.throwIfAborted();
    await settleAll(s.steps.map((step) => runStep(engine, step, opts, after)));
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

function deferred(): Deferred {
  const d = {} as Deferred;
  d.promise = new Promise<void>((resolve, reject) => Object.assign(d, { resolve, reject }));
  d.promise.catch(() => undefined); // a failure is thrown by its own task
  return d;
}

/**
 * Whether a service may be set up beside its dependencies: new containers only, every dependency
 * a plain `depends_on` with condition service_started (links, volumes_from and shared namespaces
 * need the other container running, health and completion conditions are waited for first).
 */
function pipelined(svc: ServiceConfig, steps: readonly ContainerStep[]): boolean {
  const deps = dependenciesOf(svc);
  if (deps.length === 0 || steps.length === 0 || !steps.every((st) => st.action === 'create')) return false;
  const shares = (v: unknown) => typeof v === 'string' && /^(service|container):/.test(v);
  if ((svc.links as unknown[] | undefined)?.length || (svc.volumes_from as unknown[] | undefined)?.length || shares(svc.network_mode) || shares(svc.ipc) || shares(svc.pid)) return false;
  return deps.every((d) => svc.depends_on?.[d]?.condition === 'service_started');
}

async function runStep(engine: Engine, step: ContainerStep, opts: ApplyUpOptions, after?: Promise<void>): Promise<void> {
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
  } else await createAndStart(engine, step.container, emit, false, !opts.noStart, after);
}

export async function applyDown(engine: Engine, plan: DownPlan, opts: { emit: ComposeEventSink; timeout?: number }, project?: ComposeProject): Promise<void> {
  // A service stops once its dependants have stopped; each container is removed right after its
  // own stop, beside the stops that follow (Compose stops in reverse order, then removes).
  const serviceOf = (c: ObservedContainer) => c.labels[LABEL.service] ?? '';
  const inModel = (c: ObservedContainer) => project?.model.services[serviceOf(c)] !== undefined;
  const byService = new Map<string, ObservedContainer[]>();
  for (const c of plan.containers.filter(inModel)) byService.set(serviceOf(c), [...(byService.get(serviceOf(c)) ?? []), c]);
  // A service counts as stopped for the ones it depends on once its processes are dead: their
  // stops begin while its clean-up (unmount, network teardown) and removal go on beside them.
  const removals: Promise<void>[] = [];
  const stopThenRemove = async (cs: ObservedContainer[]) => {
    await settleAll(cs.map((c) => {
      let down: () => void = () => {};
      const isDown = new Promise<void>((r) => (down = r));
      const done = stopContainer(engine, c.id, c.name, opts.emit, opts.timeout, down).then(() => removeContainer(engine, c.id, c.name, opts.emit));
      removals.push(done);
      return Promise.race([isDown, done]);
    }));
  };
  try {
    if (project) {
      startOrder(project.model);
      await runGraph([...byService.keys()], (name) => dependantsOf(project.model, name), (name) => stopThenRemove(byService.get(name) ?? []));
    }
    // Containers of services no longer in the file (or of a project given by name only) last.
    await stopThenRemove(plan.containers.filter((c) => !inModel(c)));
  } finally {
    await Promise.allSettled(removals);
  }
  await settleAll(removals);
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
