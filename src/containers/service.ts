/**
 * ContainerService: the container operations the front ends call. Creation and removal live here;
 * starting, stopping and cleanup in lifecycle.ts (through the conmon monitor); exec in exec.ts.
 */
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import type { RuntimeSpec } from '../oci/runtime-spec.js';
import { connectNetwork, disconnectNetwork, planNetwork, type NetworkingDeps } from './networking.js';
import { listProcesses, type TopResult } from './top.js';
import { sampleStats, type StatsSample } from './stats.js';
import { followLog, readLogs, selectLogs, type LogOptions, type LogRecord } from './logs.js';
import { copyIn, copyOut, statPath, withRootfs, type PathStat } from './copy.js';
import { copyRootFor, etcFileMounts } from './copy-target.js';
import { livePorts } from '../network/inspect.js';
import { readSandbox } from '../network/sandbox.js';
import type { PortBinding } from '../network/ports.js';
import { HullError, errorMessage } from '../errors.js';
import { join } from 'node:path';
import { unmountIfMounted } from '../sys/mount.js';
import { randomId } from '../sys/ids.js';
import type { ImageConfig } from '../oci/image-config.js';
import type { ImageManifest } from '../oci/manifest.js';
import type { ContentStore } from '../content/store.js';
import type { ImageStore, ImageRecord } from '../images/image-store.js';
import type { Snapshotter } from '../snapshots/snapshotter.js';
import { deleteContainer, type RuntimeOptions } from '../runtime/runc.js';
import { attachSocket, reopenMonitorLog, resizeTerminal, type AttachIO, type Attachment } from '../runtime/attach.js';
import { unpinNamespaces } from '../runtime/pinned-ns.js';
import { mergeProcessConfig, processArgs } from './config.js';
import { checkCreateRequest, type CreateHost, type CreatePlan } from './create-check.js';
import type { ResolvedMounts } from '../volumes/resolve.js';
import type { ContainerCreateRequest } from './create-request.js';
import { ContainerStore } from './container-store.js';
import { Lifecycle } from './lifecycle.js';
import { logPathOf } from './paths.js';
import { HealthJobs } from './health-jobs.js';
import { resolveMounts } from '../volumes/resolve.js';
import type { VolumeStore } from '../volumes/volume-store.js';
import type { EventLog } from '../events/event-log.js';
import { execInContainer, type ExecIO, type ExecOptions } from './exec.js';
import { applyUpdate, planUpdate, readUpdateHost, type UpdateRequest } from './update.js';
import { waitForContainer, WAIT_CONDITIONS, type WaitCondition, type WaitResult } from './wait.js';
import { execCapture } from '../sys/exec.js';
import { commitContainer, diffContainer, releaseOrphanedPause, type CommitOptions, type PauseDeps } from './commit.js';
import { readImage } from '../images/read-image.js';
import type { Change } from '../archive/diff.js';
import { checkName, generateName } from './names.js';
import { ZERO_TIME, type ContainerRecord } from './record.js';
import { isActive, isLive, monitorAlive, reconcile } from './reconcile.js';
import { transition } from './state-machine.js';
import { matchContainer } from './filters.js';
import { hostname as hostHostname } from 'node:os';
import { mergeHealthcheck, type HealthcheckConfig } from '../health/health-config.js';
import type { ContainerNetworking, EndpointSettings } from '../network/service.js';

export interface ContainerDeps {
  store: ContainerStore;
  images: ImageStore;
  content: ContentStore;
  snapshotter: () => Promise<Snapshotter>;
  runtime: RuntimeOptions;
  root: string;
  runroot: string;
  conmon: string;
  hullArgv: string[];
  volumes: VolumeStore;
  events: EventLog;
  network?: ContainerNetworking;
  /** The host facts create requests are checked against (rlimits). */
  host: () => CreateHost;
  /** The engine's environment (EngineOptions.env): the monitor's PATH and HULL_* settings. */
  env: NodeJS.ProcessEnv;
  /** Pods (pods/service.ts), wired by the engine: what joining one means lives there. */
  pods?: PodHooks;
  /** What a killed build left (views mounted: a fuse-overlayfs mount is a daemon too), undone by `ps` (wired by the engine). */
  reapDeadBuilds?: () => Promise<unknown>;
}

/** What containers ask of pods, so that pods/ (which drives containers) stays above the line. */
export interface PodHooks {
  /** A request naming a Pod -> the request as a member of it (namespace modes, cgroup parent) and the pod's ID. */
  planMember(request: ContainerCreateRequest): Promise<{ request: ContainerCreateRequest; pod: string }>;
  /**
   * Before a member starts: its pod's infra runs (started if need be). Resolves once the pod
   * allows the start; when the infra is being started, `created` settles once its namespaces
   * exist (the member joins them) and `running` once it runs (the member's process starts then).
   */
  beforeMemberStart(record: ContainerRecord): Promise<{ created?: Promise<void>; running?: Promise<void> }>;
}

