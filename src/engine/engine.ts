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
import { ContainerService } from '../containers/service.js';
import { openSnapshotter } from '../snapshots/select.js';
import { VolumeStore } from '../volumes/volume-store.js';
import { EventLog } from '../events/event-log.js';
import { NetworkService } from '../network/service.js';
import { volumesInUse } from '../volumes/in-use.js';
import { BuildService } from '../build/service.js';
import type { SnapshotDriver, Snapshotter } from '../snapshots/snapshotter.js';
import type { RuntimeOptions } from '../runtime/runc.js';
import { readHostLimits } from '../sys/host-limits.js';
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
  /** The image to create a container from, pulled by policy (ensure-image.ts). */
  ensureImage(reference: string, opts?: EnsureImageOptions): Promise<string>;
  /** How hull is set up and what it stores (`info`, `/info`). */
  info(): Promise<SystemInfo>;
  /** Space used by images, containers and volumes (`system df`). */
  diskUsage(): Promise<DfRow[]>;
  /** Each container's writable layer in bytes (`ps --size`). */
  containerSizes(): Promise<Map<string, number>>;
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
  const content = new FsContentStore(options.root);
  const imageStore = new ImageStore(options.root);
  const containerStore = new ContainerStore(options.root);
  let snapshotterPromise: Promise<Snapshotter> | undefined;
  const snapshotter = () => (snapshotterPromise ??= openSnapshotter(options.root, options.storageDriver, hostPaths.probeCache));
  const runtimeName = options.runtime ?? 'runc';
  const env = options.env ?? { PATH: HOST_PATH };
  const hostPaths: HostPaths = { ...DEFAULT_HOST_PATHS, ...options.hostPaths };
  const runtime: RuntimeOptions = { binary: which(runtimeName, env.PATH) ?? runtimeName, stateDir: join(options.runroot, 'runc') };
  const events = new EventLog(options.root);
  const volumes = new VolumeStore(options.root, (name) => volumesInUse(containerStore.list()).has(name));
  const networks = new NetworkService({
    root: options.root,
    runroot: options.runroot,
    hostPaths,
    // The default store's default bridge is hull0, as docker's is docker0; other stores' are hull-<id>.
    ...(options.root === DEFAULT_ROOT ? { defaultBridge: 'hull0' } : {}),
    containersUsing: (name) => containerStore.list().filter((r) => r.HostConfig.NetworkMode === name || r.NetworkSettings?.Networks[name] !== undefined).map((r) => r.Name),
  });
  const containers = new ContainerService({
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
    host: () => ({ limits: readHostLimits() }),
  });
  const images = new ImageService({
    content,
    images: imageStore,
    snapshotter,
    imagesInUse: () => new Set(containerStore.list().map((c) => c.ImageId)),
    events,
  });
  const builds = new BuildService({ root: options.root, runroot: options.runroot, content, imageStore, images, snapshotter, runtime, network: networks, events });
  const system = { root: options.root, runroot: options.runroot, images, containers, volumes, runtime, snapshotter };
  return {
    options, content, images, containers, volumes, events, runtime, snapshotter, networks, builds,
    ensureImage: (ref, opts) => ensureImage(images, ref, opts),
    info: () => systemInfo(system),
    diskUsage: () => systemDiskUsage(system),
    containerSizes: () => containerSizes(system),
    saveImages: (refs, format, target) => saveImages(images, refs, format, target),
    runHealthScheduler: (signal, onScheduler) => runHealthScheduler({ containers, runroot: options.runroot, hullArgv: hullArgv(options), env }, signal, onScheduler),
    prune: (opts) => systemPrune({ containers, networks, images, volumes, builds }, opts),
  };
}
