/**
 * `kube generate`: pods and containers back to Kubernetes YAML that `kube play` reads to the same
 * containers and that Kubernetes' API accepts (kubectl's client-side checks, generate.test.ts):
 *
 *   a pod                      Pod (or Deployment with -t deployment), its members as containers,
 *                              its init containers as initContainers, its ports as hostPorts
 *   a container not in a pod   Pod `<container>-pod` holding it (podman's rule)
 *   ConfigMap/Secret volumes   a ConfigMap/Secret with the volume's files, so the YAML is complete
 *   other named volumes        persistentVolumeClaim + a PersistentVolumeClaim object
 *   -s                         a Service for the published ports
 *
 * Read from the engine's records only (the same data `inspect` shows).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import { HullError, isHullError } from '../errors.js';
import type { Engine } from '../engine/engine.js';
import type { ContainerRecord } from '../engine/requests.js';
import { containerSpec, dnsLabel, type GeneratedVolume, type ImageDefaults, type Obj } from './generate-container.js';
import { LABEL } from './labels.js';

export interface GenerateOptions {
  type: 'pod' | 'deployment';
  service: boolean;
  replicas: number;
}

interface PodInput {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  hostname: string;
  /** "80/tcp" -> host port */
  hostPorts: Map<string, number>;
  dns: string[];
  dnsSearch: string[];
  dnsOptions: string[];
  extraHosts: string[];
  sysctls: Record<string, string>;
  sharePid: boolean;
  init: ContainerRecord[];
  containers: ContainerRecord[];
}

function imageDefaults(engine: Engine, r: ContainerRecord): ImageDefaults {
  try {
    const { config } = engine.containers.loadImage(engine.images.get(r.ImageId));
    return { env: config.config?.Env ?? [], workingDir: config.config?.WorkingDir ?? '' };
  } catch (err) {
    if (isHullError(err, 'NOT_FOUND')) return { env: [], workingDir: '' };
    throw err;
  }
}

function hostPortsOf(bindings: Record<string, Array<{ HostIp?: string; HostPort?: string }> | null> | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, list] of Object.entries(bindings ?? {})) {
    const port = Number(list?.[0]?.HostPort);
    if (port > 0) out.set(key, port);
  }
  return out;
}

function userLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([k]) => !k.startsWith('io.hull.kube.')));
}

function podInput(engine: Engine, ref: string): PodInput {
  let pod;
  try {
    pod = engine.pods.inspect(ref);
  } catch (err) {
    if (!isHullError(err, 'NOT_FOUND')) throw err;
  }
  if (pod) {
    const members = engine.pods.members(pod.Id).filter((c) => !c.IsInfra);
    return {
      name: pod.Name,
      labels: userLabels(pod.Labels),
      annotations: pod.Annotations,
      hostname: pod.Hostname,
      hostPorts: hostPortsOf(pod.Network.PortBindings),
      dns: pod.Network.Dns, dnsSearch: pod.Network.DnsSearch, dnsOptions: pod.Network.DnsOptions, extraHosts: pod.Network.ExtraHosts,
      sysctls: pod.Sysctls,
      sharePid: pod.SharedNamespaces.includes('pid'),
      init: members.filter((c) => c.InitContainerType),
      containers: members.filter((c) => !c.InitContainerType),
    };
  }
  let c: ContainerRecord;
  try {
    c = engine.containers.inspect(ref);
  } catch (err) {
    if (isHullError(err, 'NOT_FOUND')) throw new HullError('NOT_FOUND', `Cannot generate Kubernetes YAML for "${ref}": no such pod or container`, { hint: 'see "hull pod ps" and "hull ps -a"' });
    throw err;
  }
  if (c.Pod) return podInput(engine, c.Pod);
  const name = `${dnsLabel(c.Name)}-pod`;
  return {
    // A plain container's host name is its short ID unless given: the pod's default (its name) stands in.
    name, labels: { app: name }, annotations: {}, hostname: name,
    hostPorts: hostPortsOf(c.HostConfig.PortBindings),
    dns: c.HostConfig.Dns ?? [], dnsSearch: c.HostConfig.DnsSearch ?? [], dnsOptions: c.HostConfig.DnsOptions ?? [], extraHosts: c.HostConfig.ExtraHosts ?? [],
    sysctls: c.HostConfig.Sysctls ?? {}, sharePid: false, init: [], containers: [c],
  };
}

/** A ConfigMap's or Secret's keys from the files of its volume (nested files become items). */
function configObject(engine: Engine, kind: 'ConfigMap' | 'Secret', volume: string): { doc: Obj; items: Obj[] | undefined } {
  const dir = engine.volumes.get(volume).Mountpoint;
  const data: Record<string, string> = {};
  const items: Obj[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const rel = relative(dir, p);
        const key = rel.replace(/\//g, '_');
        const bytes = readFileSync(p);
        data[key] = kind === 'Secret' ? bytes.toString('base64') : bytes.toString('utf8');
        items.push({ key, path: rel, mode: statSync(p).mode & 0o777 });
      }
    }
  };
  walk(dir);
  const nested = items.some((i) => i.key !== i.path);
  return { doc: { apiVersion: 'v1', kind, metadata: { name: volume }, data }, items: nested ? items : undefined };
}

