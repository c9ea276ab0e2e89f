/**
 * PodService: pods, the operations every front door calls (the CLI's `hull pod`, kube play, the
 * CRI's sandboxes). A pod is a record (record.ts) plus an infra container that holds the shared
 * namespaces (network with its published ports, IPC, UTS; pid if asked) and members whose records
 * name the pod; all of them sit in the pod's cgroup (cgroup.ts).
 *
 *   create: record (Creating) -> name -> infra image -> infra container -> record ready
 *   start:  pod cgroup limits -> infra (the members mount meanwhile) -> init containers, in order,
 *           each to completion -> the rest, side by side
 *   stop:   members (side by side) -> infra
 *   rm:     members (side by side) -> infra -> cgroup -> record
 *
 * Operations on one pod take its op lock, so two never interleave. A creation whose process died
 * (kill -9) is removed by the next read (reapAbandoned): `pod ls` never shows it as ready.
 */
import { rmSync } from 'node:fs';
import { HullError, isHullError } from '../errors.js';
import { randomId } from '../sys/ids.js';
import { withLock } from '../sys/lock.js';
import { selfOwnerToken, tokenAlive } from '../sys/owner.js';
import type { ContainerService, PodHooks } from '../containers/service.js';
import type { ContainerCreateRequest } from '../containers/create-request.js';
import type { ContainerRecord, ContainerStatus } from '../containers/record.js';
import type { LogOptions, LogRecord } from '../containers/logs.js';
import type { TopResult } from '../containers/top.js';
import type { StatsSample } from '../containers/stats.js';
import type { EventLog } from '../events/event-log.js';
import type { ImageRecord } from '../images/image-store.js';
import type { ImportOptions } from '../images/import.js';
import type { Readable } from 'node:stream';
import { PodStore } from './pod-store.js';
import { checkPodCreate, type PodCreateOptions } from './options.js';
import { planMember } from './member.js';
import { infraRequest, podOptionsFor, withoutPodNetwork } from './requests.js';
import { ensureInfraImage } from './infra-image.js';
import { applyPodCgroup, removePodCgroup } from './cgroup.js';
import { podActive, podStatus, type PodStatus } from './status.js';
import type { PodRecord } from './record.js';

export interface PodDeps {
  root: string;
  containers: ContainerService;
  events: EventLog;
  /** PATH to find catatonit on (the engine's env). */
  path: string | undefined;
  findImage(nameOrId: string): ImageRecord | undefined;
  importTarball(input: Readable, opts: ImportOptions): Promise<ImageRecord>;
}

/** A member as `pod inspect` lists it. */
export interface PodMember {
  Id: string;
  Name: string;
  State: ContainerStatus;
  IsInfra: boolean;
  InitContainerType?: 'always' | 'once';
}

/** `pod inspect`: the record with its derived state and its containers. */
export interface PodView extends PodRecord {
  State: PodStatus;
  /** When the infra last started (podman's pod StartedAt is the infra's too). */
  StartedAt?: string;
  NumContainers: number;
  Containers: PodMember[];
}

export interface PodRemoveResult {
  Id: string;
  Name: string;
  /** IDs of the containers removed with it (the infra's included). */
  RemovedContainers: string[];
}

const byCreated = (a: ContainerRecord, b: ContainerRecord) => a.Created.localeCompare(b.Created);
const live = (s: ContainerStatus) => s === 'running' || s === 'paused' || s === 'restarting';

export class PodService {
  private readonly store: PodStore;
  /** Infra starts in progress in this process, by pod ID (see ensureInfra). */
  private readonly infraStarts = new Map<string, { created: Promise<void>; running: Promise<void> }>();

  constructor(private readonly deps: PodDeps) {
    this.store = new PodStore(deps.root);
  }

  /** What ContainerService asks of pods (wired by the engine). */
  hooks(): PodHooks {
    return {
      planMember: async (request) => {
        // podman's --pod new:NAME: the pod is made first, with the network the container asked for.
        const made = request.Pod?.startsWith('new:') ? await this.createFor(request) : undefined;
        const pod = made ?? this.getReady(request.Pod ?? '', 'create container in');
        return { request: planMember(pod, made ? withoutPodNetwork(request) : request), pod: pod.Id };
      },
      beforeMemberStart: async (record) => {
        const pod = this.store.find(record.Pod ?? '');
        if (!pod) throw new HullError('NOT_FOUND', `Cannot start container "${record.Name}": its pod ${String(record.Pod).slice(0, 12)} is gone`, { hint: `remove the container ("hull rm ${record.Name}")` });
        return this.ensureInfra(pod);
      },
    };
  }

