/**
 * The composition root: every store and service is built here, explicitly, from one set of
 * options. Nothing else in hull holds module-level state. Opening is cheap: the snapshotter (which
 * may probe overlayfs once per store) is opened on first use, so `hull images` never pays for it.
 */
import { makeDirs } from '../sys/make-dirs.js';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOST_PATH, which } from '../sys/which.js';
import { DEFAULT_HOST_PATHS, type HostPaths } from '../sys/host-paths.js';
import { DEFAULT_ROOT } from './defaults.js';
import { FsContentStore } from '../content/store.js';
import { ImageStore } from '../images/image-store.js';
import { ImageService } from '../images/image-service.js';
import { ContainerStore } from '../containers/container-store.js';
import { ContainerService, type PodHooks } from '../containers/service.js';
import { checkRequestedDriver, openSnapshotter } from '../snapshots/select.js';
import { listDeadBuilds, reapDeadBuilds } from '../build/views.js';
import { VolumeStore } from '../volumes/volume-store.js';
import { EventLog } from '../events/event-log.js';
import { NetworkService } from '../network/service.js';
import { volumesInUse } from '../volumes/in-use.js';
import { BuildService } from '../build/service.js';
import { PodService } from '../pods/service.js';
import type { SnapshotDriver, Snapshotter } from '../snapshots/snapshotter.js';
import type { RuntimeOptions } from '../runtime/runc.js';
import { hostHasBlkioWeight, readHostLimits } from '../sys/host-limits.js';
import { readRootlessNetworkCmd, type RootlessNetworkCmd } from '../network/rootless-network-cmd.js';
import { rootlessRuntime } from './rootless-info.js';
import { ensureImage, type EnsureImageOptions } from './ensure-image.js';
import { saveImages, type SaveTarget } from './save-images.js';
import { systemPrune, type SystemPruneReport } from './system-prune.js';
import type { SaveFormat } from '../images/save.js';
import { containerSizes, systemDiskUsage, systemInfo, type DfRow, type SystemInfo } from './system.js';
import { runHealthScheduler } from './health-scheduler.js';
import type { Scheduler } from '../health/scheduler.js';
import type { SchedulerProcessExit } from '../health/scheduler-process.js';

export interface EngineOptions {
  /** Persistent state: images, layers, container records. Default /var/lib/hull. */
  root: string;
  /** Runtime state: bundles, mounts, runc state. Default /run/hull. */
  runroot: string;
  storageDriver?: SnapshotDriver;
  /** OCI runtime binary. Default runc. */
  runtime?: string;
  /** The container monitor binary. Default conmon. */
  conmon?: string;
  /** The hull entry script, for conmon's exit command; default: dist/src/main.js beside this file. */
  hullEntry?: string;
  /** Host-wide state shared with other stores (sys/host-paths.ts); default /run/lock, /run/hull-*. */
  hostPaths?: Partial<HostPaths>;
  /**
   * The environment the engine works in: PATH to find runc and conmon, HULL_* settings for the
   * monitor's exit command. The engine never reads its process's environment: a front door passes
   * its own (the CLI its shell's, the API service the service's). Default: the host's PATH only.
   */
  env?: NodeJS.ProcessEnv;
  /** Set by the door when an ordinary user runs hull (inside the user's namespace; docs/rootless.md). */
  rootless?: RootlessOptions;
}

/** What the door found out about an ordinary user's set-up, for the engine and `hull info`. */
export interface RootlessOptions {
  uid: number;
  user: string;
  configDir: string;
  authFile: string;
  /** Why each place (root, runroot, config, authFile) was chosen. */
  reasons: Record<string, string>;
  pausePidFile: string;
}

/** argv that runs this hull with the same store: conmon's exit command calls it back. */
function hullArgv(o: EngineOptions): string[] {
  const main = o.hullEntry ?? fileURLToPath(new URL('../main.js', import.meta.url));
  // `--`: Node 20 reads --env-file (and the NODE_OPTIONS inside) from the script's own arguments
  // unless they come after it; nothing a container is given may configure hull's own process.
  return [process.execPath, '--', main, '--root', o.root, '--runroot', o.runroot, ...(o.storageDriver ? ['--storage-driver', o.storageDriver] : []), ...(o.runtime ? ['--runtime', o.runtime] : [])];
}

export interface Engine {
  readonly options: EngineOptions;
  readonly content: FsContentStore;
  readonly images: ImageService;
  readonly containers: ContainerService;
  readonly volumes: VolumeStore;
  readonly events: EventLog;
  readonly runtime: RuntimeOptions;
  snapshotter(): Promise<Snapshotter>;
  readonly networks: NetworkService;
  readonly builds: BuildService;
  /** Pods: an infra container holding shared namespaces, members in one cgroup (docs/pods.md). */
  readonly pods: PodService;
  /** The image to create a container from, pulled by policy (ensure-image.ts). */
  ensureImage(reference: string, opts?: EnsureImageOptions): Promise<string>;
  /** How hull is set up and what it stores (`info`, `/info`). */
  info(): Promise<SystemInfo>;
  /** Space used by images, containers and volumes (`system df`). */
  diskUsage(): Promise<DfRow[]>;
  /** Each container's writable layer in bytes (`ps --size`). */
  containerSizes(ids?: readonly string[]): Promise<Map<string, number>>;
  /** Images to an archive: a directory (oci-dir), a file (written atomically) or a stream. */
  saveImages(refs: readonly string[], format: SaveFormat, target: SaveTarget): Promise<void>;
  /** Runs the store's health/restart scheduler until nothing needs it (docs/health.md). */
  runHealthScheduler(signal: AbortSignal, onScheduler: (s: Scheduler) => void): Promise<SchedulerProcessExit>;
  /** Unused containers, networks, images (dangling, or all), build cache and (asked) volumes. */
  prune(opts?: { all?: boolean; volumes?: boolean }): Promise<SystemPruneReport>;
}