/** How the pod service creates a pod's own containers (its infra). */
export interface InternalCreate {
  pod?: string;
  infra?: boolean;
}

/** Docker's merge: the container's health check fields win, the image's fill the rest. */
function healthOf(own: HealthcheckConfig | undefined, image: HealthcheckConfig | undefined): { Healthcheck?: HealthcheckConfig } {
  const merged = mergeHealthcheck(own, image);
  return merged ? { Healthcheck: merged } : {};
}

/** conmon truncates a log past this size unless --log-opt max-size says otherwise. */
export const DEFAULT_LOG_SIZE_MAX = 100 * 1024 * 1024;

export class ContainerService {
  readonly lifecycle: Lifecycle;
  /** Attaches waiting for their container to be started by this process (see attach). */
  private readonly pendingAttaches = new Map<string, Array<{ io: AttachIO; resolve(a: Attachment): void; reject(err: unknown): void }>>();

  /** Restarts after a back-off, health probes, the exit command's work (health-jobs.ts). */
  readonly health: HealthJobs;

  constructor(private readonly deps: ContainerDeps) {
    this.lifecycle = new Lifecycle({ ...deps, remove: async (id) => void (await this.remove(id, { force: true })), schedule: () => this.health.schedule() });
    this.health = new HealthJobs({ ...deps, lifecycle: this.lifecycle });
  }

  loadImage(image: ImageRecord): { manifest: ImageManifest; config: ImageConfig } {
    return readImage(this.deps.content, image);
  }

  private reserveName(requested: string | undefined, id: string): string {
    if (requested !== undefined) {
      const name = checkName(requested);
      if (!this.deps.store.reserveName(name, id)) {
        const owner = this.deps.store.nameOwner(name) ?? '?';
        throw new HullError('CONFLICT', `Cannot create container "${name}": the name is already in use by container ${owner.slice(0, 12)}`, {
          hint: `remove that container ("hull rm ${name}") or choose another --name`,
        });
      }
      return name;
    }
    for (let attempt = 0; ; attempt++) {
      const name = generateName(attempt);
      if (this.deps.store.reserveName(name, id)) return name;
    }
  }