  /** Creates a pod and its infra container (created, not started: `start` runs it). */
  async create(o: PodCreateOptions): Promise<PodView> {
    const plan = checkPodCreate(o);
    await this.reapAbandoned();
    const id = randomId();
    const name = plan.name ?? `pod_${id.slice(0, 12)}`;
    const record: PodRecord = {
      version: 1,
      Id: id,
      Name: name,
      Created: new Date().toISOString(),
      Labels: plan.labels,
      Annotations: plan.annotations,
      Hostname: plan.hostname ?? (name.replace(/[^a-zA-Z0-9-]/g, '-').replace(/^-+/, '').slice(0, 63) || id.slice(0, 12)),
      SharedNamespaces: plan.share,
      CgroupParent: `${plan.cgroupParent === '/' ? '' : plan.cgroupParent}/pod-${id}`,
      Resources: plan.resources,
      Network: {
        Mode: o.network || 'bridge',
        PortBindings: Object.fromEntries(Object.entries(o.portBindings ?? {}).map(([k, l]) => [k, (l ?? []).map((b) => ({ HostIp: b.HostIp ?? '', HostPort: b.HostPort ?? '' }))])),
        Dns: o.dns ?? [],
        DnsSearch: o.dnsSearch ?? [],
        DnsOptions: o.dnsOptions ?? [],
        ExtraHosts: o.addHosts ?? [],
        Aliases: o.networkAliases ?? [],
        ...(o.ip ? { IP: o.ip } : {}),
      },
      Sysctls: { ...(o.sysctls ?? {}) },
      ...(o.shmSize ? { ShmSize: o.shmSize } : {}),
      ...(o.infraImage ? { InfraImage: o.infraImage } : {}),
      InfraContainerId: '',
      Creating: selfOwnerToken(),
    };
    // Recorded before anything else, marked Creating: whatever a kill -9 leaves, the next read finds and removes.
    this.store.create(record);
    if (!this.store.reserveName(name, id)) {
      await this.store.remove({ ...record, Name: '' });
      const owner = this.store.nameOwner(name) ?? '?';
      throw new HullError('CONFLICT', `Cannot create pod "${name}": the name is already in use by pod ${owner.slice(0, 12)}`, { hint: `remove that pod ("hull pod rm ${name}") or choose another --name` });
    }
    try {
      const image = o.infraImage ?? (await ensureInfraImage({ dir: this.store.dir, path: this.deps.path, findImage: this.deps.findImage, importTarball: this.deps.importTarball }));
      const infra = await this.deps.containers.create(infraRequest(record, o, image), { pod: id, infra: true });
      await this.store.update(id, (r) => {
        r.InfraContainerId = infra.Id;
        delete r.Creating;
      });
    } catch (err) {
      await this.discard(record);
      throw err;
    }
    this.deps.events.emit('pod', 'create', id, { name });
    return this.inspect(id);
  }

  /** `--pod new:NAME`: a pod with the ports, network and DNS settings the container's request gives. */
  private async createFor(request: ContainerCreateRequest): Promise<PodRecord> {
    return this.store.get((await this.create(podOptionsFor(request))).Id);
  }

  /** Removes a pod that never finished being made (its containers, cgroup, record and name). */
  private async discard(record: PodRecord): Promise<void> {
    for (const c of this.memberRecords(record.Id)) await this.deps.containers.remove(c.Id, { force: true, byPod: true }).catch(() => undefined);
    await removePodCgroup(record.CgroupParent);
    await this.store.remove(record);
    rmSync(this.store.opLock(record.Id), { force: true });
  }

  /** Pods whose creator died before the pod was made are removed (see the file comment). */
  private async reapAbandoned(): Promise<void> {
    for (const r of this.store.list()) {
      if (r.Creating !== undefined && !tokenAlive(r.Creating)) await this.discard(r);
    }
  }

  private memberRecords(podId: string): ContainerRecord[] {
    return this.deps.containers.list(true).filter((c) => c.Pod === podId).sort(byCreated);
  }

  /** A pod that exists and is made (not being created). */
  private getReady(ref: string, action: string): PodRecord {
    const pod = this.store.get(ref);
    if (pod.Creating !== undefined) {
      if (tokenAlive(pod.Creating)) throw new HullError('CONFLICT', `Cannot ${action} pod "${pod.Name}": it is being created`, { hint: 'try again in a moment' });
      throw new HullError('NOT_FOUND', `Cannot find pod "${ref}": no such pod`, { hint: 'its creation was interrupted; list pods with "hull pod ps"' });
    }
    return pod;
  }

