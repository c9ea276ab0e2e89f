/**
 * Starting, stopping and cleaning up containers through the monitor (conmon), with no daemon.
 *
 *   start:   bundle -> conmon (runc create) -> [attach] -> runc start -> record running
 *   exit:    conmon writes the exit file, then runs `hull container cleanup ID` (its exit command)
 *   cleanup: idempotent, under the record's lock: runc delete, unmount, record exited(code)
 *   foreground `run --rm` without -t: `runc run` with hull as the monitor (runInForeground)
 * Whoever notices the exit first (the exit command, a foreground `hull run`, `hull stop`) cleans
 * up; the others find nothing left to do.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, watch, writeFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { HullError, isHullError } from '../errors.js';
import { execCapture, execOrThrow } from '../sys/exec.js';
import { unmountIfMounted } from '../sys/mount.js';
import { startMonitor } from '../runtime/conmon.js';
import { attachSocket, type AttachIO, type Attachment } from '../runtime/attach.js';
import { deleteContainer, deleteStoppedState, runcArgv, runtimeErrors, startCreated, type RuntimeOptions } from '../runtime/runc.js';
import type { Snapshotter } from '../snapshots/snapshotter.js';
import type { EventLog } from '../events/event-log.js';
import { mountRootfs, prepareBundle } from './bundle.js';
import type { ContainerStore } from './container-store.js';
import { containerPaths, ensureLogDir, logPathOf, type ContainerPaths } from './paths.js';
import { ZERO_TIME, type ContainerRecord } from './record.js';
import { initAlive, isActive, isLive, readExit, readRuntimeInit } from './reconcile.js';
import { acquireLock, withLock } from '../sys/lock.js';
import { planRestart, validateRestartPolicy } from '../health/restart-policy.js';
import { effectiveProbe } from '../health/health-config.js';
import { startingHealth } from '../health/health-state.js';
import { assertTransition, transition } from './state-machine.js';
import { parseSignal } from '../runtime/signals.js';
import type { ContainerNetworking, JoinTarget, NetworkAttachment } from '../network/service.js';
import type { ExecIO, ExecStream } from './exec.js';
import type { KernelOptions, NamespaceMode } from '../runtime/kernel-options.js';
import { pinNamespaces, pinnedNamespace, unpinNamespaces, type PinnedType } from '../runtime/pinned-ns.js';

export interface LifecycleDeps {
  store: ContainerStore;
  snapshotter: () => Promise<Snapshotter>;
  runtime: RuntimeOptions;
  root: string;
  runroot: string;
  conmon: string;
  /** argv prefix that runs hull with this store (for conmon's exit command). */
  hullArgv: string[];
  /** Removes the container (for --rm), after cleanup. */
  remove: (id: string) => Promise<void>;
  events: EventLog;
  /** Networks; without it every container gets a loopback-only namespace. */
  network?: ContainerNetworking;
  /** The engine's environment (EngineOptions.env), for the monitor and its exit command. */
  env: NodeJS.ProcessEnv;
  /**
   * Tells the store's scheduler (health/) that a record changed in a way it must see: a
   * health-checked container started, a restart back-off began. Wakes it, or starts it.
   */
  schedule?: () => void;
}