  /**
   * Creates a container from a request, whoever sends it: the request is checked here
   * (checkCreateRequest), so the API, compose and kube get the checks the CLI's flags get.
   * The image must be in the store (front doors pull first: Engine.ensureImage).
   */
  async create(request: ContainerCreateRequest, internal: InternalCreate = {}): Promise<ContainerRecord> {
    let pod = internal.pod;
    if (request.Pod !== undefined && request.Pod !== '') {
      if (!this.deps.pods) throw new HullError('UNSUPPORTED', `Cannot create container in pod "${request.Pod}": pods are not set up`);
      ({ request, pod } = await this.deps.pods.planMember(request));
    } else if (request.InitContainerType) {
      throw new HullError('INVALID_ARGUMENT', 'Cannot create container: --init-ctr needs --pod', { hint: 'init containers belong to a pod: add --pod NAME' });
    }
    const initType = request.InitContainerType || undefined;
    if (initType !== undefined && initType !== 'always' && initType !== 'once') throw new HullError('INVALID_ARGUMENT', `Cannot create container: --init-ctr "${initType}" is not a type`, { hint: 'use always or once' });
    const opts = checkCreateRequest(request, this.deps.host());
    // --pid/--ipc/--uts container:NAME keep the container's ID, as --network container: does.
    for (const f of ['PidMode', 'IpcMode', 'UTSMode'] as const) {
      const mode = opts.host[f];
      if (mode?.startsWith('container:')) opts.host[f] = `container:${this.deps.store.get(mode.slice('container:'.length)).Id}`;
    }
    if (opts.host.Links) opts.host.Links = opts.host.Links.map((l) => `${this.deps.store.get(l.slice(0, l.indexOf(':'))).Id}:${l.slice(l.indexOf(':') + 1)}`);
    for (const r of this.deps.store.list()) {
      if (r.State.Status === 'created') await this.lifecycle.reapAbandonedStart(r.Id);
      // Its init and its monitor killed (-9): nobody else will record the exit, which unmounts
      // the rootfs (a fuse-overlayfs mount is a daemon too) and frees the network.
      else if (isLive(r.State.Status) && !this.lifecycle.alive(r.Id) && !monitorAlive(this.lifecycle.paths(r.Id).conmonPidFile)) await this.lifecycle.cleanup(r.Id).catch(() => undefined);
    }
    await this.deps.network?.reconcile((id) => this.lifecycle.alive(id)).catch(() => []);
    const image = this.deps.images.get(opts.image);
    const { manifest, config } = this.loadImage(image);
    const { networks, ...network } = planNetwork(this.networkDeps(), opts, { ...(config.config?.ExposedPorts ?? {}), ...opts.exposed });
    const proc = mergeProcessConfig(config.config, opts);
    // docker gives a terminal a TERM when the image does not set one.
    if (opts.tty && !proc.Env.some((e) => e.startsWith('TERM='))) proc.Env.push('TERM=xterm');
    const id = randomId();
    const path = processArgs(proc, opts.name ?? opts.image);
    const name = this.reserveName(opts.name, id);
    const snapshotter = await this.deps.snapshotter();
    try {
      const { ensureUnpacked } = await import('../images/unpack.js');
      const top = await ensureUnpacked({ root: this.deps.root, content: this.deps.content, snapshotter }, manifest, config);
      const mounts = await resolveMounts(opts.mounts, { volumes: this.deps.volumes, imageVolumes: [...Object.keys(config.config?.Volumes ?? {}), ...opts.volumes] });
      this.addVolumesFrom(mounts, opts.volumesFrom);
      await snapshotter.prepareView(id, top);
      const stopSignal = opts.stopSignal ?? config.config?.StopSignal;
      const record: ContainerRecord = {
        version: 1,
        Id: id,
        Name: name,
        Created: new Date().toISOString(),
        ImageId: image.id,
        ImageChainId: top,
        Path: path[0] as string,
        Args: path.slice(1),
        Config: {
          Image: opts.image,
          ...proc,
          Hostname: opts.hostname ?? (network.NetworkMode === 'host' ? hostHostname() : id.slice(0, 12)),
          Labels: { ...(config.config?.Labels ?? {}), ...opts.labels },
          Tty: opts.tty,
          OpenStdin: opts.interactive,
          ...(opts.stdinOnce ? { StdinOnce: true } : {}),
          ...(stopSignal ? { StopSignal: stopSignal } : {}),
          ...(opts.domainname ? { Domainname: opts.domainname } : {}),
          ...(Object.keys(opts.exposed).length > 0 || config.config?.ExposedPorts ? { ExposedPorts: { ...(config.config?.ExposedPorts ?? {}), ...opts.exposed } } : {}),
          ...healthOf(opts.healthcheck, config.config?.Healthcheck),
          ...(opts.healthOnFailure ? { HealthcheckOnFailureAction: opts.healthOnFailure } : {}),
          ...(opts.startupHealthcheck ? { StartupHealthcheck: opts.startupHealthcheck } : {}),
        },
        HostConfig: {
          AutoRemove: opts.autoRemove,
          ...network,
          ReadonlyRootfs: opts.readOnly,
          Runtime: this.deps.runtime.binary,
          LogSizeMax: opts.logSizeMax ?? DEFAULT_LOG_SIZE_MAX,
          LogConfig: { Type: opts.logDriver, Config: { ...(opts.logSizeMax !== undefined ? { 'max-size': String(opts.logSizeMax) } : {}), ...(opts.logPath !== undefined ? { path: opts.logPath } : {}) } },
          StopTimeout: opts.stopTimeout ?? 10,
          ...opts.host,
          Binds: opts.binds,
          Tmpfs: opts.tmpfs,
          ...(opts.restartPolicy ? { RestartPolicy: opts.restartPolicy } : {}),
        },
        Mounts: mounts.inspectMounts,
        MountState: { spec: mounts.specMounts, pendingCopies: mounts.volumesToPopulate, anonymous: mounts.anonymousVolumes },
        State: { Status: 'created', Pid: 0, ExitCode: 0, Error: '', StartedAt: ZERO_TIME, FinishedAt: ZERO_TIME, OOMKilled: false },
        Driver: snapshotter.driver,
        ...(networks ? { NetworkSettings: { Networks: networks } } : {}),
        ...(pod ? { Pod: pod } : {}),
        ...(internal.infra ? { IsInfra: true } : {}),
        ...(initType ? { InitContainerType: initType } : {}),
      };
      this.deps.store.create(record);
      this.deps.events.emit('container', 'create', id, { name, image: opts.image });
      return record;
    } catch (err) {
      await snapshotter.removeView(id);
      this.deps.store.releaseName(name, id);
      throw err;
    }
  }

  /** --volumes-from: the source containers' mounts (not their tmpfs), read-only if asked or if they were. */
  private addVolumesFrom(mounts: ResolvedMounts, from: CreatePlan['volumesFrom']): void {
    for (const f of from) {
      const source = this.deps.store.get(f.container);
      source.Mounts.forEach((m, i) => {
        const spec = source.MountState?.spec.find((s) => s.destination === m.Destination) ?? source.MountState?.spec[i];
        if (m.Type === 'tmpfs' || !spec || mounts.inspectMounts.some((x) => x.Destination === m.Destination)) return;
        const ro = f.readOnly ?? !m.RW;
        mounts.specMounts.push({ ...spec, options: [...(spec.options ?? []).filter((o) => o !== 'ro' && o !== 'rw'), ro ? 'ro' : 'rw'] });
        mounts.inspectMounts.push({ ...m, RW: !ro, Mode: ro ? 'ro' : m.Mode });
      });
    }
  }