  /** `members`: the pod's containers when the caller has read them all already (list). */
  private view(pod: PodRecord, members = this.memberRecords(pod.Id)): PodView {
    const infra = members.find((c) => c.Id === pod.InfraContainerId);
    return {
      ...pod,
      State: podStatus(members.map((c) => c.State.Status)),
      ...(infra && infra.State.StartedAt !== '0001-01-01T00:00:00Z' ? { StartedAt: infra.State.StartedAt } : {}),
      NumContainers: members.length,
      Containers: members.map((c) => ({ Id: c.Id, Name: c.Name, State: c.State.Status, IsInfra: c.IsInfra === true, ...(c.InitContainerType ? { InitContainerType: c.InitContainerType } : {}) })),
    };
  }

  inspect(ref: string): PodView {
    return this.view(this.getReady(ref, 'inspect'));
  }

  /** Every pod that is made (a creation in progress is left out), newest first. */
  async list(): Promise<PodView[]> {
    await this.reapAbandoned();
    // Every container read (and reconciled) once for all the pods.
    const byPod = new Map<string, ContainerRecord[]>();
    for (const c of this.deps.containers.list(true).sort(byCreated)) if (c.Pod) byPod.set(c.Pod, [...(byPod.get(c.Pod) ?? []), c]);
    return this.store.list().filter((p) => p.Creating === undefined).map((p) => this.view(p, byPod.get(p.Id) ?? [])).sort((a, b) => b.Created.localeCompare(a.Created));
  }

  /** The pod's containers (the infra's included), oldest first. */
  members(ref: string): ContainerRecord[] {
    return this.memberRecords(this.getReady(ref, 'list the containers of').Id);
  }

  private withPod<T>(ref: string, action: string, fn: (pod: PodRecord) => Promise<T>): Promise<T> {
    const pod = this.getReady(ref, action);
    return withLock(this.store.opLock(pod.Id), () => fn(this.getReady(pod.Id, action)));
  }

  /**
   * The infra runs, with the pod cgroup's limits in place, before any member joins it. Throws if
   * the pod does not allow a start; otherwise, when the infra was not running, `running` is its
   * start and `created` settles once members may join it: its namespaces are pinned (as root,
   * without a shared PID namespace) or it is created (a failure settles it too). One start per pod in this process, shared by the members starting side by side, which
   * mount their root filesystems meanwhile and join the infra once it is created.
   */
  private async ensureInfra(pod: PodRecord): Promise<{ created?: Promise<void>; running?: Promise<void> }> {
    const infra = this.deps.containers.inspect(pod.InfraContainerId);
    if (infra.State.Status === 'running') return {};
    if (infra.State.Status === 'paused') throw new HullError('CONFLICT', `Cannot start a container of pod "${pod.Name}": the pod is paused`, { hint: `unpause it first ("hull pod unpause ${pod.Name}")` });
    let start = this.infraStarts.get(pod.Id);
    if (!start) {
      let onCreated = () => {};
      const created = new Promise<void>((resolve) => (onCreated = resolve));
      // Members join the infra's pinned namespaces as soon as they exist (as root); a pod that
      // shares its PID namespace has its members wait for the infra's init, which holds it.
      const early = !pod.SharedNamespaces.includes('pid');
      const running = this.runInfra(pod, infra.Id, { onCreated: () => onCreated(), ...(early ? { onPinned: () => onCreated() } : {}) }).finally(() => this.infraStarts.delete(pod.Id));
      const createdOrFailed = Promise.race([created, running]);
      // Each member's start observes them (and throws the failure).
      running.catch(() => undefined);
      createdOrFailed.catch(() => undefined);
      start = { created: createdOrFailed, running };
      this.infraStarts.set(pod.Id, start);
    }
    return start;
  }

  private async runInfra(pod: PodRecord, infraId: string, signals: { onPinned?: () => void; onCreated: () => void }): Promise<void> {
    applyPodCgroup(pod.CgroupParent, pod.Resources, pod.Name);
    try {
      await this.deps.containers.start(infraId, signals);
    } catch (err) {
      // Another start of this pod's member got there first.
      if (isHullError(err) && err.code === 'CONFLICT' && this.deps.containers.inspect(infraId).State.Status === 'running') return;
      throw err;
    }
  }

  /**
   * Starts the pod's infra alone (its namespaces, network and cgroup), for a caller that creates
   * the members meanwhile (kube play); `start` then finds it running, or starting, and shares it.
   */
  async startInfra(ref: string): Promise<void> {
    await (await this.ensureInfra(this.getReady(ref, 'start'))).running;
  }

