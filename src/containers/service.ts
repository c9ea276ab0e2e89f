/**
 * ContainerService: the container operations the front ends call. Creation and removal live here;
 * starting, stopping and cleanup in lifecycle.ts (through the conmon monitor); exec in exec.ts.
 */
import { rmSync } from 'node:fs';
import { HullError } from '../errors.js';
import { unmountIfMounted } from '../sys/mount.js';
import { randomId } from '../sys/ids.js';
import type { ImageConfig } from '../oci/image-config.js';
import type { ImageManifest } from '../oci/manifest.js';
import type { ContentStore } from '../content/store.js';
import type { ImageStore, ImageRecord } from '../images/image-store.js';
import type { Snapshotter } from '../snapshots/snapshotter.js';
import { deleteContainer, type RuntimeOptions } from '../runtime/runc.js';
import type { AttachIO, Attachment } from '../runtime/attach.js';
import { checkWorkdir, mergeProcessConfig, processArgs, type ProcessOptions } from './config.js';
import { ContainerStore } from './container-store.js';
import { Lifecycle } from './lifecycle.js';
import type { HostFields } from './host-options.js';
import { resolveMounts } from '../volumes/resolve.js';
import type { MountRequest } from '../volumes/mount-flags.js';
import type { VolumeStore } from '../volumes/volume-store.js';
import type { EventLog } from '../events/event-log.js';
import { execInContainer, type ExecOptions } from './exec.js';
import { execCapture } from '../sys/exec.js';
import { commitContainer, diffContainer, releaseOrphanedPause, type CommitOptions, type PauseDeps } from './commit.js';
import { readImage } from '../images/read-image.js';
import type { Change } from '../archive/diff.js';
import { checkName, generateName } from './names.js';
import { ZERO_TIME, type ContainerRecord } from './record.js';
import { isActive, reconcile } from './reconcile.js';
import { hostname as hostHostname } from 'node:os';
import { parseNetworkMode } from '../network/flags.js';
import { bindingsFromExposed, checkBindings, toDockerBindings, type PortBinding } from '../network/ports.js';
import type { ContainerNetworking, EndpointSettings } from '../network/service.js';

export interface CreateOptions extends ProcessOptions {
  image: string;
  name?: string;
  hostname?: string;
  autoRemove?: boolean;
  labels?: Record<string, string>;
  readOnly?: boolean;
  tty?: boolean;
  interactive?: boolean;
  stopSignal?: string;
  stopTimeout?: number;
  logSizeMax?: number;
  /** Security, resources, devices and --init, validated by hostFieldsFromFlags. */
  host?: HostFields;
  /** -v, --mount and --tmpfs, parsed. */
  mounts?: MountRequest[];
  binds?: string[];
  tmpfs?: Record<string, string>;
  /** --network (default: bridge when networking is wired, else none), --network-alias, --ip. */
  network?: string;
  networkAliases?: string[];
  ip?: string;
  /** -p, parsed; -P adds the image's EXPOSE on random host ports. */
  publish?: PortBinding[];
  publishAll?: boolean;
  dns?: string[];
  addHosts?: string[];
}

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
}

/** conmon truncates a log past this size unless --log-opt max-size says otherwise. */
export const DEFAULT_LOG_SIZE_MAX = 100 * 1024 * 1024;

export class ContainerService {
  readonly lifecycle: Lifecycle;