  /** The record as it really is: a dead container that nobody cleaned up shows as exited. */
  inspect(idOrName: string): ContainerRecord {
    const r = this.deps.store.get(idOrName);
    return reconcile(r, this.deps.runtime.stateDir, this.lifecycle.paths(r.Id));
  }

  list(all: boolean): ContainerRecord[] {
    const records = this.deps.store.list().map((r) => reconcile(r, this.deps.runtime.stateDir, this.lifecycle.paths(r.Id)));
    return (all ? records : records.filter((r) => isActive(r.State.Status))).sort((a, b) => b.Created.localeCompare(a.Created));
  }

  /**
   * `ps`: like list, after releasing the network namespaces and leases of containers that died
   * with their hull (kill -9), filtered by Docker's filters (filters.ts).
   */
  async listReconciled(all: boolean, filters: Array<[string, string]> = []): Promise<ContainerRecord[]> {
    await this.deps.reapDeadBuilds?.().catch(() => undefined);
    for (const r of this.deps.store.list()) {
      if (r.State.Status === 'created') await this.lifecycle.reapAbandonedStart(r.Id);
      // Its init and its monitor killed (-9): nobody else will record the exit, which unmounts
      // the rootfs (a fuse-overlayfs mount is a daemon too) and frees the network.
      else if (isLive(r.State.Status) && !this.lifecycle.alive(r.Id) && !monitorAlive(this.lifecycle.paths(r.Id).conmonPidFile)) await this.lifecycle.cleanup(r.Id).catch(() => undefined);
    }
    await this.deps.network?.reconcile((id) => this.lifecycle.alive(id)).catch(() => []);
    const every = this.list(true);
    this.health.ensureAlive(every);
    // One read and reconcile of every record serves the filters (before/since name any container) and the list.
    return (all ? every : every.filter((r) => isActive(r.State.Status))).filter((r) => matchContainer(r, filters, every));
  }

  /** Persists the exit of a container that died unobserved, then returns the current record. */
  async refresh(idOrName: string): Promise<ContainerRecord> {
    const r = this.deps.store.get(idOrName);
    await this.releaseOrphanedPause(r.Id);
    return (await this.lifecycle.cleanup(r.Id)) ?? this.deps.store.get(r.Id);
  }

  /**
   * Starts a container. `attach` streams are connected before it starts (no output lost), and so
   * are the attaches that arrived in this process while it was not running (Docker clients attach
   * first, then start). `recordsExit`, `after`: see Lifecycle.start(Locked).
   */
  async start(idOrName: string, opts: { attach?: AttachIO; recordsExit?: boolean; after?: Promise<unknown>; onPinned?: () => void; onCreated?: () => void } = {}): Promise<{ record: ContainerRecord; attachment: Attachment | undefined }> {
    const record = await this.refresh(idOrName);
    // A member mounts its rootfs while its pod's infra starts, joins the infra's namespaces once
    // the infra is created, and starts its process once the infra runs.
    const { created, running } = record.Pod && !record.IsInfra && record.State.Status !== 'running' && record.State.Status !== 'paused' ? ((await this.deps.pods?.beforeMemberStart(record)) ?? {}) : {};
    const after = running && opts.after ? Promise.all([running, opts.after]) : (running ?? opts.after);
    if (record.State.Status === 'running' || record.State.Status === 'paused') {
      if (opts.attach) throw new HullError('CONFLICT', `Cannot start container "${record.Name}": it is already ${record.State.Status}`, { hint: `attach to it with "hull attach ${record.Name}"` });
      return { record, attachment: undefined };
    }
    const waiting = this.pendingAttaches.get(record.Id) ?? [];
    this.pendingAttaches.delete(record.Id);
    const ios = [...(opts.attach ? [opts.attach] : []), ...waiting.map((w) => w.io)];
    let attachments: Attachment[];
    try {
      attachments = await this.lifecycle.start(record, { attach: ios, recordsExit: opts.recordsExit ?? false, ...(created ? { ready: created } : {}), ...(after ? { after } : {}), ...(opts.onPinned ? { onPinned: opts.onPinned } : {}), ...(opts.onCreated ? { onCreated: opts.onCreated } : {}) });
    } catch (err) {
      for (const w of waiting) w.reject(err);
      // As dockerd: an auto-remove container that cannot start is removed (its waiters on
      // condition=removed return; `docker run --rm` with a missing command leaves nothing behind).
      if (record.HostConfig.AutoRemove) await this.remove(record.Id, { force: true, volumes: true }).catch(() => undefined);
      throw err;
    }
    const own = opts.attach ? attachments.shift() : undefined;
    waiting.forEach((w, i) => w.resolve(attachments[i] as Attachment));
    return { record: this.deps.store.get(record.Id), attachment: own };
  }

