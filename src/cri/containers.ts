/**
 * CRI containers over the engine's containers (pod members labelled io.hull.cri.kind=container):
 * CreateContainer, StartContainer, StopContainer, RemoveContainer, ListContainers,
 * ContainerStatus, UpdateContainerResources, ReopenContainerLog, ExecSync.
 * Name reservation: k8s_<ctr>_<pod>_<ns>_<uid>_<attempt> is unique in the store, so a second
 * CreateContainer with the same metadata gets ALREADY_EXISTS until the first is removed.
 */
import { PassThrough } from 'node:stream';
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { HullError, isHullError, showUntrusted } from '../errors.js';
import type { Engine } from '../engine/engine.js';
import type { ContainerRecord, UpdateRequest } from '../engine/requests.js';
import { ANNOTATIONS, IMAGE, KIND, LOG_PATH, METADATA, SANDBOX_ID, readJsonLabel, visibleLabels } from './labels.js';
import type { ContainerMetadata, CriContainerConfig, CriResources, CriSandboxConfig } from './messages.js';
import { unary } from './rpc.js';
import { getSandbox, nanos } from './sandboxes.js';
import { containerName, translateContainer } from './translate-container.js';

const isCri = (r: ContainerRecord) => r.Config.Labels?.[KIND] === 'container';

export function getCriContainer(engine: Engine, id: string | undefined): ContainerRecord {
  if (!id) throw new HullError('INVALID_ARGUMENT', 'Cannot find container: container_id is empty');
  let record: ContainerRecord | undefined;
  try {
    record = engine.containers.inspect(id);
  } catch (err) {
    if (!isHullError(err, 'NOT_FOUND')) throw err;
  }
  // By ID only (or a unique prefix): a CRI client never names a container by its hull name.
  if (!record || !isCri(record) || !record.Id.startsWith(id)) throw new HullError('NOT_FOUND', `Cannot find container "${showUntrusted(id)}": no such container`);
  return record;
}

export function criState(r: ContainerRecord): string {
  switch (r.State.Status) {
    case 'created':
      return 'CONTAINER_CREATED';
    case 'running':
    case 'paused':
    case 'restarting':
      return 'CONTAINER_RUNNING';
    case 'exited':
    case 'dead':
      return 'CONTAINER_EXITED';
    default:
      return 'CONTAINER_UNKNOWN';
  }
}

function summary(r: ContainerRecord) {
  const labels = r.Config.Labels ?? {};
  return {
    id: r.Id,
    pod_sandbox_id: labels[SANDBOX_ID] ?? '',
    metadata: readJsonLabel<ContainerMetadata>(labels, METADATA, {}),
    image: { image: labels[IMAGE] ?? r.Config.Image, annotations: {} },
    image_ref: r.ImageId,
    image_id: r.ImageId,
    state: criState(r),
    created_at: nanos(r.Created),
    labels: visibleLabels(labels),
    annotations: readJsonLabel<Record<string, string>>(labels, ANNOTATIONS, {}),
  };
}

function reasonOf(r: ContainerRecord): string {
  if (criState(r) !== 'CONTAINER_EXITED') return '';
  if (r.State.OOMKilled) return 'OOMKilled';
  return r.State.ExitCode === 0 ? 'Completed' : 'Error';
}

