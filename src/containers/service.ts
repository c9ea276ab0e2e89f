/**
 * ContainerService: create, run in the foreground, list, inspect and remove containers.
 * `run` reads as its checklist: create (record + writable view) -> start (mount rootfs, resolve
 * user, check the command, write /etc files and config.json, run the runtime) -> record the exit.
 */
import { mkdirSync, readFileSync, rmSync, chownSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { HullError, isHullError } from '../errors.js';
import { writeJsonAtomic } from '../sys/atomic-write.js';
import { applyMount, unmountIfMounted } from '../sys/mount.js';
import { readHostLimits } from '../sys/host-limits.js';
import { randomId } from '../sys/ids.js';
import { resolveInRoot } from '../sys/safe-path.js';
import { chainIds } from '../oci/chain-id.js';
import { parseImageConfig, type ImageConfig } from '../oci/image-config.js';
import { parseManifest, type ImageManifest } from '../oci/manifest.js';
import type { FsContentStore } from '../content/store.js';
import type { ImageStore, ImageRecord } from '../images/image-store.js';
import { unpackImage } from '../images/unpack.js';
import type { Snapshotter } from '../snapshots/snapshotter.js';
import { generateSpec } from '../runtime/spec.js';
import { resolveUser } from '../runtime/user.js';
import { checkExecutable } from '../runtime/exec-check.js';
import { deleteContainer, runForeground, runtimeErrors, type RuntimeOptions } from '../runtime/runc.js';
import { checkWorkdir, mergeEnv, mergeProcessConfig, processArgs, type ProcessOptions } from './config.js';
import { ContainerStore } from './container-store.js';
import { writeEtcFiles } from './etc-files.js';
import { checkName, generateName } from './names.js';
import { ZERO_TIME, type ContainerRecord } from './record.js';
import { reconcile } from './reconcile.js';
import { assertTransition } from './state-machine.js';

export interface CreateOptions extends ProcessOptions {
  image: string;
  name?: string;
  hostname?: string;
  autoRemove?: boolean;
  labels?: Record<string, string>;
  readOnly?: boolean;
}

export interface ContainerDeps {
  store: ContainerStore;
  images: ImageStore;
  content: FsContentStore;
  snapshotter: () => Promise<Snapshotter>;
  runtime: RuntimeOptions;
  runroot: string;
}

export class ContainerService {
  constructor(private readonly deps: ContainerDeps) {}

  private bundleDir(id: string): string {
    return join(this.deps.runroot, 'containers', id);
  }

  loadImage(image: ImageRecord): { manifest: ImageManifest; config: ImageConfig } {
    const parsed = parseManifest(this.deps.content.readBytes(image.manifest), image.manifestMediaType);
    if (parsed.kind !== 'manifest') throw new HullError('INVALID_FORMAT', `Cannot use image "${image.id}": its manifest is an index`);
    const config = parseImageConfig(this.deps.content.readBytes(parsed.manifest.config.digest));
    return { manifest: parsed.manifest, config };
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

  async create(opts: CreateOptions): Promise<ContainerRecord> {
    const image = this.deps.images.get(opts.image);
    const { manifest, config } = this.loadImage(image);
    const proc = mergeProcessConfig(config.config, opts);
    checkWorkdir(proc.WorkingDir);
    const id = randomId();
    const path = processArgs(proc, opts.name ?? opts.image);
    const name = this.reserveName(opts.name, id);
    const snapshotter = await this.deps.snapshotter();
    try {
      const top = chainIds(config.rootfs.diff_ids).at(-1);
      if (top !== undefined && !snapshotter.hasLayer(top)) await unpackImage(this.deps.content, snapshotter, manifest, config);
      await snapshotter.prepareView(id, top);
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
          Hostname: opts.hostname ?? id.slice(0, 12),
          Labels: { ...(config.config?.Labels ?? {}), ...(opts.labels ?? {}) },
          Tty: false,
          OpenStdin: false,
          ...(config.config?.StopSignal ? { StopSignal: config.config.StopSignal } : {}),
        },
        HostConfig: { AutoRemove: opts.autoRemove ?? false, NetworkMode: 'none', ReadonlyRootfs: opts.readOnly ?? false, Runtime: this.deps.runtime.binary },
        State: { Status: 'created', Pid: 0, ExitCode: 0, Error: '', StartedAt: ZERO_TIME, FinishedAt: ZERO_TIME, OOMKilled: false },
        Driver: snapshotter.driver,
      };
      this.deps.store.create(record);
      return record;
    } catch (err) {
      await snapshotter.removeView(id);
      this.deps.store.releaseName(name, id);
      throw err;
    }
  }

  /** Mounts the rootfs and writes the bundle; returns the bundle directory. */
  private async prepareBundle(record: ContainerRecord): Promise<string> {
    const bundle = this.bundleDir(record.Id);
    const rootfs = join(bundle, 'rootfs');
    mkdirSync(rootfs, { recursive: true });
    const snapshotter = await this.deps.snapshotter();
    await unmountIfMounted(rootfs);
    for (const m of snapshotter.viewMounts(record.Id, record.ImageChainId)) await applyMount(m, rootfs);
    const c = record.Config;
    const user = resolveUser(rootfs, c.User);
    ensureWorkdir(rootfs, c.WorkingDir, user.uid, user.gid);
    const args = [record.Path, ...record.Args];
    const env = mergeEnv([`HOSTNAME=${c.Hostname}`, `HOME=${user.home}`], c.Env);
    checkExecutable(rootfs, record.Path, env, c.WorkingDir);
    const spec = generateSpec({
      id: record.Id,
      rootfs,
      args,
      env,
      cwd: c.WorkingDir,
      user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
      hostname: c.Hostname,
      terminal: false,
      etcFiles: writeEtcFiles(bundle, c.Hostname),
      hostLimits: readHostLimits(),
      readonlyRootfs: record.HostConfig.ReadonlyRootfs,
    });
    writeJsonAtomic(join(bundle, 'config.json'), spec);
    return bundle;
  }

  /** Starts a created container in the foreground and waits; resolves to its exit code. */
  async runForeground(record: ContainerRecord): Promise<number> {
    assertTransition(record.Name, record.State.Status, 'running');
    let bundle: string;
    try {
      bundle = await this.prepareBundle(record);
    } catch (err) {
      await this.releaseRootfs(record.Id);
      await this.deps.store.update(record.Id, (r) => {
        r.State.Error = err instanceof Error ? err.message : String(err);
        r.State.ExitCode = isHullError(err) ? err.exitCode : 125;
      });
      throw err;
    }
    const logFile = join(bundle, 'runtime.log');
    rmSync(logFile, { force: true });
    await this.deps.store.update(record.Id, (r) => {
      r.State = { ...r.State, Status: 'running', StartedAt: new Date().toISOString(), FinishedAt: ZERO_TIME, Error: '', ExitCode: 0 };
    });
    let code = await runForeground(this.deps.runtime, record.Id, bundle, logFile, { stdin: 'ignore' });
    const errors = existsSync(logFile) ? runtimeErrors(readFileSync(logFile, 'utf8')) : [];
    const runtimeError = errors.length > 0 ? errors.join('; ') : '';
    if (runtimeError) code = /not found|no such file/i.test(runtimeError) ? 127 : /permission denied/i.test(runtimeError) ? 126 : 125;
    await this.deps.store.update(record.Id, (r) => {
      r.State = { ...r.State, Status: 'exited', Pid: 0, ExitCode: code, FinishedAt: new Date().toISOString(), Error: runtimeError };
    });
    await this.releaseRootfs(record.Id);
    if (runtimeError) throw new HullError(code === 127 ? 'COMMAND_NOT_FOUND' : code === 126 ? 'CANNOT_INVOKE' : 'RUNTIME_FAILED', `Cannot start container "${record.Name}": ${runtimeError}`);
    return code;
  }

  private async releaseRootfs(id: string): Promise<void> {
    await unmountIfMounted(join(this.bundleDir(id), 'rootfs'));
  }

  list(all: boolean): ContainerRecord[] {
    const records = this.deps.store.list().map((r) => reconcile(r, this.deps.runtime.stateDir));
    return (all ? records : records.filter((r) => r.State.Status === 'running' || r.State.Status === 'paused')).sort((a, b) => b.Created.localeCompare(a.Created));
  }

  inspect(idOrName: string): ContainerRecord {
    return reconcile(this.deps.store.get(idOrName), this.deps.runtime.stateDir);
  }

  async remove(idOrName: string, opts: { force?: boolean } = {}): Promise<ContainerRecord> {
    const record = this.inspect(idOrName);
    const running = record.State.Status === 'running' || record.State.Status === 'paused';
    if (running && !opts.force) {
      throw new HullError('CONFLICT', `Cannot remove container "${record.Name}": it is running`, { hint: `stop it first ("hull stop ${record.Name}") or use "hull rm -f"` });
    }
    await deleteContainer(this.deps.runtime, record.Id);
    await this.releaseRootfs(record.Id);
    const snapshotter = await this.deps.snapshotter();
    await snapshotter.removeView(record.Id);
    rmSync(this.bundleDir(record.Id), { recursive: true, force: true });
    this.deps.store.remove(record);
    return record;
  }

  /** Containers that use an image (rmi refuses to delete it from under them). */
  usersOf(imageId: string): ContainerRecord[] {
    return this.deps.store.list().filter((r) => r.ImageId === imageId);
  }
}

/** docker creates a missing working directory, owned by the container's user. */
function ensureWorkdir(rootfs: string, dir: string, uid: number, gid: number): void {
  const host = resolveInRoot(rootfs, dir);
  if (existsSync(host)) return;
  mkdirSync(host, { recursive: true, mode: 0o755 });
  chownSync(host, uid, gid);
}