  /**
   * Attaches to a container's stdio. A running one is joined now; for one that is not running the
   * attachment is made by the next `start` in this process (the API's attach-then-start), until
   * `signal` aborts. Output written before an attach to a running container is in its log.
   */
  async attach(idOrName: string, io: AttachIO, signal?: AbortSignal): Promise<Attachment> {
    const record = await this.refresh(idOrName);
    if (record.State.Status === 'running' || record.State.Status === 'paused') return attachSocket(this.lifecycle.paths(record.Id).attach, io);
    if (record.HostConfig.AutoRemove && record.State.Status === 'exited') throw new HullError('CONFLICT', `Cannot attach to container "${record.Name}": it has exited and is being removed`);
    return new Promise<Attachment>((resolve, reject) => {
      const list = this.pendingAttaches.get(record.Id) ?? [];
      const entry = { io, resolve, reject };
      list.push(entry);
      this.pendingAttaches.set(record.Id, list);
      signal?.addEventListener('abort', () => {
        const rest = (this.pendingAttaches.get(record.Id) ?? []).filter((e) => e !== entry);
        if (rest.length > 0) this.pendingAttaches.set(record.Id, rest);
        else this.pendingAttaches.delete(record.Id);
        reject(signal.reason);
      }, { once: true });
    });
  }

  /** The container's terminal size (a -t container's pty, through its monitor). */
  async resize(idOrName: string, size: { height: number; width: number }): Promise<void> {
    const record = await this.refresh(idOrName);
    if (!Number.isInteger(size.height) || !Number.isInteger(size.width) || size.height <= 0 || size.width <= 0) throw new HullError('INVALID_ARGUMENT', `Cannot resize container "${record.Name}": height and width must be positive whole numbers`);
    if (record.State.Status !== 'running') throw new HullError('CONFLICT', `Cannot resize container "${record.Name}": it is ${record.State.Status}`);
    resizeTerminal(this.lifecycle.paths(record.Id).winsz, size.height, size.width);
  }

  /** Docker's wait conditions (wait.ts): resolves with the exit code. */
  async wait(idOrName: string, condition: WaitCondition = 'not-running', signal?: AbortSignal): Promise<WaitResult> {
    if (!WAIT_CONDITIONS.includes(condition)) throw new HullError('INVALID_ARGUMENT', `Cannot wait with condition "${condition}"`, { hint: `use one of ${WAIT_CONDITIONS.join(', ')}` });
    const record = this.deps.store.get(idOrName);
    const paths = this.lifecycle.paths(record.Id);
    return waitForContainer({
      store: this.deps.store,
      events: this.deps.events,
      exitDir: paths.exitDir,
      cleanup: (id) => this.lifecycle.cleanup(id),
      exited: (id) => existsSync(paths.exitFile) || !this.lifecycle.alive(id),
    }, record.Id, condition, signal);
  }

  async kill(idOrName: string, signal = 'KILL'): Promise<ContainerRecord> {
    const record = this.inspect(idOrName);
    await this.lifecycle.kill(record, signal);
    return record;
  }

  async pause(idOrName: string): Promise<ContainerRecord> {
    const record = this.inspect(idOrName);
    await this.lifecycle.pause(record, true);
    return record;
  }

  async unpause(idOrName: string): Promise<ContainerRecord> {
    const record = this.inspect(idOrName);
    await this.lifecycle.pause(record, false);
    return record;
  }

  /** docker restart: stop (the stop signal, then SIGKILL after the timeout) and start again. */
  async restart(idOrName: string, timeoutSeconds?: number): Promise<ContainerRecord> {
    const record = await this.stop(idOrName, timeoutSeconds);
    const { record: started } = await this.start(record.Id);
    this.deps.events.emit('container', 'restart', record.Id, { name: record.Name });
    return started;
  }

  /** See Lifecycle.runInForeground: `run --rm` in the foreground without a terminal. */
  async runInForeground(idOrName: string, io: ExecIO): Promise<number> {
    const record = await this.refresh(idOrName);
    if (record.Pod && !record.IsInfra) await (await this.deps.pods?.beforeMemberStart(record))?.running;
    return this.lifecycle.runInForeground(record, io);
  }

  /** `onDown`: see Lifecycle.stop (a caller that only waits for the process may go on then). */
  async stop(idOrName: string, timeoutSeconds?: number, opts: { onDown?: () => void } = {}): Promise<ContainerRecord> {
    const record = await this.refresh(idOrName);
    return this.lifecycle.stop(record, timeoutSeconds ?? record.HostConfig.StopTimeout ?? 10, opts);
  }