export function containerStatus(r: ContainerRecord) {
  const s = summary(r);
  const labels = r.Config.Labels ?? {};
  return {
    ...s,
    started_at: nanos(r.State.StartedAt),
    finished_at: criState(r) === 'CONTAINER_EXITED' ? nanos(r.State.FinishedAt) : '0',
    exit_code: r.State.ExitCode,
    reason: reasonOf(r),
    message: r.State.Error ?? '',
    mounts: (r.Mounts ?? []).filter((m) => m.Type === 'bind').map((m) => ({ container_path: m.Destination, host_path: m.Source, readonly: !m.RW, propagation: m.Propagation === 'rshared' ? 'PROPAGATION_BIDIRECTIONAL' : m.Propagation === 'rslave' ? 'PROPAGATION_HOST_TO_CONTAINER' : 'PROPAGATION_PRIVATE' })),
    log_path: labels[LOG_PATH] ?? '',
    resources: { linux: { cpu_period: r.HostConfig.NanoCpus ? '100000' : '0', cpu_quota: String(Math.round(((r.HostConfig.NanoCpus ?? 0) * 100_000) / 1e9)), cpu_shares: String(r.HostConfig.CpuShares ?? 0), memory_limit_in_bytes: String(r.HostConfig.Memory ?? 0), oom_score_adj: String(r.HostConfig.OomScoreAdj ?? 0), cpuset_cpus: r.HostConfig.CpusetCpus ?? '', cpuset_mems: r.HostConfig.CpusetMems ?? '' } },
  };
}

interface ContainerFilter {
  id?: string;
  state?: { state: string } | null;
  pod_sandbox_id?: string;
  label_selector?: Record<string, string>;
}

export function listCriContainers(engine: Engine, filter: ContainerFilter | null | undefined): ContainerRecord[] {
  return engine.containers
    .list(true)
    .filter(isCri)
    .filter((r) => !filter?.id || r.Id.startsWith(filter.id))
    .filter((r) => !filter?.pod_sandbox_id || (r.Config.Labels?.[SANDBOX_ID] ?? '').startsWith(filter.pod_sandbox_id))
    .filter((r) => !filter?.state || criState(r) === filter.state.state)
    .filter((r) => Object.entries(filter?.label_selector ?? {}).every(([k, v]) => r.Config.Labels?.[k] === v));
}

