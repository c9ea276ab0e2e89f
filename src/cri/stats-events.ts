/**
 * ContainerStats, ListContainerStats, PodSandboxStats, ListPodSandboxStats from the cgroups the
 * engine samples, and GetContainerEvents from the store's event log (so events recorded by any
 * hull process — a monitor's exit, a `hull rm` — reach kubelet). CPU is cumulative
 * (usage_core_nano_seconds); kubelet derives the rate from two samples.
 */
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { isHullError } from '../errors.js';
import type { Engine } from '../engine/engine.js';
import type { ContainerRecord, HullEvent, StatsSample } from '../engine/requests.js';
import type { PodView } from '../pods/service.js';
import { ANNOTATIONS, KIND, METADATA, readJsonLabel, visibleLabels } from './labels.js';
import { containerStatus, getCriContainer, listCriContainers } from './containers.js';
import { findSandbox, getSandbox } from './sandboxes.js';
import { serverStream, unary } from './rpc.js';

const u64 = (n: number) => ({ value: String(Math.max(0, Math.round(Number.isFinite(n) ? n : 0))) });

function sampleOf(engine: Engine, id: string): StatsSample | undefined {
  try {
    return engine.containers.stats(id);
  } catch (err) {
    if (isHullError(err, 'CONFLICT') || isHullError(err, 'NOT_FOUND')) return undefined; // not running
    throw err;
  }
}

function usage(s: StatsSample | undefined) {
  if (!s) return { cpu: null, memory: null };
  const timestamp = String(s.at);
  return {
    cpu: { timestamp, usage_core_nano_seconds: u64(s.cpuNanos) },
    memory: { timestamp, working_set_bytes: u64(s.memoryUsage), usage_bytes: u64(s.memoryUsage), ...(Number.isFinite(s.memoryLimit) && s.memoryLimit > 0 ? { available_bytes: u64(s.memoryLimit - s.memoryUsage) } : {}) },
  };
}

function containerStats(engine: Engine, r: ContainerRecord) {
  const labels = r.Config.Labels ?? {};
  return {
    attributes: { id: r.Id, metadata: readJsonLabel(labels, METADATA, {}), labels: visibleLabels(labels), annotations: readJsonLabel(labels, ANNOTATIONS, {}) },
    ...usage(sampleOf(engine, r.Id)),
    writable_layer: { timestamp: String(BigInt(Date.now()) * 1_000_000n), fs_id: { mountpoint: engine.options.root }, used_bytes: u64(0), inodes_used: u64(0) },
  };
}

function podStats(engine: Engine, pod: PodView) {
  const members = engine.pods.members(pod.Id);
  const samples = members.map((c) => sampleOf(engine, c.Id)).filter((s): s is StatsSample => s !== undefined);
  const sum = samples.reduce((a, s) => ({ cpuNanos: a.cpuNanos + s.cpuNanos, memoryUsage: a.memoryUsage + s.memoryUsage, memoryLimit: 0, pids: a.pids + s.pids, at: Math.max(a.at, s.at) }), { cpuNanos: 0, memoryUsage: 0, memoryLimit: 0, pids: 0, at: 0 });
  const crictrs = members.filter((c) => c.Config.Labels?.[KIND] === 'container');
  return {
    attributes: { id: pod.Id, metadata: readJsonLabel(pod.Labels, METADATA, {}), labels: visibleLabels(pod.Labels), annotations: readJsonLabel(pod.Annotations, ANNOTATIONS, {}) },
    linux: { ...usage(samples.length ? sum : undefined), process: { timestamp: String(sum.at), process_count: u64(sum.pids) }, containers: crictrs.map((c) => containerStats(engine, c)) },
  };
}

const EVENT_TYPES: Record<string, string> = { create: 'CONTAINER_CREATED_EVENT', start: 'CONTAINER_STARTED_EVENT', die: 'CONTAINER_STOPPED_EVENT', destroy: 'CONTAINER_DELETED_EVENT' };

export function statsEventHandlers(engine: Engine): UntypedServiceImplementation {
  return {
    ContainerStats: unary(({ container_id }: { container_id?: string }) => ({ stats: containerStats(engine, getCriContainer(engine, container_id)) })),
    ListContainerStats: unary(({ filter }: { filter?: { id?: string; pod_sandbox_id?: string; label_selector?: Record<string, string> } | null }) => ({
      stats: listCriContainers(engine, filter).filter((r) => r.State.Status === 'running').map((r) => containerStats(engine, r)),
    })),
    PodSandboxStats: unary(({ pod_sandbox_id }: { pod_sandbox_id?: string }) => ({ stats: podStats(engine, getSandbox(engine, pod_sandbox_id)) })),
    ListPodSandboxStats: unary(async ({ filter }: { filter?: { id?: string; label_selector?: Record<string, string> } | null }) => {
      const pods = (await engine.pods.list()).filter((p) => p.Labels[KIND] === 'sandbox' && (!filter?.id || p.Id.startsWith(filter.id)));
      const selected = pods.filter((p) => Object.entries(filter?.label_selector ?? {}).every(([k, v]) => p.Labels[k] === v));
      return { stats: selected.map((p) => podStats(engine, p)) };
    }),
    // Kubelet's evented PLEG: one event per container change, with the sandbox's and containers' status.
    GetContainerEvents: serverStream(async (_req: object, write: (res: object) => void, signal: AbortSignal) => {
      await engine.events.stream(
        { filters: [['type', 'container']] },
        (e: HullEvent) => {
          const type = EVENT_TYPES[e.Action];
          if (!type || !(e.Actor.Attributes.name ?? '').startsWith('k8s_')) return;
          let record: ContainerRecord | undefined;
          try {
            record = engine.containers.inspect(e.Actor.ID);
          } catch {
            record = undefined; // deleted
          }
          if (record && record.Config.Labels?.[KIND] !== 'container') return;
          const sandboxId = record?.Config.Labels?.['io.hull.cri.sandbox-id'];
          const pod = sandboxId ? findSandbox(engine, sandboxId) : undefined;
          write({
            container_id: e.Actor.ID,
            container_event_type: type,
            created_at: String(e.timeNano),
            pod_sandbox_status: pod ? { id: pod.Id, metadata: readJsonLabel(pod.Labels, METADATA, {}), labels: visibleLabels(pod.Labels) } : null,
            containers_statuses: record ? [containerStatus(record)] : [],
          });
        },
        signal,
      );
    }),
  };
}