  /** `byPod`: the pod service removing its infra (which only goes with its pod). */
  async remove(idOrName: string, opts: { force?: boolean; volumes?: boolean; byPod?: boolean } = {}): Promise<ContainerRecord> {
    const record = await this.refresh(idOrName);
    if (record.IsInfra && !opts.byPod && record.Pod) {
      throw new HullError('CONFLICT', `Cannot remove container "${record.Name}": it is the infra container of pod ${record.Pod.slice(0, 12)}`, { hint: `remove the pod instead ("hull pod rm ${record.Pod.slice(0, 12)}")` });
    }
    if (isActive(record.State.Status) && !opts.force) {
      throw new HullError('CONFLICT', `Cannot remove container "${record.Name}": it is ${record.State.Status}`, { hint: `stop it first ("hull stop ${record.Name}") or use "hull rm -f"` });
    }
    const paths = this.lifecycle.paths(record.Id);
    // Marked first: an rm killed half-way leaves a record that says so (hull system check, rm -f again).
    // A container that had to be killed is marked under its start lock once it is down: a restart
    // (by its policy or a health check) that came between the kill and the mark has started it
    // again, so it is killed again. One that was down already is marked at once (the exit command
    // removes an --rm container while it holds that lock).
    for (let attempt = 0, killed = false; ; attempt++) {
      const now = await this.refresh(record.Id).catch(() => undefined);
      // An --rm container is removed by whoever records its exit: that may just have been done.
      if (!now) return record;
      if (!killed && !isActive(now.State.Status)) {
        await this.deps.store.update(record.Id, (r) => transition(r, 'removing'));
        break;
      }
      if (isActive(now.State.Status)) {
        await this.lifecycle.kill(now, 'KILL').catch(() => {});
        await this.lifecycle.wait(now.Id).catch(() => undefined);
        killed = true;
      }
      const marked = await this.lifecycle.withStartLock(record.Id, async () => {
        const current = this.deps.store.find(record.Id);
        if (!current) return 'gone';
        if (isActive(reconcile(current, this.deps.runtime.stateDir, paths).State.Status)) {
          if (attempt >= 5) throw new HullError('CONFLICT', `Cannot remove container "${record.Name}": it keeps being restarted`, { hint: `stop it first ("hull stop ${record.Name}"), then remove it` });
          return 'running';
        }
        await this.deps.store.update(record.Id, (r) => transition(r, 'removing'));
        return 'marked';
      });
      if (marked === 'gone') return record;
      if (marked === 'marked') break;
    }
    await deleteContainer(this.deps.runtime, record.Id);
    await unmountIfMounted(paths.rootfs);
    if (record.IsInfra) await unpinNamespaces(paths.bundle);
    await this.deps.network?.detach(record.Id).catch(() => {});
    const snapshotter = await this.deps.snapshotter();
    await snapshotter.removeView(record.Id);
    // A health probe still finishing writes and deletes its files in the bundle: retry a moment.
    rmSync(paths.bundle, { recursive: true, force: true, maxRetries: 5 });
    rmSync(`${paths.bundle}.start.lock`, { force: true });
    rmSync(paths.exitFile, { force: true });
    await this.deps.store.remove(record);
    this.deps.events.emit('container', 'destroy', record.Id, { name: record.Name, image: record.Config.Image });
    // docker removes a container's anonymous volumes with --rm and rm -v; named ones stay.
    if (opts.volumes || record.HostConfig.AutoRemove) {
      for (const name of record.MountState?.anonymous ?? []) await this.deps.volumes.remove(name, { force: true }).catch(() => {});
    }
    return record;
  }

  async rename(idOrName: string, newName: string): Promise<ContainerRecord> {
    const record = this.deps.store.get(idOrName);
    const name = checkName(newName);
    if (!this.deps.store.reserveName(name, record.Id)) throw new HullError('CONFLICT', `Cannot rename container "${record.Name}" to "${name}": the name is already in use`);
    const updated = await this.deps.store.update(record.Id, (r) => {
      r.Name = name;
    });
    this.deps.store.releaseName(record.Name, record.Id);
    await this.deps.network?.rename(record.Id, name).catch(() => {}); // DNS records follow the name
    this.deps.events.emit('container', 'rename', record.Id, { name, oldName: record.Name });
    return updated;
  }

  /** Removes every container that is not running; returns the removed ones. */
  async prune(): Promise<ContainerRecord[]> {
    const removed: ContainerRecord[] = [];
    for (const r of this.list(true)) {
      if (isActive(r.State.Status) || r.IsInfra) continue; // an infra goes with its pod (pod prune)
      removed.push(await this.remove(r.Id));
    }
    return removed;
  }