/** ExecSync: the command's output collected (bounded), with kubelet's timeout in seconds (0 = none). */
async function execSync(engine: Engine, id: string | undefined, cmd: string[] | undefined, timeout: string | undefined) {
  const record = getCriContainer(engine, id);
  if (!cmd?.length) throw new HullError('INVALID_ARGUMENT', `Cannot exec in container "${record.Id.slice(0, 12)}": cmd is empty`);
  const limit = 16 * 1024 * 1024; // kubelet's own cap on probe output is far below this
  const collect = () => {
    const s = new PassThrough();
    const chunks: Buffer[] = [];
    let size = 0;
    s.on('data', (b: Buffer) => {
      if (size < limit) chunks.push(b.subarray(0, limit - size));
      size += b.length;
    });
    return { s, text: () => Buffer.concat(chunks) };
  };
  const out = collect();
  const err = collect();
  const controller = new AbortController();
  const seconds = Number(timeout ?? 0);
  let timedOut = false;
  const timer = seconds > 0 ? setTimeout(() => ((timedOut = true), controller.abort()), seconds * 1000) : undefined;
  try {
    const code = await engine.containers.exec(record.Id, { cmd }, { stdout: out.s, stderr: err.s, signal: controller.signal });
    if (timedOut) throw new HullError('UNAVAILABLE', `Cannot exec in container "${record.Id.slice(0, 12)}": the command timed out after ${seconds}s`);
    return { stdout: out.text(), stderr: err.text(), exit_code: code };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** The CRI's LinuxContainerResources as docker's ContainerUpdate fields (containers/update.ts). */
function resourcesUpdate(r: CriResources | null | undefined): UpdateRequest {
  if (!r) return {};
  const n = (v: string | undefined) => Number(v ?? 0);
  return {
    ...(n(r.cpu_shares) ? { CpuShares: n(r.cpu_shares) } : {}),
    ...(n(r.cpu_quota) ? { CpuQuota: n(r.cpu_quota), CpuPeriod: n(r.cpu_period) || 100000 } : {}),
    ...(n(r.memory_limit_in_bytes) ? { Memory: n(r.memory_limit_in_bytes) } : {}),
    ...(n(r.memory_swap_limit_in_bytes) ? { MemorySwap: n(r.memory_swap_limit_in_bytes) } : {}),
    ...(r.cpuset_cpus ? { CpusetCpus: r.cpuset_cpus } : {}),
    ...(r.cpuset_mems ? { CpusetMems: r.cpuset_mems } : {}),
  };
}

export function containerHandlers(engine: Engine): UntypedServiceImplementation {
  return {
    CreateContainer: unary(async ({ pod_sandbox_id, config, sandbox_config }: { pod_sandbox_id?: string; config?: CriContainerConfig | null; sandbox_config?: CriSandboxConfig | null }) => {
      if (!config) throw new HullError('INVALID_ARGUMENT', 'Cannot create container: the request has no config');
      const pod = getSandbox(engine, pod_sandbox_id);
      const ns = config.linux?.security_context?.namespace_options;
      const target = ns?.pid === 'TARGET' ? getCriContainer(engine, ns.target_id).Id : undefined;
      const { name, request } = translateContainer(config, { sandboxId: pod.Id, pod: pod.Id, sandboxConfig: sandbox_config, ...(target ? { targetContainer: target } : {}) });
      // By its name reservation (one file), not by reading every record of the store.
      const holder = (): ContainerRecord | undefined => {
        try {
          const r = engine.containers.inspect(name);
          return r.Name === name ? r : undefined;
        } catch (err) {
          if (isHullError(err, 'NOT_FOUND')) return undefined;
          throw err;
        }
      };
      const reserved = (id: string) => new HullError('ALREADY_EXISTS', `Cannot create container "${showUntrusted(name)}": the name is reserved for container ${id}`, { hint: 'remove that container first (RemoveContainer), or give another attempt number' });
      const existing = holder();
      if (existing) throw reserved(existing.Id);
      try {
        const record = await engine.containers.create({ ...request, name });
        return { container_id: record.Id };
      } catch (err) {
        const raced = isHullError(err, 'CONFLICT') ? holder() : undefined;
        throw raced ? reserved(raced.Id) : err;
      }
    }),
    StartContainer: unary(async ({ container_id }: { container_id?: string }) => {
      const record = getCriContainer(engine, container_id);
      await engine.containers.start(record.Id);
      return {};
    }),
    StopContainer: unary(async ({ container_id, timeout }: { container_id?: string; timeout?: string }) => {
      const record = getCriContainer(engine, container_id);
      if (criState(record) === 'CONTAINER_RUNNING') await engine.containers.stop(record.Id, Number(timeout ?? 0));
      return {};
    }),
    RemoveContainer: unary(async ({ container_id }: { container_id?: string }) => {
      if (!container_id) throw new HullError('INVALID_ARGUMENT', 'Cannot remove container: container_id is empty');
      let record: ContainerRecord;
      try {
        record = getCriContainer(engine, container_id);
      } catch (err) {
        if (isHullError(err, 'NOT_FOUND')) return {}; // removed already: success, as the CRI asks
        throw err;
      }
      await engine.containers.remove(record.Id, { force: true });
      return {};
    }),
    ListContainers: unary(({ filter }: { filter?: ContainerFilter | null }) => ({ containers: listCriContainers(engine, filter).map(summary) })),
    ContainerStatus: unary(async ({ container_id, verbose }: { container_id?: string; verbose?: boolean }) => {
      const record = await engine.containers.refresh(getCriContainer(engine, container_id).Id);
      return { status: containerStatus(record), info: verbose ? { info: JSON.stringify({ pid: record.State.Pid, name: record.Name, pod: record.Pod }) } : {} };
    }),
    UpdateContainerResources: unary(async ({ container_id, linux }: { container_id?: string; linux?: CriResources | null }) => {
      const record = getCriContainer(engine, container_id);
      await engine.containers.update(record.Id, resourcesUpdate(linux));
      return {};
    }),
    ReopenContainerLog: unary(async ({ container_id }: { container_id?: string }) => {
      const record = getCriContainer(engine, container_id);
      await engine.containers.reopenLog(record.Id);
      return {};
    }),
    ExecSync: unary(({ container_id, cmd, timeout }: { container_id?: string; cmd?: string[]; timeout?: string }) => execSync(engine, container_id, cmd, timeout)),
  };
}

export { containerName };
