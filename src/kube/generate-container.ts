/**
 * One hull container back to a Kubernetes container spec, from its record (what `inspect` shows):
 * the inverse of container.ts, so that `kube play` of the result makes the same container.
 * The image's own settings are left out (env the image sets, its working directory) so the YAML
 * says only what the container added; command and args are the record's (already merged with
 * the image's, which makes the same process whatever image default they came from).
 */
import type { ContainerRecord } from '../engine/requests.js';
import { LABEL } from './labels.js';
import { bytesToMemory, nanoToCpu } from './quantity.js';

export type Obj = Record<string, unknown>;

/** A volume the pod spec declares, keyed by its pod-level name. */
export interface GeneratedVolume {
  name: string;
  source: Obj;
}

export interface ImageDefaults {
  env: string[];
  workingDir: string;
}

const NS = 1e9;

/** The PATH every engine gives a container whose image sets none (Docker's, runtime/defaults.ts). */
const DEFAULT_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** A DNS label from any name (Kubernetes' container and volume names). */
export function dnsLabel(s: string): string {
  const out = s.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return out || 'c';
}

function probeSpec(h: ContainerRecord['Config']['Healthcheck']): Obj | undefined {
  const test = h?.Test ?? [];
  if (!h || test.length === 0 || test[0] === 'NONE') return undefined;
  let handler: Obj;
  if (test[0] === 'CMD') handler = { exec: { command: test.slice(1) } };
  else if (test[0] === 'CMD-SHELL') handler = { exec: { command: ['/bin/sh', '-c', test[1]] } };
  else if (test[0] === 'HTTP-GET') {
    const [, scheme, host, port, path, ...headers] = test;
    handler = {
      httpGet: {
        ...(host ? { host } : {}),
        port: Number(port),
        path,
        ...(scheme === 'https' ? { scheme: 'HTTPS' } : {}),
        ...(headers.length ? { httpHeaders: headers.map((x) => ({ name: x.slice(0, x.indexOf(': ')), value: x.slice(x.indexOf(': ') + 2) })) } : {}),
      },
    };
  } else if (test[0] === 'TCP-SOCKET') handler = { tcpSocket: { ...(test[1] ? { host: test[1] } : {}), port: Number(test[2]) } };
  else return undefined;
  const seconds = (ns: number | undefined, dflt: number) => (ns ? Math.max(1, Math.round(ns / NS)) : dflt);
  const value: Obj = {
    ...handler,
    ...(h.StartPeriod ? { initialDelaySeconds: seconds(h.StartPeriod, 0) } : {}),
    periodSeconds: seconds(h.Interval, 30),
    timeoutSeconds: seconds(h.Timeout, 30),
    failureThreshold: h.Retries || 3,
  };
  return value;
}

/** A check that restarts the container is a liveness probe; one that only reports, readiness. */
function probes(r: ContainerRecord): Obj {
  const main = probeSpec(r.Config.Healthcheck);
  const startup = probeSpec(r.Config.StartupHealthcheck);
  return {
    ...(main ? { [r.Config.HealthcheckOnFailureAction === 'restart' ? 'livenessProbe' : 'readinessProbe']: main } : {}),
    ...(startup ? { startupProbe: startup } : {}),
  };
}

function security(r: ContainerRecord): Obj | undefined {
  const hc = r.HostConfig;
  const s: Obj = {};
  const user = /^(\d+)(?::(\d+))?$/.exec(r.Config.User ?? '');
  if (user) {
    s.runAsUser = Number(user[1]);
    if (user[2] !== undefined) s.runAsGroup = Number(user[2]);
  }
  if (hc.CapAdd?.length || hc.CapDrop?.length) s.capabilities = { ...(hc.CapAdd?.length ? { add: hc.CapAdd } : {}), ...(hc.CapDrop?.length ? { drop: hc.CapDrop } : {}) };
  if (hc.Privileged) s.privileged = true;
  if (hc.ReadonlyRootfs) s.readOnlyRootFilesystem = true;
  const opts = hc.SecurityOpt ?? [];
  if (opts.includes('no-new-privileges=false')) s.allowPrivilegeEscalation = true;
  if (opts.includes('seccomp=unconfined')) s.seccompProfile = { type: 'Unconfined' };
  return Object.keys(s).length ? s : undefined;
}

function resources(r: ContainerRecord): Obj | undefined {
  const hc = r.HostConfig;
  const limits: Obj = {};
  const requests: Obj = {};
  if (hc.NanoCpus) limits.cpu = nanoToCpu(hc.NanoCpus);
  if (hc.Memory) limits.memory = bytesToMemory(hc.Memory);
  if (hc.CpuShares) requests.cpu = `${Math.round((hc.CpuShares * 1000) / 1024)}m`;
  if (hc.MemoryReservation) requests.memory = bytesToMemory(hc.MemoryReservation);
  if (!Object.keys(limits).length && !Object.keys(requests).length) return undefined;
  return { ...(Object.keys(limits).length ? { limits } : {}), ...(Object.keys(requests).length ? { requests } : {}) };
}

/** The container's mounts as volumeMounts, adding the pod volumes they need to `volumes`. */
function mounts(r: ContainerRecord, podName: string, volumes: Map<string, GeneratedVolume>, volumeKind: (name: string) => string | undefined): Obj[] {
  const out: Obj[] = [];
  const add = (key: string, source: Obj, target: string, readOnly: boolean) => {
    const name = dnsLabel(key);
    if (!volumes.has(name)) volumes.set(name, { name, source });
    out.push({ name, mountPath: target, ...(readOnly ? { readOnly: true } : {}) });
  };
  for (const m of r.Mounts) {
    if (m.Type === 'volume' && m.Name) {
      const kind = volumeKind(m.Name);
      const local = m.Name.startsWith(`${podName}-`) ? m.Name.slice(podName.length + 1) : m.Name;
      // Read-only is the configMap/secret volume's own; the mount need not repeat it.
      if (kind === 'configMap') add(local, { configMap: { name: m.Name } }, m.Destination, false);
      else if (kind === 'secret') add(local, { secret: { secretName: m.Name } }, m.Destination, false);
      else if (kind === 'emptyDir') add(local, { emptyDir: {} }, m.Destination, !m.RW);
      else add(local, { persistentVolumeClaim: { claimName: m.Name } }, m.Destination, !m.RW);
    } else if (m.Type === 'bind') {
      const created = (r.HostConfig.Binds ?? []).some((b) => b.split(':')[0] === m.Source);
      add(`host${m.Source}`, { hostPath: { path: m.Source, ...(created ? { type: 'DirectoryOrCreate' } : {}) } }, m.Destination, !m.RW);
    }
  }
  for (const target of Object.keys(r.HostConfig.Tmpfs ?? {})) add(`tmpfs${target}`, { emptyDir: { medium: 'Memory' } }, target, false);
  return out;
}

export interface ContainerSpecInput {
  record: ContainerRecord;
  podName: string;
  image: ImageDefaults;
  /** hostPort bindings of the pod, by "port/proto". */
  hostPorts: Map<string, number>;
  volumes: Map<string, GeneratedVolume>;
  volumeKind: (name: string) => string | undefined;
}

export function containerSpec(i: ContainerSpecInput): Obj {
  const r = i.record;
  const labelName = r.Config.Labels?.[LABEL.container];
  const name = labelName ?? dnsLabel(r.Name.startsWith(`${i.podName}-`) ? r.Name.slice(i.podName.length + 1) : r.Name);
  const imageEnv = new Set(i.image.env.length ? i.image.env : [DEFAULT_PATH_ENV]);
  const env = r.Config.Env.filter((e) => !imageEnv.has(e)).map((e) => {
    const eq = e.indexOf('=');
    return { name: e.slice(0, eq), value: e.slice(eq + 1) };
  });
  const ports = Object.keys(r.Config.ExposedPorts ?? {}).map((key) => {
    const [port, proto = 'tcp'] = key.split('/');
    const hostPort = i.hostPorts.get(key);
    i.hostPorts.delete(key);
    return { containerPort: Number(port), ...(hostPort ? { hostPort } : {}), ...(proto !== 'tcp' ? { protocol: proto.toUpperCase() } : {}) };
  });
  const p = probes(r);
  const sec = security(r);
  const res = resources(r);
  const volumeMounts = mounts(r, i.podName, i.volumes, i.volumeKind);
  // `$` in values is written `$$`: play expands $(VAR) as Kubernetes does, and must give back these bytes.
  const esc = (s: string) => s.replace(/\$/g, '$$$$');
  return {
    name,
    image: r.Config.Image,
    ...(r.Config.Entrypoint.length ? { command: r.Config.Entrypoint.map(esc) } : {}),
    ...(r.Config.Cmd.length ? { args: r.Config.Cmd.map(esc) } : {}),
    ...(env.length ? { env: env.map((e) => ({ name: e.name, value: esc(e.value) })) } : {}),
    ...(r.Config.WorkingDir && r.Config.WorkingDir !== '/' && r.Config.WorkingDir !== i.image.workingDir ? { workingDir: r.Config.WorkingDir } : {}),
    ...(ports.length ? { ports } : {}),
    ...(res ? { resources: res } : {}),
    ...(sec ? { securityContext: sec } : {}),
    ...p,
    ...(volumeMounts.length ? { volumeMounts } : {}),
    ...(r.Config.Tty ? { tty: true } : {}),
    ...(r.Config.OpenStdin ? { stdin: true } : {}),
  };
}
