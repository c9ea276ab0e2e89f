/**
 * A PodSpec (of a Pod, or of a Deployment's, DaemonSet's or Job's template) as a planned pod:
 * its volumes, its init containers and containers as create requests, its published ports.
 * Scheduling fields (nodeSelector, affinity, tolerations...) have no meaning on one host: they
 * are warned about, except values that are Kubernetes' own defaults (what `kubectl get -o yaml`
 * prints), which are taken quietly.
 */
import type { Fields } from './fields.js';
import type { ConfigSources } from './config-sources.js';
import { planContainer, readSeccomp, type ContainerContext, type ContainerPart } from './container.js';
import { LABEL } from './labels.js';
import type { KubeKind, PlannedPod, PlannedVolume, PodPort } from './model.js';
import { countMounts, planPodVolumes } from './volumes.js';

export interface PodMeta {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface PodOptions {
  kind: KubeKind;
  owner: string;
  sources: ConfigSources;
  /** `--network`: the network the pods join (hostNetwork wins). */
  network?: string;
  /** Publish hostPorts (false for the second and later replicas: one host has each port once). */
  publish: boolean;
}

const QUIET_DEFAULTS: Record<string, unknown> = {
  dnsPolicy: 'ClusterFirst',
  schedulerName: 'default-scheduler',
  serviceAccountName: 'default',
  serviceAccount: 'default',
  enableServiceLinks: true,
  priority: 0,
  preemptionPolicy: 'PreemptLowerPriority',
};

function restartPolicy(spec: Fields, kind: KubeKind): 'Always' | 'OnFailure' | 'Never' {
  const p = spec.str('restartPolicy');
  if (p === undefined) return kind === 'Job' ? 'Never' : 'Always';
  if (p !== 'Always' && p !== 'OnFailure' && p !== 'Never') throw spec.fail('restartPolicy', 'must be Always, OnFailure or Never');
  if (kind === 'Job' && p === 'Always') throw spec.fail('restartPolicy', 'of a Job must be OnFailure or Never');
  if ((kind === 'Deployment' || kind === 'DaemonSet') && p !== 'Always') throw spec.fail('restartPolicy', `of a ${kind} must be Always`);
  return p;
}

export function planPod(spec: Fields, meta: PodMeta, opts: PodOptions): { pod: PlannedPod; volumes: PlannedVolume[] } {
  const restart = restartPolicy(spec, opts.kind);
  const psc = spec.obj('securityContext');
  const podSecurity: ContainerContext['podSecurity'] = {};
  const groups: string[] = [];
  let sysctls: Record<string, string> | undefined;
  if (psc) {
    const uid = psc.int('runAsUser');
    const gid = psc.int('runAsGroup');
    const nonRoot = psc.bool('runAsNonRoot');
    if (uid !== undefined) podSecurity.runAsUser = uid;
    if (gid !== undefined) podSecurity.runAsGroup = gid;
    if (nonRoot !== undefined) podSecurity.runAsNonRoot = nonRoot;
    for (const g of psc.intList('supplementalGroups') ?? []) groups.push(String(g));
    const fsGroup = psc.int('fsGroup');
    if (fsGroup !== undefined) {
      groups.push(String(fsGroup));
      psc.warn('fsGroup', 'volumes are not chowned to it; it is added to the containers\' groups');
    }
    psc.unsupported('fsGroupChangePolicy');
    psc.unsupported('seLinuxOptions', 'SELinux labels are not supported by hull; ignored');
    psc.unsupported('supplementalGroupsPolicy');
    psc.unsupported('windowsOptions');
    psc.unsupported('appArmorProfile');
    const seccomp = psc.obj('seccompProfile');
    if (seccomp) {
      const t = readSeccomp(seccomp);
      if (t) podSecurity.seccomp = t;
    }
    for (const s of psc.list('sysctls')) {
      (sysctls ??= {})[s.required('name')] = s.str('value') ?? '';
      s.done();
    }
    psc.done();
  }
  const hostNetwork = spec.bool('hostNetwork') ?? false;
  const hostname = spec.str('hostname');
  const sharePid = spec.bool('shareProcessNamespace') ?? false;
  const hostPID = spec.bool('hostPID') ?? false;
  const hostIPC = spec.bool('hostIPC') ?? false;
  const grace = spec.int('terminationGracePeriodSeconds');
  const extraHosts: string[] = [];
  for (const h of spec.list('hostAliases')) {
    const ip = h.required('ip');
    for (const n of h.strList('hostnames') ?? []) extraHosts.push(`${n}:${ip}`);
    h.done();
  }
  const dns = spec.obj('dnsConfig');
  const dnsServers = dns?.strList('nameservers');
  const dnsSearch = dns?.strList('searches');
  const dnsOptions = dns?.list('options').map((o) => {
    const t = `${o.required('name')}${o.has('value') ? `:${o.str('value')}` : ''}`;
    o.done();
    return t;
  });
  dns?.done();
  const dnsPolicy = spec.value.dnsPolicy;
  if (dnsPolicy === 'None' && !dns) throw spec.fail('dnsPolicy', 'None needs a dnsConfig');
  for (const key of ['nodeSelector', 'nodeName', 'affinity', 'tolerations', 'topologySpreadConstraints', 'priorityClassName', 'runtimeClassName', 'overhead', 'readinessGates', 'subdomain', 'setHostnameAsFQDN', 'os', 'hostUsers', 'schedulingGates', 'resourceClaims', 'ephemeralContainers', 'imagePullSecrets', 'activeDeadlineSeconds', 'automountServiceAccountToken']) {
    spec.unsupported(key, 'has no effect on one host with hull; ignored');
  }
  for (const [k, v] of Object.entries(QUIET_DEFAULTS)) if (spec.value[k] === v) spec.ignore(k);
  if (dnsPolicy === 'None' || dnsPolicy === 'Default' || dnsPolicy === 'ClusterFirstWithHostNet') spec.ignore('dnsPolicy');

  const rawContainers = spec.list('containers');
  const rawInit = spec.list('initContainers');
  if (rawContainers.length === 0) throw spec.fail('containers', 'must list at least one container');
  const podOwner = podSecurity.runAsUser !== undefined ? { uid: podSecurity.runAsUser, gid: podSecurity.runAsGroup ?? podSecurity.runAsUser } : undefined;
  const { byName, volumes } = planPodVolumes(spec, meta.name, opts.sources, countMounts([...rawContainers, ...rawInit]), podOwner);
  spec.done();

  const ctx = (role: 'init' | 'main', containerName?: string): ContainerContext => ({
    pod: meta,
    sources: opts.sources,
    volumes: byName,
    podSecurity,
    restartPolicy: restart,
    ...(grace !== undefined ? { stopTimeout: grace } : {}),
    labels: {
      ...meta.labels,
      [LABEL.pod]: meta.name,
      [LABEL.owner]: opts.owner,
      [LABEL.podLabels]: JSON.stringify(meta.labels),
      [LABEL.podAnnotations]: JSON.stringify(meta.annotations),
      [LABEL.restartPolicy]: restart,
      ...(role === 'init' ? { [LABEL.role]: 'init' } : {}),
      ...(containerName ? { [LABEL.container]: containerName } : {}),
    },
  });
  const seen = new Set<string>();
  const build = (c: Fields, init: boolean) => {
    const name = typeof c.value.name === 'string' ? c.value.name : '';
    const part = planContainer(c, ctx(init ? 'init' : 'main', name), init);
    if (seen.has(part.name)) throw c.fail('name', `repeats the container name "${part.name}" in the pod`);
    seen.add(part.name);
    const hc = part.request.HostConfig ?? (part.request.HostConfig = {});
    if (groups.length) hc.GroupAdd = groups;
    if (hostPID) hc.PidMode = 'host';
    if (hostIPC) hc.IpcMode = 'host';
    part.request.name = `${meta.name}-${part.name}`;
    return part;
  };
  const initContainers = rawInit.map((c) => build(c, true));
  const containers = rawContainers.map((c) => build(c, false));
  ownSecretFiles(volumes, [...initContainers, ...containers], spec);
  const ports: PodPort[] = [];
  for (const part of containers) {
    for (const p of part.hostPorts) {
      if (ports.some((q) => q.hostPort === p.hostPort && q.protocol === p.protocol && q.hostIP === p.hostIP)) {
        throw spec.fail('containers', `publish host port ${p.hostPort}/${p.protocol} twice`);
      }
      if (opts.publish) ports.push(p);
    }
  }
  const pod: PlannedPod = {
    name: meta.name,
    owner: opts.owner,
    kind: opts.kind,
    labels: meta.labels,
    annotations: meta.annotations,
    hostname: hostname ?? meta.name,
    ports,
    ...(hostNetwork ? { network: 'host' } : opts.network ? { network: opts.network } : {}),
    sharePid,
    ...(dnsServers?.length ? { dns: dnsServers } : {}),
    ...(dnsSearch?.length ? { dnsSearch } : {}),
    ...(dnsOptions?.length ? { dnsOptions } : {}),
    ...(extraHosts.length ? { addHosts: extraHosts } : {}),
    ...(sysctls ? { sysctls } : {}),
    initContainers: initContainers.map((p) => ({ name: p.name, request: p.request, pull: p.pull })),
    containers: containers.map((p) => ({ name: p.name, request: p.request, pull: p.pull })),
    runToCompletion: opts.kind === 'Job',
  };
  return { pod, volumes };
}

/**
 * A Secret's files are 0400 by default: they belong to the user of the containers that mount
 * them (Kubernetes reaches the same with fsGroup), or, when those run as different users, are
 * made readable to all of them (0444) with a warning.
 */
function ownSecretFiles(volumes: PlannedVolume[], parts: readonly ContainerPart[], spec: Fields): void {
  for (const v of volumes) {
    if (v.kind !== 'secret' || v.owner || !v.files) continue;
    const users = new Map<string, { uid: number; gid: number }>();
    for (const p of parts) {
      if (!(p.request.HostConfig?.Mounts ?? []).some((m) => m.Source === v.name)) continue;
      const u = p.user ?? { uid: 0, gid: 0 };
      users.set(`${u.uid}:${u.gid}`, u);
    }
    if (users.size === 1) {
      const only = [...users.values()][0] as { uid: number; gid: number };
      if (only.uid !== 0 || only.gid !== 0) v.owner = only;
    } else if (users.size > 1) {
      for (const f of v.files) f.mode |= (f.mode & 0o400) ? 0o044 : 0;
      spec.warn('volumes', `secret volume ${JSON.stringify(v.name)} is mounted by containers running as different users: its files are readable by all of them`);
    }
  }
}