function podSpec(engine: Engine, p: PodInput, docs: Obj[], kind: GenerateOptions['type']): Obj {
  const volumes = new Map<string, GeneratedVolume>();
  const kindOf = (name: string) => engine.volumes.find(name)?.Labels[LABEL.volume];
  const spec = (r: ContainerRecord) => containerSpec({ record: r, podName: p.name, image: imageDefaults(engine, r), hostPorts: p.hostPorts, volumes, volumeKind: kindOf });
  const initContainers = p.init.map(spec);
  const containers = p.containers.map(spec);
  // Published ports no container exposes go to the first container (the pod publishes them for all).
  if (p.hostPorts.size && containers[0]) {
    const c0 = containers[0] as { ports?: Obj[] };
    for (const [key, hostPort] of p.hostPorts) {
      const [port, proto = 'tcp'] = key.split('/');
      (c0.ports ??= []).push({ containerPort: Number(port), hostPort, ...(proto !== 'tcp' ? { protocol: proto.toUpperCase() } : {}) });
    }
  }
  for (const v of volumes.values()) {
    const cm = v.source.configMap as Obj | undefined;
    const sec = v.source.secret as Obj | undefined;
    if (cm || sec) {
      const name = (cm?.name ?? sec?.secretName) as string;
      const { doc, items } = configObject(engine, cm ? 'ConfigMap' : 'Secret', name);
      docs.push(doc);
      if (items) Object.assign((cm ?? sec) as Obj, { items });
    }
    const claim = (v.source.persistentVolumeClaim as Obj | undefined)?.claimName as string | undefined;
    if (claim) docs.push({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: claim }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
  }
  // A Deployment's pods always restart (the API refuses another policy there).
  const restart = kind === 'deployment' ? 'Always' : (p.containers[0]?.Config.Labels?.[LABEL.restartPolicy] ?? restartPolicyOf(p.containers[0]));
  return {
    ...(p.hostname && p.hostname !== p.name ? { hostname: p.hostname } : {}),
    ...(restart !== 'Always' ? { restartPolicy: restart } : {}),
    ...(p.sharePid ? { shareProcessNamespace: true } : {}),
    ...(p.extraHosts.length ? { hostAliases: hostAliases(p.extraHosts) } : {}),
    ...(p.dns.length || p.dnsSearch.length || p.dnsOptions.length ? { dnsConfig: dnsConfig(p) } : {}),
    ...(Object.keys(p.sysctls).length ? { securityContext: { sysctls: Object.entries(p.sysctls).map(([name, value]) => ({ name, value })) } } : {}),
    ...(initContainers.length ? { initContainers } : {}),
    containers,
    ...(volumes.size ? { volumes: [...volumes.values()].map((v) => ({ name: v.name, ...v.source })) } : {}),
  };
}

function restartPolicyOf(r: ContainerRecord | undefined): string {
  const name = r?.HostConfig.RestartPolicy?.Name;
  return name === 'always' || name === 'unless-stopped' ? 'Always' : name === 'on-failure' ? 'OnFailure' : 'Never';
}

function hostAliases(extra: string[]): Obj[] {
  const byIp = new Map<string, string[]>();
  for (const e of extra) {
    const i = e.indexOf(':');
    const [name, ip] = [e.slice(0, i), e.slice(i + 1)];
    byIp.set(ip, [...(byIp.get(ip) ?? []), name]);
  }
  return [...byIp].map(([ip, hostnames]) => ({ ip, hostnames }));
}

function dnsConfig(p: PodInput): Obj {
  return {
    ...(p.dns.length ? { nameservers: p.dns } : {}),
    ...(p.dnsSearch.length ? { searches: p.dnsSearch } : {}),
    ...(p.dnsOptions.length ? { options: p.dnsOptions.map((o) => (o.includes(':') ? { name: o.slice(0, o.indexOf(':')), value: o.slice(o.indexOf(':') + 1) } : { name: o })) } : {}),
  };
}

/** The YAML of `kube generate` for these pods or containers (multi-document). */
export function generateKube(engine: Engine, refs: readonly string[], opts: GenerateOptions): string {
  const docs: Obj[] = [];
  const seen = new Set<string>();
  for (const ref of refs) {
    const p = podInput(engine, ref);
    if (seen.has(p.name)) continue;
    seen.add(p.name);
    if (opts.service || opts.type === 'deployment') p.labels = { app: p.labels.app ?? dnsLabel(p.name), ...p.labels };
    const extra: Obj[] = [];
    const spec = podSpec(engine, p, extra, opts.type);
    const metadata = { name: p.name, ...(Object.keys(p.labels).length ? { labels: p.labels } : {}), ...(Object.keys(p.annotations).length ? { annotations: p.annotations } : {}) };
    docs.push(...extra);
    if (opts.type === 'deployment') {
      const name = p.name.endsWith('-pod') ? p.name.slice(0, -4) : `${p.name}-deployment`;
      docs.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, labels: p.labels }, spec: { replicas: opts.replicas, selector: { matchLabels: { app: p.labels.app } }, template: { metadata: { labels: p.labels, ...(metadata.annotations ? { annotations: metadata.annotations } : {}) }, spec } } });
    } else docs.push({ apiVersion: 'v1', kind: 'Pod', metadata, spec });
    if (opts.service) {
      const ports = ((spec.containers as Obj[]).flatMap((c) => (c.ports as Obj[] | undefined) ?? []));
      docs.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: p.name }, spec: { selector: { app: p.labels.app }, ports: ports.map((x) => ({ name: `${x.containerPort}-${String(x.protocol ?? 'tcp').toLowerCase()}`, port: x.containerPort, targetPort: x.containerPort, ...(x.protocol ? { protocol: x.protocol } : {}) })) } });
    }
  }
  const header = `# Generated by hull kube generate (hull's kube play reads it back; Kubernetes accepts it).\n`;
  return header + docs.map((d) => stringify(d, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}