  /** `update`: new limits and restart policy, applied at once to a running container (update.ts). */
  async update(idOrName: string, request: UpdateRequest): Promise<ContainerRecord> {
    const record = await this.refresh(idOrName);
    const host = readUpdateHost();
    const next = planUpdate(record.Name, record.HostConfig, request, host);
    await applyUpdate(this.deps.runtime, record, this.lifecycle.paths(record.Id), next, host);
    const updated = await this.deps.store.update(record.Id, (r) => {
      r.HostConfig = planUpdate(r.Name, r.HostConfig, request, host);
    });
    this.deps.events.emit('container', 'update', record.Id, { name: record.Name });
    return updated;
  }

  async exec(idOrName: string, opts: ExecOptions, io: ExecIO = {}): Promise<number> {
    const record = this.inspect(idOrName);
    // Docker's exec events: exec_create and exec_start name the command, exec_die has the exit code.
    const attributes = { name: record.Name, image: record.Config.Image, execID: randomId() };
    const command = opts.cmd.join(' ');
    this.deps.events.emit('container', `exec_create: ${command}`, record.Id, attributes);
    this.deps.events.emit('container', `exec_start: ${command}`, record.Id, attributes);
    const code = await execInContainer({ conmon: this.deps.conmon, runtime: this.deps.runtime, env: this.deps.env }, record, this.lifecycle.paths(record.Id), opts, io);
    if (!opts.detach) this.deps.events.emit('container', 'exec_die', record.Id, { ...attributes, exitCode: String(code) });
    return code;
  }

  /** `network connect`: recorded for every later start, and joined now if the container runs. */
  async connectNetwork(idOrName: string, network: string, settings: EndpointSettings): Promise<void> {
    await connectNetwork(this.networkDeps(), await this.refresh(idOrName), network, settings);
  }

  async disconnectNetwork(idOrName: string, network: string): Promise<void> {
    await disconnectNetwork(this.networkDeps(), await this.refresh(idOrName), network);
  }

  private networkDeps(): NetworkingDeps {
    return { store: this.deps.store, ...(this.deps.network ? { network: this.deps.network } : {}) };
  }

  /** Processes of a running container, in Docker's {Titles, Processes} shape (top.ts). */
  async top(idOrName: string, psArgs: string[] = []): Promise<TopResult> {
    return listProcesses(this.deps.runtime, this.inspect(idOrName), psArgs);
  }

  /** One sample of a running container's cgroup counters (stats.ts); sample twice for CPU %. */
  stats(idOrName: string): StatsSample {
    const record = this.inspect(idOrName);
    if (record.State.Status !== 'running' && record.State.Status !== 'paused') throw new HullError('CONFLICT', `Cannot read the stats of container "${record.Name}": it is ${record.State.Status}`);
    const spec = JSON.parse(readFileSync(this.lifecycle.paths(record.Id).config, 'utf8')) as RuntimeSpec;
    return sampleStats(spec.linux.cgroupsPath ?? `/hull/${record.Id}`);
  }

  /**
   * Makes the monitor reopen the log file (after kubelet rotated it: renamed the file away).
   * Waits until the file is there again, so the next write lands in the new one.
   */
  async reopenLog(idOrName: string): Promise<void> {
    const record = this.inspect(idOrName);
    if (record.State.Status !== 'running') throw new HullError('CONFLICT', `Cannot reopen the log of container "${record.Name}": it is ${record.State.Status}`, { hint: 'only a running container has a log open' });
    const paths = this.lifecycle.paths(record.Id);
    const path = logPathOf(record, paths);
    try {
      reopenMonitorLog(join(paths.bundle, 'ctl'));
    } catch (err) {
      throw new HullError('RUNTIME_FAILED', `Cannot reopen the log of container "${record.Name}": its monitor's control FIFO cannot be opened (${errorMessage(err)})`, { cause: err });
    }
    for (let i = 0; i < 200 && !existsSync(path); i++) await new Promise((r) => setTimeout(r, 25));
    if (!existsSync(path)) throw new HullError('RUNTIME_FAILED', `Cannot reopen the log of container "${record.Name}": the monitor did not recreate ${path}`);
  }

  /**
   * The container's log records (stdout and stderr, with times), selected by `opts`; with
   * `follow`, new records keep coming until the container stops or `signal` aborts.
   */
  async logs(idOrName: string, opts: LogOptions & { follow?: boolean }, onRecord: (r: LogRecord) => void, signal?: AbortSignal): Promise<void> {
    const record = this.inspect(idOrName);
    if (record.HostConfig.LogConfig?.Type === 'none') throw new HullError('CONFLICT', `Cannot read the logs of container "${record.Name}": its log driver is "none", which keeps nothing`, { hint: 'create it with --log-driver json-file (the default) to keep its output' });
    const path = logPathOf(record, this.lifecycle.paths(record.Id));
    const offset = existsSync(path) ? statSync(path).size : 0;
    for (const r of selectLogs(readLogs(path), opts)) onRecord(r);
    if (!opts.follow) return;
    const until = opts.until;
    await followLog(path, offset, (r) => (until === undefined || Date.parse(r.time) <= until ? onRecord(r) : undefined), () => signal?.aborted === true || !isActive(this.inspect(record.Id).State.Status));
  }

