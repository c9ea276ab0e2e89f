/**
 * Pod sandboxes: RunPodSandbox, StopPodSandbox, RemovePodSandbox, PodSandboxStatus,
 * ListPodSandbox over the engine's pods (a sandbox is a hull pod labelled io.hull.cri.kind=sandbox;
 * its ID is the pod's). Name reservation: the pod name k8s_POD_<pod>_<ns>_<uid>_<attempt> is
 * unique in the store (the core creates it with O_EXCL), so a second RunPodSandbox with the same
 * metadata gets ALREADY_EXISTS naming the sandbox that holds it, until that one is removed.
 */
import { createHash } from 'node:crypto';
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { HullError, isHullError, showUntrusted } from '../errors.js';
import type { Engine } from '../engine/engine.js';
import type { PodView } from '../pods/service.js';
import type { CriConfig } from './config.js';
import { ANNOTATIONS, CONFIG, KIND, METADATA, readJsonLabel, visibleLabels } from './labels.js';
import type { CriNamespaceOption, CriSandboxConfig, PodSandboxMetadata } from './messages.js';
import { unary } from './rpc.js';
import { sandboxName, translateSandbox } from './translate-sandbox.js';

export const nanos = (iso: string | undefined): string => {
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(ms) && ms > 0 ? String(BigInt(ms) * 1_000_000n) : '0';
};

/** The CNI network of this server's configuration: one per (conf dir, bin dir), made on first use. */
export async function ensureCriNetwork(engine: Engine, config: CriConfig): Promise<string> {
  const name = `hull-cri-${createHash('sha256').update(`${config.cniConfDir}\0${config.cniBinDir}`).digest('hex').slice(0, 8)}`;
  if (engine.networks.list().some((n) => n.Name === name)) return name;
  try {
    await engine.networks.create(name, { cni: { confDir: config.cniConfDir, binDir: config.cniBinDir }, labels: { [KIND]: 'network' } });
  } catch (err) {
    if (!isHullError(err, 'CONFLICT')) throw err; // made meanwhile by another request
  }
  return name;
}

const isSandbox = (p: PodView) => p.Labels[KIND] === 'sandbox';

/** The sandbox with this ID (or unique ID prefix): NOT_FOUND when there is none. */
export function getSandbox(engine: Engine, id: string | undefined): PodView {
  if (!id) throw new HullError('INVALID_ARGUMENT', 'Cannot find pod sandbox: pod_sandbox_id is empty');
  let pod: PodView | undefined;
  try {
    pod = engine.pods.inspect(id);
  } catch (err) {
    if (!isHullError(err, 'NOT_FOUND')) throw err;
  }
  if (!pod || !isSandbox(pod) || (pod.Id !== id && !pod.Id.startsWith(id))) throw new HullError('NOT_FOUND', `Cannot find pod sandbox "${showUntrusted(id)}": no such sandbox`);
  return pod;
}

export function findSandbox(engine: Engine, id: string): PodView | undefined {
  try {
    return getSandbox(engine, id);
  } catch (err) {
    if (isHullError(err, 'NOT_FOUND')) return undefined;
    throw err;
  }
}

/** READY while the infra runs (its namespaces exist); NOTREADY once stopped. */
function sandboxState(pod: PodView): 'SANDBOX_READY' | 'SANDBOX_NOTREADY' {
  const infra = pod.Containers.find((c) => c.IsInfra);
  return infra && ['running', 'paused'].includes(infra.State) ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY';
}

export function sandboxConfigOf(pod: PodView): CriSandboxConfig & { namespace_options?: CriNamespaceOption } {
  return readJsonLabel(pod.Annotations, CONFIG, {});
}

function criAnnotations(pod: PodView): Record<string, string> {
  return readJsonLabel(pod.Annotations, ANNOTATIONS, {});
}

function metadataOf(pod: PodView): PodSandboxMetadata {
  return readJsonLabel(pod.Labels, METADATA, {});
}

function sandboxSummary(pod: PodView) {
  return { id: pod.Id, metadata: metadataOf(pod), state: sandboxState(pod), created_at: nanos(pod.Created), labels: visibleLabels(pod.Labels), annotations: criAnnotations(pod), runtime_handler: '' };
}

function podIp(engine: Engine, pod: PodView): string {
  if (sandboxState(pod) !== 'SANDBOX_READY') return '';
  return engine.networks.sandbox(pod.InfraContainerId)?.endpoints.find((e) => e.ip)?.ip ?? '';
}

