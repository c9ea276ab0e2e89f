/**
 * RunPodSandbox's PodSandboxConfig -> the engine's pod create options. Pure. The sandbox is a
 * hull pod: its infra container (hull's built-in catatonit image — the pause image kubelet names
 * is not used) holds the network, IPC and UTS namespaces, and the PID namespace when the pod
 * shares it; the pod's cgroup sits under kubelet's cgroup_parent (cgroupfs driver).
 * Network: namespace NODE is the host's; otherwise the CNI network of the node's configuration
 * (hull's `cni` driver over --cni-conf-dir), with hostPorts through portmap.
 */
import { HullError } from '../errors.js';
import { CONFIG, KIND, METADATA, ANNOTATIONS, boundedName, userLabels } from './labels.js';
import type { CriResources, CriSandboxConfig } from './messages.js';
import type { PodCreateOptions } from '../pods/options.js';

/** The pod create options (pods/options.ts), with the fields this translation always fills. */
export type SandboxPodOptions = PodCreateOptions & { name: string; labels: Record<string, string>; annotations: Record<string, string>; network: string; share: string[] };

/** `k8s_POD_<pod>_<namespace>_<uid>_<attempt>`: unique per attempt, as dockershim named sandboxes. */
export function sandboxName(c: CriSandboxConfig): string {
  const m = c.metadata;
  return boundedName(`k8s_POD_${m?.name ?? ''}_${m?.namespace ?? ''}_${m?.uid ?? ''}_${m?.attempt ?? 0}`);
}

function bad(why: string): HullError {
  return new HullError('INVALID_ARGUMENT', `Cannot run pod sandbox: ${why}`);
}

function podResources(r: CriResources | null | undefined): SandboxPodOptions['resources'] | undefined {
  if (!r) return undefined;
  const quota = Number(r.cpu_quota ?? 0);
  const period = Number(r.cpu_period ?? 0) || 100000;
  const out = {
    ...(Number(r.memory_limit_in_bytes ?? 0) > 0 ? { Memory: Number(r.memory_limit_in_bytes) } : {}),
    ...(quota > 0 ? { NanoCpus: Math.round((quota / period) * 1e9) } : {}),
    ...(Number(r.cpu_shares ?? 0) > 0 ? { CpuShares: Number(r.cpu_shares) } : {}),
    ...(r.cpuset_cpus ? { CpusetCpus: r.cpuset_cpus } : {}),
  };
  return Object.keys(out).length > 0 ? out : undefined;
}

export function translateSandbox(c: CriSandboxConfig, cniNetwork: string): SandboxPodOptions {
  const m = c.metadata;
  if (!m?.name || !m.namespace || !m.uid) throw bad('the metadata needs name, namespace and uid');
  const linux = c.linux ?? {};
  const ns = linux.security_context?.namespace_options ?? {};
  const hostNetwork = ns.network === 'NODE';
  // hostIPC / hostPID: the pod does not share that namespace; each container joins the host's
  // (translate-container.ts), as kubelet sets the same option on every container.
  const ports: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const p of c.port_mappings ?? []) {
    if (!p.container_port) throw bad('a port mapping has no container_port');
    if (!p.host_port) continue; // only hostPorts are published; the pod IP is reachable anyway
    const key = `${p.container_port}/${(p.protocol ?? 'TCP').toLowerCase()}`;
    (ports[key] ??= []).push({ HostIp: p.host_ip ?? '', HostPort: String(p.host_port) });
  }
  const share = ['net', ...(ns.ipc === 'NODE' ? [] : ['ipc']), 'uts', ...(ns.pid === 'POD' ? ['pid'] : [])];
  const dns = c.dns_config ?? {};
  const resources = podResources(linux.resources);
  return {
    name: sandboxName(c),
    labels: { ...userLabels(c.labels), [KIND]: 'sandbox', [METADATA]: JSON.stringify({ name: m.name, uid: m.uid, namespace: m.namespace, attempt: m.attempt ?? 0 }) },
    annotations: { ...c.annotations, [ANNOTATIONS]: JSON.stringify(c.annotations ?? {}), [CONFIG]: JSON.stringify({ log_directory: c.log_directory ?? '', port_mappings: c.port_mappings ?? [], hostname: c.hostname ?? '', namespace_options: ns }) },
    ...(c.hostname && !hostNetwork ? { hostname: c.hostname } : {}),
    network: hostNetwork ? 'host' : cniNetwork,
    ...(Object.keys(ports).length > 0 && !hostNetwork ? { portBindings: ports } : {}),
    ...(dns.servers?.length ? { dns: dns.servers } : {}),
    ...(dns.searches?.length ? { dnsSearch: dns.searches } : {}),
    ...(dns.options?.length ? { dnsOptions: dns.options } : {}),
    share,
    ...(resources ? { resources } : {}),
    ...(linux.sysctls && Object.keys(linux.sysctls).length > 0 ? { sysctls: linux.sysctls } : {}),
    ...(linux.cgroup_parent ? { cgroupParent: linux.cgroup_parent } : {}),
  };
}
