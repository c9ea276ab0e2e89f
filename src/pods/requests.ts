/**
 * The container-create requests a pod makes, pure: its infra container's (which owns the shared
 * namespaces and the published ports), and for `--pod new:NAME` the pod options a member's request
 * gives and that request without them.
 */
import type { ContainerCreateRequest } from '../containers/create-request.js';
import type { PodCreateOptions } from './options.js';
import type { PodRecord } from './record.js';

/** `--pod new:NAME`: the pod takes the request's ports, network, DNS settings and host name. */
export function podOptionsFor(request: ContainerCreateRequest): PodCreateOptions {
  const hc = request.HostConfig ?? {};
  const network = hc.NetworkMode && hc.NetworkMode !== 'default' ? hc.NetworkMode : undefined;
  return {
    name: (request.Pod ?? '').slice('new:'.length),
    ...(network ? { network } : {}),
    portBindings: Object.fromEntries(Object.entries(hc.PortBindings ?? {}).map(([k, l]) => [k, (l ?? []).map((b) => ({ HostIp: b.HostIp ?? '', HostPort: b.HostPort ?? '' }))])),
    dns: hc.Dns ?? [],
    dnsSearch: hc.DnsSearch ?? [],
    dnsOptions: hc.DnsOptions ?? [],
    addHosts: hc.ExtraHosts ?? [],
    ...(request.Config.Hostname ? { hostname: request.Config.Hostname } : {}),
  };
}

/** A request whose network settings went to its new pod (`--pod new:`). */
export function withoutPodNetwork(request: ContainerCreateRequest): ContainerCreateRequest {
  const { PortBindings: _p, NetworkMode: _n, Dns: _d, DnsSearch: _s, DnsOptions: _o, ExtraHosts: _e, ...hc } = request.HostConfig ?? {};
  const { Hostname: _h, ...config } = request.Config;
  return { ...request, Config: config as ContainerCreateRequest['Config'], HostConfig: hc };
}

/** The infra container's create request: it owns the pod's network, IPC and UTS namespaces. */
export function infraRequest(pod: PodRecord, o: PodCreateOptions, image: string): ContainerCreateRequest {
  const n = pod.Network;
  return {
    name: `${pod.Id.slice(0, 12)}-infra`,
    Config: {
      Image: image,
      Hostname: pod.Hostname,
      Labels: {},
      ...(o.infraCommand ? { Entrypoint: [''], Cmd: o.infraCommand } : {}),
    },
    HostConfig: {
      NetworkMode: n.Mode,
      PortBindings: n.PortBindings,
      Dns: n.Dns,
      DnsSearch: n.DnsSearch,
      DnsOptions: n.DnsOptions,
      ExtraHosts: n.ExtraHosts,
      Sysctls: pod.Sysctls,
      ...(pod.ShmSize ? { ShmSize: pod.ShmSize } : {}),
      IpcMode: 'shareable',
      // The built-in infra writes nothing and needs no privilege (catatonit only waits); an image given by the user may.
      ReadonlyRootfs: o.infraImage === undefined,
      ...(o.infraImage === undefined ? { CapDrop: ['ALL'] } : {}),
      CgroupParent: pod.CgroupParent,
    },
    ...(n.Aliases.length || n.IP ? { NetworkingConfig: { EndpointsConfig: { [n.Mode]: { Aliases: n.Aliases, ...(n.IP ? { IPAMConfig: { IPv4Address: n.IP } } : {}) } } } } : {}),
  };
}