function matchesSelector(labels: Record<string, string>, selector: Record<string, string> | undefined): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

interface SandboxFilter {
  id?: string;
  state?: { state: string } | null;
  label_selector?: Record<string, string>;
}

export function sandboxHandlers(engine: Engine, config: CriConfig): UntypedServiceImplementation {
  return {
    RunPodSandbox: unary(async ({ config: c }: { config?: CriSandboxConfig | null }) => {
      if (!c) throw new HullError('INVALID_ARGUMENT', 'Cannot run pod sandbox: the request has no config');
      const name = sandboxName(c);
      const network = c.linux?.security_context?.namespace_options?.network === 'NODE' ? 'host' : await ensureCriNetwork(engine, config);
      const options = translateSandbox(c, network);
      const holder = (): PodView | undefined => {
        try {
          const p = engine.pods.inspect(name);
          return p.Name === name ? p : undefined;
        } catch (err) {
          if (isHullError(err, 'NOT_FOUND')) return undefined;
          throw err;
        }
      };
      const reserved = (id: string) => new HullError('ALREADY_EXISTS', `Cannot run pod sandbox "${showUntrusted(name)}": the name is reserved for sandbox ${id}`, { hint: 'remove that sandbox first (RemovePodSandbox), or give another attempt number' });
      const existing = holder();
      if (existing) throw reserved(existing.Id);
      let pod: PodView;
      try {
        pod = await engine.pods.create(options);
      } catch (err) {
        const raced = isHullError(err, 'CONFLICT') ? holder() : undefined;
        throw raced ? reserved(raced.Id) : err;
      }
      try {
        await engine.pods.start(pod.Id);
      } catch (err) {
        // A sandbox that cannot start is not left behind: kubelet retries with the same name.
        await engine.pods.remove(pod.Id, { force: true }).catch(() => {});
        throw err;
      }
      return { pod_sandbox_id: pod.Id };
    }),
    StopPodSandbox: unary(async ({ pod_sandbox_id }: { pod_sandbox_id?: string }) => {
      const pod = getSandbox(engine, pod_sandbox_id);
      // kubelet stopped the containers with their grace periods already; what remains is killed.
      if (pod.Containers.some((c) => ['running', 'paused', 'restarting'].includes(c.State))) await engine.pods.stop(pod.Id, 0);
      return {};
    }),
    RemovePodSandbox: unary(async ({ pod_sandbox_id }: { pod_sandbox_id?: string }) => {
      // Removing a removed sandbox is success (the CRI's idempotence); its containers go with it.
      const pod = findSandbox(engine, pod_sandbox_id ?? '');
      if (!pod && !pod_sandbox_id) throw new HullError('INVALID_ARGUMENT', 'Cannot remove pod sandbox: pod_sandbox_id is empty');
      if (pod) await engine.pods.remove(pod.Id, { force: true });
      return {};
    }),
    PodSandboxStatus: unary(({ pod_sandbox_id, verbose }: { pod_sandbox_id?: string; verbose?: boolean }) => {
      const pod = getSandbox(engine, pod_sandbox_id);
      const ns = sandboxConfigOf(pod).namespace_options ?? {};
      const status = {
        ...sandboxSummary(pod),
        network: { ip: podIp(engine, pod), additional_ips: [] },
        linux: { namespaces: { options: { network: ns.network ?? 'POD', pid: ns.pid ?? 'CONTAINER', ipc: ns.ipc ?? 'POD', target_id: '' } } },
      };
      return { status, info: verbose ? { info: JSON.stringify({ pod: pod.Name, infra: pod.InfraContainerId, cgroupParent: pod.CgroupParent, network: pod.Network }) } : {}, containers_statuses: [], timestamp: String(BigInt(Date.now()) * 1_000_000n) };
    }),
    ListPodSandbox: unary(async ({ filter }: { filter?: SandboxFilter | null }) => {
      const pods = (await engine.pods.list()).filter(isSandbox);
      const items = pods
        .filter((p) => !filter?.id || p.Id === filter.id || p.Id.startsWith(filter.id))
        .map(sandboxSummary)
        .filter((s) => !filter?.state || s.state === filter.state.state)
        .filter((s) => matchesSelector(s.labels, filter?.label_selector));
      return { items };
    }),
  };
}