  /** The host addresses of a running container's published ports (all, or those of one PORT[/PROTO]). */
  port(idOrName: string): PortBinding[] {
    const record = this.inspect(idOrName);
    return livePorts(readSandbox(this.deps.runroot, record.Id));
  }

  /** Copies PATH out of the container (running or not) as files at `dest`, or a tar stream. */
  async copyFrom(idOrName: string, containerPath: string, dest: string | Writable): Promise<void> {
    const record = this.inspect(idOrName);
    const paths = this.lifecycle.paths(record.Id);
    await withRootfs(await this.deps.snapshotter(), record, paths, (rootfs) => {
      const at = copyRootFor(record, rootfs, containerPath, etcFileMounts(paths.bundle));
      return copyOut(at.root, at.path, dest, record.Name);
    }, this.deps.runtime.rootless);
  }

  /** A path's entry inside the container (docker cp's stat), its parents resolved inside the rootfs. */
  async statPath(idOrName: string, containerPath: string): Promise<PathStat> {
    const record = this.inspect(idOrName);
    const paths = this.lifecycle.paths(record.Id);
    return withRootfs(await this.deps.snapshotter(), record, paths, async (rootfs) => {
      const at = copyRootFor(record, rootfs, containerPath, etcFileMounts(paths.bundle));
      return statPath(at.root, at.path, record.Name);
    }, this.deps.runtime.rootless);
  }

  /** Copies a host path or a tar stream into the container; never writes outside it. */
  async copyTo(idOrName: string, source: string | Readable, containerPath: string): Promise<void> {
    const record = this.inspect(idOrName);
    await withRootfs(await this.deps.snapshotter(), record, this.lifecycle.paths(record.Id), (rootfs) => {
      const at = copyRootFor(record, rootfs, containerPath);
      return copyIn(at.root, source, at.path, record.Name);
    }, this.deps.runtime.rootless);
  }

  /** The container's root filesystem (not its volumes) as a tar stream. */
  async export(idOrName: string, out: Writable): Promise<void> {
    const record = this.inspect(idOrName);
    const { writeTarFromDir } = await import('../archive/create-tar.js');
    await withRootfs(await this.deps.snapshotter(), record, this.lifecycle.paths(record.Id), (rootfs) => writeTarFromDir(rootfs, out), this.deps.runtime.rootless);
  }

  /** A new image from the container's changes; a running container is paused meanwhile (and the pause owned: commit.ts) unless `pause` is false. */
  async commit(idOrName: string, opts: CommitOptions): Promise<ImageRecord> {
    const record = this.inspect(idOrName);
    // Rootless without a cgroup there is no freezer: commit unpaused, as podman does there.
    const rootless = this.deps.runtime.rootless;
    if (rootless && !rootless.cgroupLimits) opts = { ...opts, pause: false };
    const image = await commitContainer({ ...this.pauseDeps(), root: this.deps.root, content: this.deps.content, images: this.deps.images, snapshotter: await this.deps.snapshotter(), loadImage: (i) => this.loadImage(i) }, record, opts);
    this.deps.events.emit('container', 'commit', record.Id, { name: record.Name, image: image.id });
    return image;
  }

  /** Undoes a pause whose owner (a killed commit) is gone; see commit.ts. */
  releaseOrphanedPause(id: string): Promise<boolean> {
    return releaseOrphanedPause(this.pauseDeps(), id);
  }

  /** For commit.ts: who paused a container on an operation's behalf (a killed commit's pause is undone). */
  private pauseDeps(): PauseDeps {
    return {
      runroot: this.deps.runroot,
      status: (id) => this.inspect(id).State.Status,
      setPaused: (id, p) => this.lifecycle.pause(this.inspect(id), p),
      // A commit killed during `runc pause` or `runc resume` leaves runc and the record disagreeing:
      // resume in runc whatever the record says (it refuses harmlessly when not paused), then record it.
      resumeOrphaned: async (id) => {
        await execCapture([this.deps.runtime.binary, '--root', this.deps.runtime.stateDir, 'resume', id]);
        const r = await this.deps.store.update(id, (c) => void (c.State.Status === 'paused' && (c.State.Status = 'running')));
        this.deps.events.emit('container', 'unpause', id, { name: r.Name });
      },
    };
  }

  async diff(idOrName: string): Promise<Change[]> {
    return diffContainer(await this.deps.snapshotter(), this.inspect(idOrName));
  }

  /** Containers that use an image (rmi refuses to delete it from under them). */
  usersOf(imageId: string): ContainerRecord[] {
    return this.deps.store.list().filter((r) => r.ImageId === imageId);
  }
}