  /**
   * Starts the pod: its infra, then its init containers one by one, each to completion (a failure
   * stops the start), then the other containers. Running ones are left as they are.
   */
  async start(ref: string): Promise<PodView> {
    const pod = await this.withPod(ref, 'start', async (pod) => {
      const members = this.memberRecords(pod.Id).filter((c) => !c.IsInfra);
      const inits = members.filter((m) => m.InitContainerType);
      // The others side by side, as a pod's containers have no order among them (kubelet starts them
      // one after another only because it syncs a pod in one loop); each joins the infra's namespaces.
      // Without init containers they start with the infra: each mounts its root filesystem while
      // the infra's runtime starts, then joins it.
      const others = members.filter((m) => !m.InitContainerType && !live(m.State.Status));
      const { running: ready } = await this.ensureInfra(pod);
      if (inits.length > 0 || others.length === 0) await ready;
      for (const c of inits) await this.runInit(pod, c);
      const results = await Promise.allSettled(others.map((c) => this.deps.containers.start(c.Id)));
      await ready; // the infra's own failure is the pod's
      const failures: string[] = [];
      let first: unknown;
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') return;
        first ??= r.reason;
        failures.push(`${others[i]?.Name}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`);
      });
      if (failures.length > 0) throw new HullError(isHullError(first) ? first.code : 'RUNTIME_FAILED', `Cannot start pod "${pod.Name}": ${failures.length} container(s) failed to start: ${failures.join('; ')}`, { cause: first });
      return pod;
    });
    this.deps.events.emit('pod', 'start', pod.Id, { name: pod.Name });
    return this.inspect(pod.Id);
  }

  private async runInit(pod: PodRecord, c: ContainerRecord): Promise<void> {
    if (!live(c.State.Status)) await this.deps.containers.start(c.Id);
    const { StatusCode } = await this.deps.containers.wait(c.Id, 'not-running');
    if (StatusCode !== 0) {
      throw new HullError('RUNTIME_FAILED', `Cannot start pod "${pod.Name}": init container "${c.Name}" exited with code ${StatusCode}`, { hint: `see its output with "hull logs ${c.Name}"; the other containers were not started` });
    }
    if (c.InitContainerType === 'once') await this.deps.containers.remove(c.Id);
  }

  /** Stops the members (side by side), then the infra. */
  async stop(ref: string, timeoutSeconds?: number): Promise<PodView> {
    const pod = await this.withPod(ref, 'stop', async (pod) => {
      await this.stopLocked(pod, timeoutSeconds);
      return pod;
    });
    this.deps.events.emit('pod', 'stop', pod.Id, { name: pod.Name });
    return this.inspect(pod.Id);
  }

  private async stopLocked(pod: PodRecord, timeoutSeconds: number | undefined): Promise<void> {
    const members = this.memberRecords(pod.Id);
    const stop = async (c: ContainerRecord) => {
      if (c.State.Status === 'paused') await this.deps.containers.unpause(c.Id);
      if (live(c.State.Status)) await this.deps.containers.stop(c.Id, timeoutSeconds);
    };
    const results = await Promise.allSettled(members.filter((c) => !c.IsInfra).map(stop));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const infra = members.find((c) => c.IsInfra);
    if (infra) await stop(infra);
  }

  async restart(ref: string, timeoutSeconds?: number): Promise<PodView> {
    await this.stop(ref, timeoutSeconds);
    return this.start(ref);
  }

  /** Sends a signal to every running container of the pod (the infra last). */
  async kill(ref: string, signal = 'KILL'): Promise<PodView> {
    const pod = await this.withPod(ref, 'kill', async (pod) => {
      const running = this.memberRecords(pod.Id).filter((c) => c.State.Status === 'running');
      if (running.length === 0) throw new HullError('CONFLICT', `Cannot kill pod "${pod.Name}": none of its containers is running`);
      for (const c of [...running.filter((m) => !m.IsInfra), ...running.filter((m) => m.IsInfra)]) await this.deps.containers.kill(c.Id, signal);
      return pod;
    });
    this.deps.events.emit('pod', 'kill', pod.Id, { name: pod.Name, signal });
    return this.inspect(pod.Id);
  }

  async pause(ref: string): Promise<PodView> {
    return this.setPaused(ref, true);
  }

  async unpause(ref: string): Promise<PodView> {
    return this.setPaused(ref, false);
  }

  private async setPaused(ref: string, paused: boolean): Promise<PodView> {
    const action = paused ? 'pause' : 'unpause';
    const pod = await this.withPod(ref, action, async (pod) => {
      const from = paused ? 'running' : 'paused';
      const targets = this.memberRecords(pod.Id).filter((c) => c.State.Status === from);
      if (targets.length === 0) throw new HullError('CONFLICT', `Cannot ${action} pod "${pod.Name}": none of its containers is ${from}`);
      for (const c of targets) await (paused ? this.deps.containers.pause(c.Id) : this.deps.containers.unpause(c.Id));
      return pod;
    });
    this.deps.events.emit('pod', action, pod.Id, { name: pod.Name });
    return this.inspect(pod.Id);
  }

  /** Removes the pod with its containers; a running pod only with `force` (its containers are killed). */
  async remove(ref: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<PodRemoveResult> {
    const result = await this.withPod(ref, 'remove', async (pod) => {
      const view = this.view(pod);
      if (podActive(view.State) && !opts.force) {
        throw new HullError('CONFLICT', `Cannot remove pod "${pod.Name}": it is ${view.State.toLowerCase()}`, { hint: `stop it first ("hull pod stop ${pod.Name}") or use "hull pod rm -f"` });
      }
      const removed: string[] = [];
      // Twice: a member created while the first pass ran is found by the second.
      for (let pass = 0; pass < 2; pass++) {
        const members = this.memberRecords(pod.Id);
        for (const c of members.filter((m) => m.State.Status === 'paused')) await this.deps.containers.unpause(c.Id).catch(() => undefined);
        const rm = (c: ContainerRecord) => this.deps.containers.remove(c.Id, { force: true, byPod: true, ...(opts.volumes ? { volumes: true } : {}) });
        // The members side by side (each a kill, its clean-up and its removal), then the infra.
        const others = members.filter((m) => !m.IsInfra);
        const results = await Promise.allSettled(others.map(rm));
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
        removed.push(...others.map((c) => c.Id));
        for (const c of members.filter((m) => m.IsInfra)) {
          await rm(c);
          removed.push(c.Id);
        }
      }
      await removePodCgroup(pod.CgroupParent);
      await this.store.remove(pod);
      return { Id: pod.Id, Name: pod.Name, RemovedContainers: removed };
    });
    rmSync(this.store.opLock(result.Id), { force: true });
    this.deps.events.emit('pod', 'remove', result.Id, { name: result.Name });
    return result;
  }

  /** Removes every pod with nothing running (created, stopped, exited); returns them. */
  async prune(): Promise<PodRemoveResult[]> {
    const out: PodRemoveResult[] = [];
    for (const p of await this.list()) {
      if (podActive(p.State)) continue;
      out.push(await this.remove(p.Id));
    }
    return out;
  }

  /** Processes of every running container of the pod (infra excluded), per container. */
  async top(ref: string, psArgs: string[] = []): Promise<Array<{ container: ContainerRecord; top: TopResult }>> {
    const running = this.members(ref).filter((c) => !c.IsInfra && c.State.Status === 'running');
    const out: Array<{ container: ContainerRecord; top: TopResult }> = [];
    for (const c of running) out.push({ container: c, top: await this.deps.containers.top(c.Id, psArgs) });
    return out;
  }

  /** One cgroup sample of each running container of the pod (the infra's included, as podman's). */
  stats(ref: string): Array<{ container: ContainerRecord; sample: StatsSample }> {
    return this.members(ref).filter((c) => live(c.State.Status)).map((c) => ({ container: c, sample: this.deps.containers.stats(c.Id) }));
  }

  /**
   * The log records of the pod's containers (not the infra's), each with its container; without
   * `follow` merged in time order, with it as they come until `signal` aborts or all stop.
   */
  async logs(ref: string, opts: LogOptions & { follow?: boolean }, onRecord: (container: ContainerRecord, r: LogRecord) => void, signal?: AbortSignal): Promise<void> {
    const members = this.members(ref).filter((c) => !c.IsInfra && c.HostConfig.LogConfig?.Type !== 'none');
    if (!opts.follow) {
      const all: Array<[ContainerRecord, LogRecord]> = [];
      for (const c of members) await this.deps.containers.logs(c.Id, opts, (r) => all.push([c, r]));
      all.sort((a, b) => a[1].time.localeCompare(b[1].time));
      for (const [c, r] of all) onRecord(c, r);
      return;
    }
    await Promise.all(members.map((c) => this.deps.containers.logs(c.Id, opts, (r) => onRecord(c, r), signal)));
  }
}