export function openEngine(options: EngineOptions): Engine {
  makeDirs(options.root);
  makeDirs(options.runroot);
  checkRequestedDriver(options.root, options.storageDriver);
  const content = new FsContentStore(options.root);
  const imageStore = new ImageStore(options.root);
  const containerStore = new ContainerStore(options.root);
  let snapshotterPromise: Promise<Snapshotter> | undefined;
  const snapshotter = () => (snapshotterPromise ??= openSnapshotter(options.root, { requested: options.storageDriver, probeCacheDir: hostPaths.probeCache, rootless: options.rootless !== undefined }));
  const runtimeName = options.runtime ?? 'runc';
  const env = options.env ?? { PATH: HOST_PATH };
  const hostPaths: HostPaths = { ...DEFAULT_HOST_PATHS, ...options.hostPaths };
  const rootless = options.rootless ? rootlessRuntime() : undefined;
  const runtime: RuntimeOptions = { binary: which(runtimeName, env.PATH) ?? runtimeName, stateDir: join(options.runroot, 'runc'), ...(rootless ? { rootless } : {}) };
  const events = new EventLog(options.root);
  const volumes = new VolumeStore(options.root, (name) => volumesInUse(containerStore.list()).has(name), (action, name, attributes) => events.emit('volume', action, name, attributes));
  let rootlessNetCmd: RootlessNetworkCmd | undefined;
  const configDir = options.rootless?.configDir ?? '';
  const networks = new NetworkService({
    root: options.root,
    runroot: options.runroot,
    hostPaths,
    // The default store's default bridge is hull0, as docker's is docker0; other stores' are hull-<id>.
    ...(options.root === DEFAULT_ROOT ? { defaultBridge: 'hull0' } : {}),
    ...(options.rootless ? { rootless: true, rootlessNetworkCmd: () => (rootlessNetCmd ??= readRootlessNetworkCmd(configDir).cmd) } : {}),
    emit: (action, id, attributes) => events.emit('network', action, id, attributes),
    containersUsing: (name) => containerStore.list().filter((r) => r.HostConfig.NetworkMode === name || r.NetworkSettings?.Networks[name] !== undefined).map((r) => r.Name),
  });
  // Containers ask pods what joining one means, pods drive containers: the hooks reach `pods` (made below) when called.
  const podHooks = (): PodHooks => pods.hooks();
  const containers = new ContainerService({
    pods: {
      planMember: (request) => podHooks().planMember(request),
      beforeMemberStart: (record) => podHooks().beforeMemberStart(record),
    },
    volumes,
    events,
    network: networks,
    store: containerStore,
    images: imageStore,
    content,
    snapshotter,
    runtime,
    root: options.root,
    runroot: options.runroot,
    conmon: which(options.conmon ?? 'conmon', env.PATH) ?? 'conmon',
    env,
    hullArgv: hullArgv(options),
    host: () => ({ limits: readHostLimits(), blkioWeight: hostHasBlkioWeight, ...(rootless ? { rootless } : {}) }),
    // A build killed -9 leaves its views mounted until someone reaps them: the next ps does.
    reapDeadBuilds: async () => (listDeadBuilds(options.runroot).length > 0 ? reapDeadBuilds(options.runroot, await snapshotter(), runtime) : undefined),
  });
  const images = new ImageService({
    content,
    images: imageStore,
    snapshotter,
    imagesInUse: () => new Set(containerStore.list().map((c) => c.ImageId)),
    events,
  });
  const pods: PodService = new PodService({
    root: options.root,
    containers,
    events,
    path: env.PATH,
    findImage: (ref) => imageStore.find(ref),
    importTarball: (input, opts) => images.importTarball(input, opts),
  });
  const builds = new BuildService({ root: options.root, runroot: options.runroot, content, imageStore, images, snapshotter, runtime, network: networks, events });
  const system = { root: options.root, runroot: options.runroot, images, containers, volumes, runtime, snapshotter, ...(options.rootless ? { rootless: options.rootless } : {}) };
  return {
    options, content, images, containers, pods, volumes, events, runtime, snapshotter, networks, builds,
    ensureImage: (ref, opts) => ensureImage(images, ref, opts),
    info: () => systemInfo(system),
    diskUsage: () => systemDiskUsage(system),
    containerSizes: (ids) => containerSizes(system, ids),
    saveImages: (refs, format, target) => saveImages(images, refs, format, target),
    runHealthScheduler: (signal, onScheduler) => runHealthScheduler({ containers, runroot: options.runroot, hullArgv: hullArgv(options), env }, signal, onScheduler),
    prune: (opts) => systemPrune({ pods, containers, networks, images, volumes, builds }, opts),
  };
}