  constructor(private readonly deps: ContainerDeps) {
    this.lifecycle = new Lifecycle({ ...deps, remove: async (id) => void (await this.remove(id, { force: true })) });
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

  /** --network and friends -> the record's fields; refuses combinations docker refuses. */
  private planNetwork(opts: CreateOptions, exposed: Record<string, object> | undefined): Pick<ContainerRecord['HostConfig'], 'NetworkMode' | 'PortBindings' | 'PublishAllPorts' | 'Dns' | 'ExtraHosts'> & { networks?: Record<string, EndpointSettings> } {
    const net = this.deps.network;
    const mode = parseNetworkMode(opts.network ?? (net ? 'bridge' : 'none'));
    const ports = [...(opts.publish ?? []), ...(opts.publishAll ? bindingsFromExposed(exposed) : [])];
    checkBindings(ports);
    const extra = { ...(opts.dns?.length ? { Dns: opts.dns } : {}), ...(opts.addHosts?.length ? { ExtraHosts: opts.addHosts } : {}) };
    const refuse = (what: string) => new HullError('INVALID_ARGUMENT', `Cannot use ${what} with --network ${opts.network}`, { hint: 'they need a bridge network' });
    if (mode.kind !== 'network' || !net) {
      if (ports.length > 0 && mode.kind !== 'host') throw refuse('-p/-P');
      if (opts.networkAliases?.length || opts.ip) throw refuse('--network-alias/--ip');
      if (mode.kind === 'container') return { NetworkMode: `container:${this.deps.store.get(mode.ref).Id}`, ...extra };
      return { NetworkMode: mode.kind === 'network' ? 'none' : mode.kind, ...extra };
    }
    const name = net.networkName(mode.name);
    if (name === 'bridge' && (opts.networkAliases?.length || opts.ip)) {
      throw new HullError('INVALID_ARGUMENT', 'Cannot use --network-alias or --ip on the default bridge network', { hint: 'create a network ("hull network create NAME") and use --network NAME' });
    }
    const settings: EndpointSettings = { Aliases: opts.networkAliases ?? [], ...(opts.ip ? { IPAMConfig: { IPv4Address: opts.ip } } : {}) };
    return { NetworkMode: name, PortBindings: toDockerBindings(ports), PublishAllPorts: opts.publishAll ?? false, ...extra, networks: { [name]: settings } };
  }

  async create(opts: CreateOptions): Promise<ContainerRecord> {
    await this.deps.network?.reconcile((id) => this.lifecycle.alive(id)).catch(() => []);
    const image = this.deps.images.get(opts.image);
    const { manifest, config } = this.loadImage(image);
    const { networks, ...network } = this.planNetwork(opts, config.config?.ExposedPorts);
    const proc = mergeProcessConfig(config.config, opts);
    checkWorkdir(proc.WorkingDir);
    const id = randomId();
    const path = processArgs(proc, opts.name ?? opts.image);
    const name = this.reserveName(opts.name, id);
    const snapshotter = await this.deps.snapshotter();
    try {
      const { ensureUnpacked } = await import('../images/unpack.js');
      const top = await ensureUnpacked({ root: this.deps.root, content: this.deps.content, snapshotter }, manifest, config);
      const mounts = await resolveMounts(opts.mounts ?? [], { volumes: this.deps.volumes, imageVolumes: Object.keys(config.config?.Volumes ?? {}) });
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
          Labels: { ...(config.config?.Labels ?? {}), ...(opts.labels ?? {}) },
          Tty: opts.tty ?? false,
          OpenStdin: opts.interactive ?? false,
          ...(stopSignal ? { StopSignal: stopSignal } : {}),
        },
        HostConfig: {
          AutoRemove: opts.autoRemove ?? false,
          ...network,
          ReadonlyRootfs: opts.readOnly ?? false,
          Runtime: this.deps.runtime.binary,
          LogSizeMax: opts.logSizeMax ?? DEFAULT_LOG_SIZE_MAX,
          StopTimeout: opts.stopTimeout ?? 10,
          ...(opts.host ?? {}),
          Binds: opts.binds ?? [],
          Tmpfs: opts.tmpfs ?? {},
        },
        Mounts: mounts.inspectMounts,
        MountState: { spec: mounts.specMounts, pendingCopies: mounts.volumesToPopulate, anonymous: mounts.anonymousVolumes },
        State: { Status: 'created', Pid: 0, ExitCode: 0, Error: '', StartedAt: ZERO_TIME, FinishedAt: ZERO_TIME, OOMKilled: false },
        Driver: snapshotter.driver,
        ...(networks ? { NetworkSettings: { Networks: networks } } : {}),
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

  /** The record as it really is: a dead container that nobody cleaned up shows as exited. */
  inspect(idOrName: string): ContainerRecord {
    const r = this.deps.store.get(idOrName);
    return reconcile(r, this.deps.runtime.stateDir, this.lifecycle.paths(r.Id));
  }

  list(all: boolean): ContainerRecord[] {
    const records = this.deps.store.list().map((r) => reconcile(r, this.deps.runtime.stateDir, this.lifecycle.paths(r.Id)));
    return (all ? records : records.filter((r) => isActive(r.State.Status))).sort((a, b) => b.Created.localeCompare(a.Created));
  }

  /** Persists the exit of a container that died unobserved, then returns the current record. */
  async refresh(idOrName: string): Promise<ContainerRecord> {
    const r = this.deps.store.get(idOrName);
    await this.releaseOrphanedPause(r.Id);
    return (await this.lifecycle.cleanup(r.Id)) ?? this.deps.store.get(r.Id);
  }

  async start(idOrName: string, io?: AttachIO): Promise<{ record: ContainerRecord; attachment: Attachment | undefined }> {
    const record = await this.refresh(idOrName);
    if (record.State.Status === 'running') return { record, attachment: undefined };
    const attachment = await this.lifecycle.start(record, io);
    return { record: this.deps.store.get(record.Id), attachment };
  }

  /** See Lifecycle.runInForeground: `run --rm` in the foreground without a terminal. */
  async runInForeground(idOrName: string, opts: { stdin: boolean }): Promise<number> {
    return this.lifecycle.runInForeground(await this.refresh(idOrName), opts);
  }

  async stop(idOrName: string, timeoutSeconds?: number): Promise<ContainerRecord> {
    const record = await this.refresh(idOrName);
    return this.lifecycle.stop(record, timeoutSeconds ?? record.HostConfig.StopTimeout ?? 10);
  }

  async remove(idOrName: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<ContainerRecord> {
    const record = await this.refresh(idOrName);
    if (isActive(record.State.Status)) {
      if (!opts.force) {
        throw new HullError('CONFLICT', `Cannot remove container "${record.Name}": it is ${record.State.Status}`, { hint: `stop it first ("hull stop ${record.Name}") or use "hull rm -f"` });
      }
      await this.lifecycle.kill(record, 'KILL').catch(() => {});
      await this.lifecycle.wait(record.Id).catch(() => undefined);
    }
    const paths = this.lifecycle.paths(record.Id);
    // Marked first: an rm killed half-way leaves a record that says so (hull system check, rm -f again).
    await this.deps.store.update(record.Id, (r) => void (r.State.Status = 'removing'));
    await deleteContainer(this.deps.runtime, record.Id);
    await unmountIfMounted(paths.rootfs);
    await this.deps.network?.detach(record.Id).catch(() => {});
    const snapshotter = await this.deps.snapshotter();
    await snapshotter.removeView(record.Id);
    rmSync(paths.bundle, { recursive: true, force: true });
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
    this.deps.events.emit('container', 'rename', record.Id, { name, oldName: record.Name });
    return updated;
  }

  /** Removes every container that is not running; returns the removed ones. */
  async prune(): Promise<ContainerRecord[]> {
    const removed: ContainerRecord[] = [];
    for (const r of this.list(true)) {
      if (isActive(r.State.Status)) continue;
      removed.push(await this.remove(r.Id));
    }
    return removed;
  }

  async exec(idOrName: string, opts: ExecOptions): Promise<number> {
    const record = this.inspect(idOrName);
    return execInContainer(this.deps.runtime, record, this.lifecycle.paths(record.Id), opts);
  }

  /** `network connect`: recorded for every later start, and joined now if the container runs. */
  async connectNetwork(idOrName: string, network: string, settings: EndpointSettings): Promise<void> {
    const { record, name, net } = await this.networkTarget(idOrName, network, 'connect');
    if (record.NetworkSettings?.Networks[name]) throw new HullError('CONFLICT', `Cannot connect container "${record.Name}" to network "${name}": it is already connected`);
    if (record.State.Status === 'running') await net.connect(record.Id, name, settings);
    await this.deps.store.update(record.Id, (r) => {
      r.NetworkSettings = { Networks: { ...(r.NetworkSettings?.Networks ?? {}), [name]: settings } };
    });
  }

  async disconnectNetwork(idOrName: string, network: string): Promise<void> {
    const { record, name, net } = await this.networkTarget(idOrName, network, 'disconnect');
    if (!record.NetworkSettings?.Networks[name]) throw new HullError('CONFLICT', `Cannot disconnect container "${record.Name}" from network "${name}": it is not connected`);
    if (record.State.Status === 'running') await net.disconnect(record.Id, name);
    await this.deps.store.update(record.Id, (r) => {
      const rest = Object.fromEntries(Object.entries(r.NetworkSettings?.Networks ?? {}).filter(([n]) => n !== name));
      r.NetworkSettings = { Networks: rest };
      if (r.HostConfig.NetworkMode === name) r.HostConfig.NetworkMode = Object.keys(rest)[0] ?? 'none';
    });
  }

  private async networkTarget(idOrName: string, network: string, action: string) {
    const net = this.deps.network;
    if (!net) throw new HullError('UNSUPPORTED', `Cannot ${action} networks: networking is not set up`);
    const record = await this.refresh(idOrName);
    const mode = parseNetworkMode(record.HostConfig.NetworkMode);
    if (mode.kind === 'host' || mode.kind === 'container' || (mode.kind === 'none' && action === 'connect')) throw new HullError('CONFLICT', `Cannot ${action} container "${record.Name}": it uses --network ${record.HostConfig.NetworkMode}`);
    return { record, name: net.networkName(network), net };
  }

  async commit(record: ContainerRecord, opts: CommitOptions): Promise<ImageRecord> {
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