/** Whether a restart policy other than "no" applies. */
function hasRestartPolicy(r: ContainerRecord): boolean {
  const name = r.HostConfig.RestartPolicy?.Name;
  return name !== undefined && name !== '' && name !== 'no';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The runtime's own error lines from its log, joined ('' when it logged none). */
function runtimeErrorOf(paths: ContainerPaths): string {
  return runtimeErrors(existsSync(paths.runtimeLog) ? readFileSync(paths.runtimeLog, 'utf8') : '').join('; ');
}

/** The pid in `file` once it is written, or undefined if `ended` settles first. */
async function waitForFile(file: string, ended: Promise<unknown>): Promise<number | undefined> {
  let wake: () => void = () => {};
  const watcher = watch(dirname(file), (_e, name) => name === basename(file) && wake());
  let done = false;
  const over = ended.then(() => (done = true), () => (done = true));
  try {
    for (;;) {
      try {
        const pid = Number(readFileSync(file, 'utf8'));
        if (pid > 0) return pid;
      } catch {
        // not written yet
      }
      if (done) return undefined;
      await Promise.race([over, new Promise<void>((r) => { wake = r; setTimeout(r, 100).unref(); })]);
    }
  } finally {
    watcher.close();
  }
}

export interface StartOptions {
  attach?: AttachIO[];
  recordsExit?: boolean;
  ready?: Promise<unknown>;
  after?: Promise<unknown>;
  /** A pod's infra: its pinned namespaces (network, IPC, UTS) exist; members may join them by path. */
  onPinned?: () => void;
  /** Created (`runc create` returned): its init's namespaces exist. */
  onCreated?: () => void;
}

export class Lifecycle {
  /** Containers this process is starting: their init's pid once created (see joinTarget). */
  private readonly starting = new Map<string, number | undefined>();

  constructor(private readonly deps: LifecycleDeps) {}

  /**
   * How a container joins the target's namespaces (--network/--ipc/--uts/--pid container:): a pod
   * infra's pinned file, from the moment this process has made it; else the target's init, while
   * it runs or once this process has created it. Undefined: not joinable (not running).
   */
  private joinTarget(target: ContainerRecord, type: 'net' | 'ipc' | 'uts' | 'pid'): { path: string } | { pid: number } | undefined {
    const running = target.State.Status === 'running' && this.alive(target.Id);
    if (!running && !this.starting.has(target.Id)) return undefined;
    if (target.IsInfra && type !== 'pid' && !this.deps.runtime.rootless) {
      const path = type === 'net' ? this.deps.network?.sandbox(target.Id)?.netns : pinnedNamespace(this.paths(target.Id).bundle, type);
      if (path && existsSync(path)) return { path };
    }
    const pid = running ? target.State.Pid : this.starting.get(target.Id);
    return pid === undefined ? undefined : { pid };
  }

  paths(id: string): ContainerPaths {
    return containerPaths(this.deps.root, this.deps.runroot, id);
  }

  alive(id: string): boolean {
    return initAlive(readRuntimeInit(this.deps.runtime.stateDir, id));
  }

  /**
   * Starts a created or exited container; each of `attach` is connected before the container
   * starts, so no output is lost. With `recordsExit` (a foreground CLI session that cannot detach)
   * the caller records the exit itself and the monitor's exit command (a second Node process) is
   * left out; if the caller dies meanwhile, reads still reconcile the state from the exit file and
   * the next start or rm cleans up.
   */
  async start(record: ContainerRecord, opts: StartOptions = {}): Promise<Attachment[]> {
    return this.withStartLock(record.Id, () => this.startLocked(this.deps.store.get(record.Id), { ...opts, byPolicy: false }));
  }

  /**
   * Every start, and every change that must not interleave with one (a stop cancelling a back-off,
   * the restart job claiming it), holds the container's start lock: two starts never run side by
   * side (the loser's clean-up would delete the winner's container), and a stop never falls
   * between a restart's check and its start. A holder killed -9 leaves a lock the next one breaks.
   */
  withStartLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const lock = `${this.paths(id).bundle}.start.lock`;
    mkdirSync(dirname(lock), { recursive: true });
    return withLock(lock, fn);
  }

  /**
   * Start, with the start lock held. `byPolicy`: a restart by the restart policy (its count goes on).
   * `ready`: what the container joins (a pod's infra) is being started; the rootfs is mounted
   * meanwhile, the namespaces are joined once it settles. `after`: the container is set up
   * (`runc create`) at once, but its process starts only once that settles (compose's
   * dependencies, a pod's infra), and not at all if it fails. `onCreated`: called once the
   * container is created (its namespaces exist), before its process starts.
   */
  async startLocked(record: ContainerRecord, opts: StartOptions & { byPolicy: boolean }): Promise<Attachment[]> {
    if (isLive(record.State.Status) && this.alive(record.Id)) throw new HullError('CONFLICT', `Cannot start container "${record.Name}": it is already ${record.State.Status}`);
    const watched = (opts.recordsExit ?? false) && !record.Config.Tty && !record.HostConfig.AutoRemove && !hasRestartPolicy(record);
    const paths = await this.beginStart(record);
    const attachments: Attachment[] = [];
    let pending: NetworkAttachment['pending'];
    try {
      // The network's endpoints are connected (CNI ADD) while the monitor creates the container.
      this.starting.set(record.Id, undefined);
      const network = await this.writeBundle(record, paths, { connectLater: true, ...(opts.ready ? { ready: opts.ready } : {}) });
      if (record.IsInfra && pinnedNamespace(paths.bundle, 'uts')) opts.onPinned?.();
      pending = network.pending;
      // (A throw while the monitor's options are made is a rejection too: `connected` is awaited.)
      const created = Promise.resolve().then(() => startMonitor({
        conmon: this.deps.conmon,
        env: this.deps.env,
        runtime: this.deps.runtime.binary,
        runtimeStateDir: this.deps.runtime.stateDir,
        id: record.Id,
        name: record.Name,
        bundle: paths.bundle,
        pidFile: paths.pidFile,
        conmonPidFile: paths.conmonPidFile,
        exitDir: paths.exitDir,
        // --log-driver none: conmon still needs a sink; nothing is kept.
        logPath: record.HostConfig.LogConfig?.Type === 'none' ? '/dev/null' : ensureLogDir(logPathOf(record, paths)),
        logSizeMax: record.HostConfig.LogSizeMax,
        terminal: record.Config.Tty,
        stdin: record.Config.OpenStdin,
        stdinOnce: record.Config.StdinOnce ?? false,
        runtimeLog: paths.runtimeLog,
        ...(watched ? {} : { exitCommand: [...this.deps.hullArgv, 'container', 'cleanup', record.Id] }),
      })).catch((err: unknown) => {
        const runtimeError = runtimeErrorOf(paths);
        throw runtimeError ? new HullError('RUNTIME_FAILED', `Cannot start container "${record.Name}": ${runtimeError}`, { cause: err }) : err;
      });
      // Both settle before a failure is thrown (the clean-up must not race a set-up); a network
      // failure is the cause to report, as it would have stopped the start before the create.
      const [net, monitor] = await Promise.allSettled([Promise.resolve(network.connected), created]);
      if (net.status === 'rejected') throw net.reason;
      if (monitor.status === 'rejected') throw monitor.reason;
      pending?.close(); // runc create is past its hooks
      const pid = monitor.value;
      this.starting.set(record.Id, pid);
      opts.onCreated?.();
      for (const io of opts.attach ?? []) attachments.push(await attachSocket(paths.attach, io));
      await opts.after;
      await startCreated(this.deps.runtime, record.Id, `start container "${record.Name}"`, () => this.alive(record.Id));
      await this.markRunning(record, pid, opts.byPolicy);
      return attachments;
    } catch (err) {
      for (const a of attachments) a.close();
      throw await this.abortStart(record, paths, await networkError(pending, err));
    } finally {
      this.starting.delete(record.Id);
    }
  }

  private async markRunning(record: ContainerRecord, pid: number, byPolicy = false): Promise<void> {
    const probed = effectiveProbe(record.Config.Healthcheck) !== undefined || effectiveProbe(record.Config.StartupHealthcheck) !== undefined;
    const startupCheck = effectiveProbe(record.Config.StartupHealthcheck) !== undefined;
    await this.deps.store.update(record.Id, (r) => {
      transition(r, 'running', { Pid: pid, ExitCode: 0, Error: '', OOMKilled: false, StartedAt: new Date().toISOString(), FinishedAt: ZERO_TIME });
      // Each start begins "starting" (the probe log is kept, as Docker keeps it).
      if (probed) r.State.Health = startingHealth(r.State.Health, startupCheck);
      // A start by the user begins a new series of restarts (Docker's ResetRestartManager).
      if (!byPolicy && (r.RestartCount || r.Restart)) {
        r.RestartCount = 0;
        delete r.Restart;
      }
      // Volumes take the image's content once, when first mounted (docker's copy-up), never again.
      if (r.MountState) r.MountState.pendingCopies = [];
    }, { durable: (record.MountState?.pendingCopies.length ?? 0) > 0 });
    this.deps.events.emit('container', 'start', record.Id, { name: record.Name, image: record.Config.Image });
    if (probed) this.deps.schedule?.();
  }

  /**
   * A start killed -9 between `runc create` and `runc start` leaves a runtime container whose init
   * waits forever on its exec FIFO, holding the mount, the network namespace and its DNS record:
   * the record and runc both say created. Once nobody holds the start lock, it is undone as a
   * failed start. (Killed after `runc start`, the FIFO is gone: the container runs and is left be.)
   */
  async reapAbandonedStart(id: string): Promise<void> {
    const waitingInit = () => this.deps.store.find(id)?.State.Status === 'created' && existsSync(join(this.deps.runtime.stateDir, id, 'exec.fifo')) && this.alive(id);
    if (!waitingInit()) return;
    let release: () => void;
    try {
      release = await acquireLock(`${this.paths(id).bundle}.start.lock`, 0);
    } catch {
      return; // a start in progress
    }
    try {
      const record = this.deps.store.find(id);
      if (record && waitingInit()) await this.abortStart(record, this.paths(id), new Error('its start was interrupted: the hull process starting it was killed'));
    } finally {
      release();
    }
  }

  /** Undoes a start that failed part-way and records why; returns the error to throw. */
  private async abortStart(record: ContainerRecord, paths: ContainerPaths, err: unknown): Promise<unknown> {
    await deleteContainer(this.deps.runtime, record.Id);
    await unmountIfMounted(paths.rootfs);
    if (record.IsInfra) await unpinNamespaces(paths.bundle);
    await this.deps.network?.detach(record.Id).catch(() => {});
    await this.deps.store.update(record.Id, (r) => {
      r.State.Error = err instanceof Error ? err.message : String(err);
    });
    // An --rm container that could not start is gone too, as with docker (nothing will ever run it).
    if (record.HostConfig.AutoRemove) await this.deps.remove(record.Id).catch(() => {});
    return err;
  }

  /**
   * A foreground `run --rm` without a terminal, with this process as the monitor: one `runc run`
   * (create, start and wait) instead of conmon, `runc create`, the attach socket and `runc start`
   * (about a third of a short container's run). conmon's jobs have no one to serve here: the CLI
   * outlives the container by construction, and the container is removed when it exits, so its
   * log and exit file would never be read. A file descriptor in `io` is handed to runc as is; a
   * stream is copied through a pipe (the CLI passes its terminal as a stream, so the container
   * never holds the user's tty: TIOCSTI). If hull dies, runc and the container carry on, as docker's do; the
   * record then ends as exited without a code. Resolves with the container's exit code.
   */
  async runInForeground(record: ContainerRecord, io: ExecIO): Promise<number> {
    return this.withStartLock(record.Id, () => this.runInForegroundLocked(this.deps.store.get(record.Id), io));
  }

  private async runInForegroundLocked(record: ContainerRecord, io: ExecIO): Promise<number> {
    const paths = await this.beginStart(record);
    let child: ChildProcess | undefined;
    const stdioOf = (s: ExecStream<unknown> | undefined) => (s === undefined ? 'ignore' : typeof s === 'number' ? s : 'pipe');
    let pending: NetworkAttachment['pending'];
    try {
      pending = (await this.writeBundle(record, paths)).pending;
      const [cmd, ...args] = runcArgv.run(this.deps.runtime, record.Id, paths.bundle, paths.pidFile, paths.runtimeLog);
      // Its own process group: a signal from the front door reaches the container once.
      child = spawn(cmd as string, args, { stdio: [stdioOf(io.stdin), stdioOf(io.stdout), stdioOf(io.stderr)], detached: true });
      if (child.stdin && io.stdin !== undefined && typeof io.stdin !== 'number') io.stdin.pipe(child.stdin);
      if (child.stdout && io.stdout !== undefined && typeof io.stdout !== 'number') child.stdout.pipe(io.stdout, { end: false });
      if (child.stderr && io.stderr !== undefined && typeof io.stderr !== 'number') child.stderr.pipe(io.stderr, { end: false });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
        child?.once('error', reject).once('close', (code, signal) => resolve({ code, signal }));
      });
      const pid = await waitForFile(paths.pidFile, exited);
      if (pid !== undefined) pending?.close(); // runc is past its hooks
      if (pid !== undefined) await this.markRunning(record, pid);
      const { code, signal } = await exited;
      if (child.stdin && io.stdin !== undefined && typeof io.stdin !== 'number') io.stdin.unpipe(child.stdin);
      if (pid === undefined) {
        throw new HullError('RUNTIME_FAILED', `Cannot start container "${record.Name}": ${runtimeErrorOf(paths) || `the runtime exited with ${code ?? signal}`}`);
      }
      // runc run reports a container killed by a signal as 128 + the signal, as a shell does.
      writeFileSync(paths.exitFile, String(code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0)));
      return (await this.cleanup(record.Id))?.State.ExitCode ?? code ?? 255;
    } catch (err) {
      if (child && child.exitCode === null) child.kill('SIGKILL');
      throw await this.abortStart(record, paths, await networkError(pending, err));
    }
  }

  /** What every start does first: check the transition, clear what a previous run left. */
  private async beginStart(record: ContainerRecord): Promise<ContainerPaths> {
    assertTransition(record.Name, record.State.Status, 'running');
    const paths = this.paths(record.Id);
    await this.clearRuntimeState(record.Id, paths);
    mkdirSync(paths.exitDir, { recursive: true });
    return paths;
  }

  /**
   * The runtime bundle: the rootfs mount and the network set-up, independent of each other and
   * done side by side, then config.json and the /etc files. With `connectLater` the network's
   * endpoints may still be connecting: `connected` settles when they are (see
   * NetworkAttachment.connected), and the caller must await it before it starts or undoes.
   */
  private async writeBundle(record: ContainerRecord, paths: ContainerPaths, opts: { connectLater?: boolean; ready?: Promise<unknown> } = {}): Promise<{ pending?: NetworkAttachment['pending']; connected?: Promise<unknown> }> {
    const snapshotter = await this.deps.snapshotter();
    const attach = { ...(opts.connectLater ? { connectLater: true } : {}) };
    // Both settle before a failure is thrown, so the caller's clean-up never races a set-up.
    // `ready`: what the network waits for (a pod's infra, whose namespace a member joins).
    // A pod's infra (as root) pins its IPC and UTS namespaces meanwhile: its members join them by path.
    const pins = record.IsInfra && !this.deps.runtime.rootless && record.Config.Hostname ? pinNamespaces(paths.bundle, record.Config.Hostname) : Promise.resolve();
    const [net, mount, pinned] = await Promise.allSettled([(opts.ready ?? Promise.resolve()).then(() => this.attachNetwork(record, paths, attach)), mountRootfs(snapshotter, record, paths, this.deps.runtime.rootless), pins]);
    if (net.status === 'rejected') throw net.reason;
    const pending = net.value?.pending;
    const connected = net.value?.connected;
    try {
      if (mount.status === 'rejected') throw mount.reason;
      if (pinned.status === 'rejected') throw pinned.reason;
      prepareBundle(record, paths, net.value, this.kernelOptions(record), this.deps.runtime.rootless);
    } catch (err) {
      await Promise.allSettled([connected]);
      throw await networkError(pending, err);
    }
    // Wrapped: an async function returning the promise itself would wait for it.
    return { ...(pending ? { pending } : {}), ...(connected ? { connected } : {}) };
  }

  /** --pid/--ipc and the other kernel options; a container: mode joins the running target's namespace. */
  private kernelOptions(record: ContainerRecord): KernelOptions {
    const hc = record.HostConfig;
    const mode = (value: string | undefined, flag: string, type: 'pid' | 'ipc' | 'uts'): NamespaceMode | undefined => {
      if (!value || value === 'shareable') return undefined;
      if (value === 'host') return { kind: 'host' };
      const target = this.deps.store.get(value.slice('container:'.length));
      const via = this.joinTarget(target, type);
      if (via === undefined) {
        throw new HullError('CONFLICT', `Cannot start container "${record.Name}": it shares the ${flag} namespace of container "${target.Name}", which is not running`, { hint: `start it first ("hull start ${target.Name}")` });
      }
      return 'path' in via ? { kind: 'path', path: via.path } : { kind: 'container', pid: via.pid };
    };
    // A pod's infra joins its own pinned namespaces (writeBundle made them).
    const own = (type: PinnedType): NamespaceMode | undefined => {
      const path = record.IsInfra ? pinnedNamespace(this.paths(record.Id).bundle, type) : undefined;
      return path ? { kind: 'path', path } : undefined;
    };
    const pid = mode(hc.PidMode, 'pid', 'pid');
    const ipc = own('ipc') ?? mode(hc.IpcMode, 'IPC', 'ipc');
    const uts = own('uts') ?? mode(hc.UTSMode, 'UTS', 'uts');
    return {
      ...(pid ? { pid } : {}),
      ...(ipc ? { ipc } : {}),
      ...(uts ? { uts } : {}),
      ...(hc.Sysctls ? { sysctls: hc.Sysctls } : {}),
      ...(hc.OomScoreAdj !== undefined ? { oomScoreAdj: hc.OomScoreAdj } : {}),
      ...(hc.CpusetCpus ? { cpusetCpus: hc.CpusetCpus } : {}),
      ...(hc.CpusetMems ? { cpusetMems: hc.CpusetMems } : {}),
      ...(hc.MemoryReservation ? { memoryReservation: hc.MemoryReservation } : {}),
      ...(hc.OomKillDisable ? { oomKillDisable: true } : {}),
    };
  }

  /** The network namespace and /etc files, before the bundle (which joins them) is written. */
  private async attachNetwork(record: ContainerRecord, paths: ContainerPaths, opts: { connectLater?: boolean }): Promise<NetworkAttachment | undefined> {
    if (!this.deps.network) return undefined;
    let joined: JoinTarget | undefined;
    if (record.HostConfig.NetworkMode.startsWith('container:')) {
      const target = this.deps.store.get(record.HostConfig.NetworkMode.slice('container:'.length));
      const via = this.joinTarget(target, 'net');
      if (via === undefined) {
        throw new HullError('CONFLICT', `Cannot start container "${record.Name}": it shares the network of container "${target.Name}", which is not running`, { hint: `start it first ("hull start ${target.Name}")` });
      }
      joined = { ...('path' in via ? { netns: via.path } : { pid: via.pid }), bundleDir: this.paths(target.Id).bundle };
      // Marks the target's namespace as shared, for its cleanup (see netnsShared).
      mkdirSync(join(joined.bundleDir, 'netns-joiners'), { recursive: true });
      writeFileSync(join(joined.bundleDir, 'netns-joiners', record.Id), '');
    }
    // The gate lets rootless pasta configure the namespace while runc creates the container.
    return this.deps.network.attach(this.withLinks(record), paths.bundle, joined, { gate: true, ...opts });
  }

  /** Legacy links become /etc/hosts entries for the linked containers' addresses, as docker's do. */
  private withLinks(record: ContainerRecord): ContainerRecord {
    const links = record.HostConfig.Links ?? [];
    if (links.length === 0) return record;
    const hosts = links.flatMap((link) => {
      const [id = '', alias = ''] = link.split(':');
      const target = this.deps.store.find(id);
      const ip = target && this.deps.network?.sandbox(target.Id)?.endpoints.find((e) => e.ip)?.ip?.replace(/\/\d+$/, '');
      if (!target || target.State.Status !== 'running' || !ip) throw new HullError('CONFLICT', `Cannot start container "${record.Name}": it links to container "${target?.Name ?? id.slice(0, 12)}", which is not running`, { hint: 'start the linked container first' });
      return [`${alias}:${ip}`, ...(alias !== target.Name ? [`${target.Name}:${ip}`] : [])];
    });
    return { ...record, HostConfig: { ...record.HostConfig, ExtraHosts: [...(record.HostConfig.ExtraHosts ?? []), ...hosts] } };
  }

  /** Whether a running container joined this one's network namespace (--network container:). */
  private netnsShared(paths: ContainerPaths): boolean {
    try {
      return readdirSync(join(paths.bundle, 'netns-joiners')).some((id) => this.alive(id));
    } catch {
      return false;
    }
  }

  /** Leftovers of a previous run: runtime state, exit file, monitor sockets. */
  private async clearRuntimeState(id: string, paths: ContainerPaths): Promise<void> {
    if (existsSync(`${this.deps.runtime.stateDir}/${id}`)) await deleteContainer(this.deps.runtime, id);
    for (const f of [paths.exitFile, paths.attach, paths.winsz, `${paths.bundle}/ctl`, paths.oomFile, paths.runtimeLog, paths.pidFile]) rmSync(f, { force: true });
  }

  /** Resolves with the exit code once the container has exited (and is cleaned up). */
  async wait(id: string): Promise<ContainerRecord> {
    const paths = this.paths(id);
    mkdirSync(paths.exitDir, { recursive: true });
    let wake: () => void = () => {};
    const watcher = watch(paths.exitDir, () => wake());
    try {
      for (;;) {
        const record = this.deps.store.find(id);
        if (!record) throw new HullError('NOT_FOUND', `Cannot wait for container "${id}": it was removed`);
        // "restarting" has exited too: its back-off is a wait for a new run.
        if (!isLive(record.State.Status)) return record;
        if (existsSync(paths.exitFile) || !this.alive(id)) return (await this.cleanup(id)) ?? record;
        // The watch wakes us at once; the timer is a safety net, cleared so it never holds the process.
        await new Promise<void>((r) => {
          const timer = setTimeout(r, 200);
          wake = () => {
            clearTimeout(timer);
            r();
          };
        });
      }
    } finally {
      watcher.close();
    }
  }

  /**
   * Records the exit of a container whose init has ended: runtime state deleted, rootfs unmounted,
   * record exited with the monitor's code. Idempotent; returns undefined when there was nothing to do,
   * including when another process recorded the exit and removed the container (--rm) meanwhile.
   */
  async cleanup(id: string, opts: { restartsItself?: boolean } = {}): Promise<ContainerRecord | undefined> {
    try {
      return await this.recordExit(id, opts);
    } catch (err) {
      if (isHullError(err, 'NOT_FOUND') && !this.deps.store.find(id)) return undefined;
      throw err;
    }
  }

  private async recordExit(id: string, opts: { restartsItself?: boolean }): Promise<ContainerRecord | undefined> {
    const record = this.deps.store.find(id);
    if (!record || !isLive(record.State.Status) || this.alive(id)) return undefined;
    const paths = this.paths(id);
    // The monitor writes the exit file right after the init dies; give it a moment.
    for (let i = 0; i < 20 && !existsSync(paths.exitFile); i++) await sleep(10);
    const exit = readExit(paths);
    if (!deleteStoppedState(this.deps.runtime, id)) await deleteContainer(this.deps.runtime, id);
    // Independent of each other: the rootfs unmount and the network teardown run side by side.
    await Promise.all([unmountIfMounted(paths.rootfs), record.IsInfra ? unpinNamespaces(paths.bundle) : undefined, this.deps.network?.detach(id, { unshared: !this.netnsShared(paths) }).catch(() => {})]);
    let changed = false;
    const updated = await this.deps.store.update(id, (r) => {
      if (!isLive(r.State.Status)) return;
      changed = true;
      const finishedAt = exit?.at ?? new Date().toISOString();
      const exitCode = exit?.code ?? 255;
      const fields = { Pid: 0, ExitCode: exitCode, OOMKilled: exit?.oomKilled ?? false, FinishedAt: finishedAt, Error: exit ? r.State.Error : 'the monitor recorded no exit code' };
      if (!hasRestartPolicy(r)) return transition(r, 'exited', fields);
      // Whoever records the exit decides the restart (health/restart-policy.ts): no hull process
      // from before the exit is needed, and the decision is taken once, under the record's lock.
      const stoppedByUser = r.Restart?.stoppedByUser ?? false;
      const decision = planRestart({
        policy: validateRestartPolicy(r.HostConfig.RestartPolicy),
        exitCode,
        restartCount: r.RestartCount ?? 0,
        stoppedByUser,
        ranForMs: Date.parse(finishedAt) - Date.parse(r.State.StartedAt),
        previousDelayMs: r.Restart?.delayMs ?? 0,
      });
      if (decision.restart) {
        transition(r, 'restarting', fields);
        r.RestartCount = decision.restartCount;
        r.Restart = { delayMs: decision.delayMs, dueAt: Date.now() + decision.delayMs, stoppedByUser: false };
      } else {
        transition(r, 'exited', fields);
        r.Restart = { delayMs: decision.delayMs, stoppedByUser };
      }
    }, { durable: false });
    if (changed) this.deps.events.emit('container', 'die', id, { name: updated.Name, image: updated.Config.Image, exitCode: String(updated.State.ExitCode) });
    if (changed && updated.State.Status === 'restarting' && !opts.restartsItself) this.deps.schedule?.();
    if (changed && updated.HostConfig.AutoRemove) await this.deps.remove(id);
    return updated;
  }

  /**
   * Marks that the user stopped the container (stop, kill, rm -f), so that its exit is not
   * restarted; a pending restart is cancelled. Under the start lock, so a restart in progress
   * finishes first (and is then stopped by the caller). Returns the record as it is now.
   */
  async markStoppedByUser(id: string): Promise<ContainerRecord> {
    const record = this.deps.store.get(id);
    if (!hasRestartPolicy(record) && record.State.Status !== 'restarting') return record;
    let cancelled = false;
    const updated = await this.withStartLock(id, () => this.deps.store.update(id, (r) => {
      r.Restart = { delayMs: r.Restart?.delayMs ?? 0, stoppedByUser: true };
      if (r.State.Status === 'restarting') {
        transition(r, 'exited');
        cancelled = true;
      }
    }));
    if (cancelled) this.deps.events.emit('container', 'stop', id, { name: updated.Name });
    return updated;
  }

  /** A kill by the user (`byUser`: false for the health check's --health-on-failure=kill, which a restart policy may undo). */
  async kill(record: ContainerRecord, signal: string, opts: { byUser?: boolean } = {}): Promise<void> {
    const name = parseSignal(signal);
    // Only a signal meant to end it counts as the user's stop (`kill -s HUP` to reload does not).
    const ending = ['KILL', '9', 'TERM', '15', parseSignal(record.Config.StopSignal ?? 'TERM')].includes(name);
    if (opts.byUser !== false && ending && record.State.Status !== 'created' && record.State.Status !== 'exited') {
      const wasRestarting = record.State.Status === 'restarting';
      record = await this.markStoppedByUser(record.Id);
      // Docker: killing a restarting container cancels its restart; there is no process to signal.
      if (wasRestarting && record.State.Status === 'exited') {
        this.deps.events.emit('container', 'kill', record.Id, { name: record.Name, signal });
        return;
      }
    }
    if (!isActive(record.State.Status) || !this.alive(record.Id)) {
      throw new HullError('CONFLICT', `Cannot kill container "${record.Name}": it is not running`);
    }
    // Like docker: a signal goes to the container's PID 1 (which may trap it); only SIGKILL goes
    // to every process, so that nothing survives a kill. Rootless on cgroup v1 there is no cgroup
    // to list them from (runc's --all fails): SIGKILL to PID 1 of the container's own PID
    // namespace ends every process in it (pid_namespaces(7)).
    const all = (name === 'KILL' || name === '9') && !this.deps.runtime.rootless;
    const r = await execCapture(runcArgv.kill(this.deps.runtime, record.Id, name, all));
    if (r.code !== 0 && this.alive(record.Id)) throw new HullError('RUNTIME_FAILED', `Cannot kill container "${record.Name}": ${r.stderr.trim()}`);
    this.deps.events.emit('container', 'kill', record.Id, { name: record.Name, signal });
  }

  /**
   * docker stop: the stop signal, then SIGKILL after `timeoutSeconds`. `onDown` is called once
   * the container's init is dead, before its clean-up (unmount, network teardown) is recorded.
   */
  async stop(record: ContainerRecord, timeoutSeconds: number, opts: { byUser?: boolean; onDown?: () => void } = {}): Promise<ContainerRecord> {
    // A stop during a back-off cancels the restart; one during a restart waits for it, then stops it.
    if (opts.byUser !== false) record = await this.markStoppedByUser(record.Id);
    if (!isLive(record.State.Status) || !this.alive(record.Id)) {
      opts.onDown?.();
      return (await this.cleanup(record.Id)) ?? record;
    }
    if (record.State.Status === 'paused') await execCapture(runcArgv.resume(this.deps.runtime, record.Id));
    await this.kill(record, record.Config.StopSignal ?? 'SIGTERM', { byUser: false }).catch(() => {});
    const deadline = Date.now() + timeoutSeconds * 1000;
    // Most inits die within milliseconds of the signal: look again soon, then back off to 50 ms.
    for (let pause = 5; this.alive(record.Id) && Date.now() < deadline; pause = Math.min(pause * 2, 50)) await sleep(pause);
    if (this.alive(record.Id)) await this.kill(record, 'KILL', { byUser: false }).catch(() => {});
    while (this.alive(record.Id)) await sleep(20);
    opts.onDown?.();
    // A --rm container may be removed by whoever records its exit (its monitor, a foreground run).
    const stopped = await this.wait(record.Id).catch((err: unknown) => {
      if (isHullError(err, 'NOT_FOUND')) return { ...record, State: { ...record.State, Status: 'exited' as const, Pid: 0 } };
      throw err;
    });
    this.deps.events.emit('container', 'stop', record.Id, { name: record.Name });
    return stopped;
  }

  async pause(record: ContainerRecord, pause: boolean): Promise<void> {
    assertTransition(record.Name, record.State.Status, pause ? 'paused' : 'running');
    if (pause && this.deps.runtime.rootless && !this.deps.runtime.rootless.cgroupLimits) {
      throw new HullError('UNSUPPORTED', `Cannot pause container "${record.Name}": pausing needs the freezer cgroup, and in rootless mode on this host the container has no cgroup of its own`, { hint: 'stop it instead, or run it as root to pause it; see docs/rootless.md' });
    }
    await execOrThrow((pause ? runcArgv.pause : runcArgv.resume)(this.deps.runtime, record.Id), `${pause ? 'pause' : 'unpause'} container "${record.Name}"`);
    await this.deps.store.update(record.Id, (r) => transition(r, pause ? 'paused' : 'running'));
    this.deps.events.emit('container', pause ? 'pause' : 'unpause', record.Id, { name: record.Name });
  }
}

/**
 * A start failed: a network still being set up settles first (nothing races the clean-up), its
 * gate closes, and its own error, when it failed, is the one to report (runc only saw its hook fail).
 */
async function networkError(pending: NetworkAttachment['pending'], err: unknown): Promise<unknown> {
  if (!pending) return err;
  const netErr = await pending.ready.then(() => undefined, (e: unknown) => e);
  pending.close();
  return netErr ?? err;
}
