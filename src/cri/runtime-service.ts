/**
 * The CRI RuntimeService: runtime status and configuration here; sandboxes (sandboxes.ts) and
 * containers (containers.ts) translate into the engine's pods and containers. Exec, Attach and
 * PortForward return a URL of the streaming server (src/cri/streaming/) when one is wired in.
 * Optional calls hull does not implement (checkpoint, metrics) answer UNIMPLEMENTED.
 */
import { readdirSync } from 'node:fs';
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { hullVersion } from '../version.js';
import { HullError } from '../errors.js';
import type { Engine } from '../engine/engine.js';
import type { CriConfig } from './config.js';
import { notImplemented, unary } from './rpc.js';
import { criState, getCriContainer } from './containers.js';
import { getSandbox } from './sandboxes.js';

/** The streaming server's URL makers (src/cri/streaming/): each answers `{ url }`. */
export interface StreamingUrls {
  getExec(req: object): Promise<{ url: string }> | { url: string };
  getAttach(req: object): Promise<{ url: string }> | { url: string };
  getPortForward(req: object): Promise<{ url: string }> | { url: string };
}

export interface RuntimeServiceDeps {
  engine: Engine;
  config: CriConfig;
  streaming?: StreamingUrls;
}

/** CRI's runtime_api_version for runtime.v1. */
export const CRI_API_VERSION = 'v1';

/** The pod network is ready when the CNI directory holds a network configuration, as containerd checks. */
export function cniConfigFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => /\.(conflist|conf|json)$/.test(n)).sort();
  } catch {
    return [];
  }
}

function condition(type: string, ok: boolean, reason: string, message: string) {
  return { type, status: ok, reason: ok ? '' : reason, message: ok ? '' : message };
}

export function systemHandlers(deps: RuntimeServiceDeps): UntypedServiceImplementation {
  const { config } = deps;
  return {
    Version: unary(() => ({ version: '0.1.0', runtime_name: 'hull', runtime_version: hullVersion(), runtime_api_version: CRI_API_VERSION })),
    Status: unary(({ verbose }: { verbose?: boolean }) => {
      const networks = cniConfigFiles(config.cniConfDir);
      const conditions = [
        condition('RuntimeReady', true, '', ''),
        condition('NetworkReady', networks.length > 0, 'NetworkPluginNotReady', `Network plugin returns error: no CNI configuration in ${config.cniConfDir}`),
      ];
      const info: Record<string, string> = verbose ? { config: JSON.stringify({ ...config, cniNetworks: networks, root: deps.engine.options.root, runroot: deps.engine.options.runroot }) } : {};
      return { status: { conditions }, info, runtime_handlers: [{ name: '', features: { recursive_read_only_mounts: false, user_namespaces: false } }], features: null };
    }),
    RuntimeConfig: unary(() => ({ linux: { cgroup_driver: 'CGROUPFS' } })),
    // kubelet sends the node's pod CIDR; hull's CNI configurations carry their own ranges (docs/kubernetes.md).
    UpdateRuntimeConfig: unary(() => ({})),
    // The target is checked before a URL is handed out, as containerd does: a bad id fails here, not in kubelet's proxy.
    Exec: unary((req: { container_id?: string }) => streamingUrl(deps, 'exec', (s) => (requireRunning(deps.engine, req.container_id, 'exec in'), s.getExec(req)))),
    Attach: unary((req: { container_id?: string }) => streamingUrl(deps, 'attach', (s) => (requireRunning(deps.engine, req.container_id, 'attach to'), s.getAttach(req)))),
    PortForward: unary((req: { pod_sandbox_id?: string }) => streamingUrl(deps, 'port-forward', (s) => (getSandbox(deps.engine, req.pod_sandbox_id), s.getPortForward(req)))),
    CheckpointContainer: notImplemented('checkpoint a container', 'checkpointing is not supported by hull'),
    CheckpointPod: notImplemented('checkpoint a pod', 'checkpointing is not supported by hull'),
    RestorePod: notImplemented('restore a pod', 'checkpointing is not supported by hull'),
    ListMetricDescriptors: notImplemented('list metric descriptors', 'hull reports stats through ContainerStats and PodSandboxStats only'),
    ListPodSandboxMetrics: notImplemented('list pod sandbox metrics', 'hull reports stats through ContainerStats and PodSandboxStats only'),
    StreamPodSandboxMetrics: notImplemented('stream pod sandbox metrics', 'hull reports stats through ContainerStats and PodSandboxStats only'),
    StreamPodSandboxes: notImplemented('stream pod sandboxes', 'use ListPodSandbox'),
    StreamContainers: notImplemented('stream containers', 'use ListContainers'),
    StreamContainerStats: notImplemented('stream container stats', 'use ListContainerStats'),
    StreamPodSandboxStats: notImplemented('stream pod sandbox stats', 'use ListPodSandboxStats'),
    UpdatePodSandboxResources: notImplemented('update pod sandbox resources', 'in-place pod resizing is not supported by hull'),
  };
}

function requireRunning(engine: Engine, id: string | undefined, action: string): void {
  const record = getCriContainer(engine, id);
  if (criState(record) !== 'CONTAINER_RUNNING') throw new HullError('CONFLICT', `Cannot ${action} container "${record.Id}": it is not running`);
}

function streamingUrl(deps: RuntimeServiceDeps, what: string, get: (s: StreamingUrls) => Promise<{ url: string }> | { url: string }): Promise<{ url: string }> | { url: string } {
  if (!deps.streaming) {
    // serveCri always wires one in (server.ts); a RuntimeService built without one cannot stream.
    throw new HullError('UNSUPPORTED', `Cannot ${what}: no streaming server is configured`);
  }
  return get(deps.streaming);
}
