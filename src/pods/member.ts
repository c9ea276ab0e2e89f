/**
 * planMember: a container-create request that names a pod, as a member of it. Pure. The member
 * joins the infra's namespaces the pod shares (container:<infra> modes, the ones
 * containers/create-check.ts already knows) and sits in the pod's cgroup, so pod-level limits
 * apply to it. What the pod owns cannot be asked for again by a member: podman refuses the same.
 */
import { HullError, showUntrusted } from '../errors.js';
import type { ContainerCreateRequest } from '../containers/create-request.js';
import type { PodRecord } from './record.js';

const setMode = (v: string | undefined) => v !== undefined && v !== '' && v !== 'private' && v !== 'default';

export function planMember(pod: PodRecord, request: ContainerCreateRequest): ContainerCreateRequest {
  const refuse = (what: string, hint: string) => new HullError('INVALID_ARGUMENT', `Cannot create container in pod "${pod.Name}": ${what}`, { hint });
  const hc = request.HostConfig ?? {};
  const shares = new Set(pod.SharedNamespaces);
  if (shares.has('net')) {
    const ports = Object.values(hc.PortBindings ?? {}).some((l) => (l ?? []).length > 0) || Object.keys(hc.PortBindings ?? {}).length > 0;
    if (ports || hc.PublishAllPorts) throw refuse('it shares the pod\'s network, so ports are published by the pod', `publish them on the pod ("hull pod create -p ...") instead of the container`);
    if (setMode(hc.NetworkMode) && hc.NetworkMode !== 'bridge') throw refuse(`it shares the pod's network, so it cannot have --network ${showUntrusted(hc.NetworkMode ?? '')}`, 'give the network to the pod ("hull pod create --network ...")');
    if (Object.keys(request.NetworkingConfig?.EndpointsConfig ?? {}).length > 0) throw refuse('it shares the pod\'s network, so it cannot join networks of its own', 'give the network to the pod');
    if ((hc.Dns ?? []).length || (hc.DnsSearch ?? []).length || (hc.DnsOptions ?? []).length || (hc.ExtraHosts ?? []).length) throw refuse('it shares the pod\'s network, so DNS settings and --add-host belong to the pod', 'give them to "hull pod create"');
  }
  if (shares.has('uts') && request.Config.Hostname && request.Config.Hostname !== pod.Hostname) throw refuse('it shares the pod\'s UTS namespace, so it cannot have its own --hostname', 'give the host name to the pod ("hull pod create --hostname ...")');
  for (const [ns, field] of [['ipc', 'IpcMode'], ['pid', 'PidMode'], ['uts', 'UTSMode']] as const) {
    if (shares.has(ns) && setMode(hc[field]) && hc[field] !== 'shareable') throw refuse(`it shares the pod's ${ns} namespace, so it cannot set ${field} "${showUntrusted(hc[field] ?? '')}"`, `create the pod without --share ${ns} to choose it per container`);
  }
  if (hc.CgroupParent) throw refuse('it sits in the pod\'s cgroup, so it cannot have --cgroup-parent', 'give limits to the pod ("hull pod create --memory ...")');
  const infra = `container:${pod.InfraContainerId}`;
  const { Pod: _pod, ...rest } = request;
  return {
    ...rest,
    Config: { ...request.Config, ...(shares.has('uts') ? { Hostname: pod.Hostname } : {}) },
    HostConfig: {
      ...hc,
      ...(shares.has('net') ? { NetworkMode: infra } : {}),
      ...(shares.has('ipc') ? { IpcMode: infra } : {}),
      ...(shares.has('uts') ? { UTSMode: infra } : {}),
      ...(shares.has('pid') ? { PidMode: infra } : {}),
      CgroupParent: pod.CgroupParent,
    },
  };
}
