/**
 * One container of a service as the engine's create request: Docker's ContainerCreate body
 * (`{Config, HostConfig, NetworkingConfig}`), built the way Compose v2 builds it
 * (docker/compose pkg/compose/create.go). Compose only translates: the engine checks every
 * field and refuses what it does not implement, exactly as for `hull create` or the API.
 * Networks past the first are returned apart: the engine creates on one network and connects
 * the others afterwards.
 */
import { HullError } from '../errors.js';
import type { ContainerCreateRequest, CreateHostConfig, DeviceMapping, DockerMount, EndpointConfig } from '../engine/requests.js';
import { COMPOSE_VERSION, LABEL, configHash, dependsOnLabel } from './labels.js';
import type { ComposeProject, FileReference, ServiceConfig, VolumeMount } from './model.js';
import { serviceImage } from './output.js';
import { parseDuration } from './units.js';

export interface ContainerIdentity {
  service: string;
  /** 1-based replica number (Compose's container-number). */
  number: number;
  oneoff?: boolean;
}

export interface PlannedContainer extends ContainerIdentity {
  name: string;
  request: ContainerCreateRequest;
  /** Further networks, connected after create: network name -> endpoint. */
  connect: Record<string, EndpointConfig>;
}

/** `PROJECT-SERVICE-N`, or the service's container_name (Compose v2's naming). */
export function containerName(project: string, service: string, svc: ServiceConfig | undefined, number: number): string {
  return svc?.container_name ?? `${project}-${service}-${number}`;
}

/** Keys of the specification with no engine field behind them: refused rather than ignored. */
const NOT_RUNNABLE = ['develop', 'blkio_config', 'cpu_count', 'cpu_percent', 'cpu_rt_period', 'cpu_rt_runtime', 'credential_spec', 'gpus', 'isolation', 'models', 'post_start', 'pre_stop', 'provider', 'storage_opt', 'use_api_socket', 'external_links', 'attach', 'label_file', 'cgroup'];

function unsupported(service: string, what: string, hint = 'leave it out; docs/compose.md lists what hull runs'): never {
  throw new HullError('UNSUPPORTED', `Cannot create service "${service}": ${what} is not supported by hull yet`, { hint });
}

function mounts(project: ComposeProject, service: string, svc: ServiceConfig): { binds: string[]; mounts: DockerMount[] } {
  const binds: string[] = [];
  const out: DockerMount[] = [];
  for (const v of svc.volumes ?? []) out.push(...mountOf(project, service, v, binds));
  for (const [kind, refs] of [['secrets', svc.secrets], ['configs', svc.configs]] as const) {
    for (const ref of refs ?? []) out.push(fileMount(project, service, kind, ref));
  }
  return { binds, mounts: out };
}

function mountOf(project: ComposeProject, service: string, v: VolumeMount, binds: string[]): DockerMount[] {
  if (v.type === 'bind') {
    // Docker's Binds create a missing host path (create_host_path, the short syntax's default); Mounts do not.
    if (v.bind?.create_host_path && !v.bind.propagation) {
      binds.push(`${v.source}:${v.target}${v.read_only ? ':ro' : ''}`);
      return [];
    }
    return [{ Type: 'bind', Source: v.source as string, Target: v.target, ReadOnly: v.read_only ?? false, ...(v.bind?.propagation ? { BindOptions: { Propagation: v.bind.propagation } } : {}) }];
  }
  if (v.type === 'tmpfs') return [{ Type: 'tmpfs', Target: v.target, ...(v.tmpfs ? { TmpfsOptions: { ...(v.tmpfs.size !== undefined ? { SizeBytes: v.tmpfs.size } : {}), ...(v.tmpfs.mode !== undefined ? { Mode: v.tmpfs.mode } : {}) } } : {}) }];
  if (v.volume?.subpath) unsupported(service, `volume subpath (${v.target})`);
  const source = v.source === undefined ? undefined : project.model.volumes?.[v.source]?.name;
  return [{ Type: 'volume', ...(source ? { Source: source } : {}), Target: v.target, ReadOnly: v.read_only ?? false, ...(v.volume?.nocopy ? { VolumeOptions: { NoCopy: true } } : {}) }];
}

/** A secret mounts at /run/secrets/NAME (or its target), a config at /NAME (or its target): read-only binds of the file. */
function fileMount(project: ComposeProject, service: string, kind: 'secrets' | 'configs', ref: FileReference): DockerMount {
  const def = project.model[kind]?.[ref.source];
  if (!def?.file) unsupported(service, `${kind.slice(0, -1)} "${ref.source}" from ${def?.external ? 'an external store' : def?.environment !== undefined ? 'an environment variable' : 'inline content'}`, 'give it a "file:"');
  if (ref.uid !== undefined || ref.gid !== undefined || ref.mode !== undefined) unsupported(service, `uid, gid or mode on ${kind.slice(0, -1)} "${ref.source}"`, 'hull mounts the file as it is on the host; set its owner and mode there');
  const target = kind === 'secrets' ? (ref.target?.startsWith('/') ? ref.target : `/run/secrets/${ref.target ?? ref.source}`) : (ref.target ?? `/${ref.source}`);
  return { Type: 'bind', Source: def?.file as string, Target: target, ReadOnly: true };
}

function portBindings(service: string, svc: ServiceConfig): { bindings: NonNullable<CreateHostConfig['PortBindings']>; exposed: Record<string, object> } {
  const bindings: Record<string, Array<{ HostIp?: string; HostPort?: string }>> = {};
  const exposed: Record<string, object> = {};
  for (const p of svc.ports ?? []) {
    if (p.published?.includes('-')) unsupported(service, `a published port range (${p.published})`, 'publish one port per container port');
    const key = `${p.target}/${p.protocol}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: p.host_ip ?? '', HostPort: p.published ?? '' });
  }
  for (const e of svc.expose ?? []) {
    const [range = '', proto = 'tcp'] = e.split('/');
    const [lo, hi = lo] = range.split('-').map(Number);
    for (let port = lo as number; port <= (hi as number); port++) exposed[`${port}/${proto}`] = {};
  }
  return { bindings, exposed };
}

function restartPolicy(restart: string | undefined): CreateHostConfig['RestartPolicy'] {
  if (!restart) return undefined;
  const [name, max] = restart.split(':');
  return max === undefined ? { Name: name as string } : { Name: name as string, MaximumRetryCount: Number(max) };
}

/** `HOST[:CONTAINER[:PERMISSIONS]]` or the long form {source, target, permissions}. */
function deviceOf(service: string, d: unknown): DeviceMapping {
  if (typeof d === 'string') {
    const [host = '', container = host, perms = 'rwm'] = d.split(':');
    return { PathOnHost: host, PathInContainer: container, CgroupPermissions: perms };
  }
  if (d && typeof d === 'object' && typeof (d as { source?: unknown }).source === 'string') {
    const o = d as { source: string; target?: string; permissions?: string };
    return { PathOnHost: o.source, PathInContainer: o.target ?? o.source, CgroupPermissions: o.permissions ?? 'rwm' };
  }
  return unsupported(service, `the device ${JSON.stringify(d)}`, 'write devices as HOST:CONTAINER[:PERMISSIONS]');
}

const ns = (d: string | undefined) => (d === undefined ? undefined : parseDuration(d));

/** `SERVICE[:ALIAS]` -> Docker's `CONTAINER:ALIAS`, the service's first container (Compose's links). */
function linkOf(project: string, services: Record<string, ServiceConfig>, link: string): string {
  const [target = '', alias = target] = link.split(':');
  return services[target] ? `${containerName(project, target, services[target], 1)}:${alias}` : `${target}:${alias}`;
}

/** `SERVICE[:ro|rw]` or `container:NAME[:ro|rw]` -> Docker's `CONTAINER[:ro|rw]`. */
function volumesFromOf(project: string, services: Record<string, ServiceConfig>, entry: string): string {
  if (entry.startsWith('container:')) return entry.slice('container:'.length);
  const [target = '', mode] = entry.split(':');
  const name = services[target] ? containerName(project, target, services[target], 1) : target;
  return mode ? `${name}:${mode}` : name;
}

/** Primary network first: highest priority, then name (as Compose picks it). */
function orderedNetworks(svc: ServiceConfig): string[] {
  return Object.keys(svc.networks ?? {}).sort((a, b) => (svc.networks?.[b]?.priority ?? 0) - (svc.networks?.[a]?.priority ?? 0) || a.localeCompare(b));
}

/** The create request of replica `number` of `service`. */
export function planContainer(project: ComposeProject, id: ContainerIdentity): PlannedContainer {
  const { model } = project;
  const svc = model.services[id.service];
  if (!svc) throw new HullError('NOT_FOUND', `Cannot create service "${id.service}": no such service in project "${model.name}"`);
  for (const key of NOT_RUNNABLE) if (svc[key] !== undefined) unsupported(id.service, `"${key}"`);
  const name = containerName(model.name, id.service, svc, id.number);
  const labels: Record<string, string> = {
    ...svc.labels,
    [LABEL.project]: model.name,
    [LABEL.service]: id.service,
    [LABEL.containerNumber]: String(id.number),
    [LABEL.oneoff]: id.oneoff ? 'True' : 'False',
    [LABEL.configHash]: configHash(svc),
    [LABEL.workingDir]: project.workingDir,
    [LABEL.configFiles]: project.configFiles.join(','),
    [LABEL.dependsOn]: dependsOnLabel(svc.depends_on),
    [LABEL.version]: COMPOSE_VERSION,
  };
  const { bindings, exposed } = portBindings(id.service, svc);
  const { binds, mounts: mountList } = mounts(project, id.service, svc);
  const limits = svc.deploy?.resources?.limits;
  const memory = limits?.memory ?? svc.mem_limit;
  const cpus = limits?.cpus ?? svc.cpus;
  const pids = limits?.pids ?? svc.pids_limit;
  const hc = svc.healthcheck;
  const env = Object.entries(svc.environment ?? {}).filter(([, v]) => v !== null).map(([k, v]) => `${k}=${v}`);
  const hostConfig: CreateHostConfig = {
    ...(binds.length ? { Binds: binds } : {}),
    ...(mountList.length ? { Mounts: mountList } : {}),
    ...(Object.keys(bindings).length ? { PortBindings: bindings } : {}),
    ...(svc.restart ? { RestartPolicy: restartPolicy(svc.restart) } : {}),
    ...(svc.cap_add ? { CapAdd: svc.cap_add } : {}),
    ...(svc.cap_drop ? { CapDrop: svc.cap_drop } : {}),
    ...(svc.security_opt ? { SecurityOpt: svc.security_opt } : {}),
    ...(svc.privileged !== undefined ? { Privileged: svc.privileged } : {}),
    ...(svc.read_only !== undefined ? { ReadonlyRootfs: svc.read_only } : {}),
    ...(svc.init !== undefined ? { Init: svc.init } : {}),
    ...(svc.ulimits ? { Ulimits: Object.entries(svc.ulimits).map(([n, u]) => ({ Name: n, Soft: u.soft, Hard: u.hard })) } : {}),
    ...(svc.sysctls && Object.keys(svc.sysctls).length ? { Sysctls: svc.sysctls } : {}),
    ...(svc.extra_hosts?.length ? { ExtraHosts: svc.extra_hosts } : {}),
    ...(svc.dns?.length ? { Dns: svc.dns } : {}),
    ...(svc.dns_search?.length ? { DnsSearch: svc.dns_search } : {}),
    ...(svc.dns_opt?.length ? { DnsOptions: svc.dns_opt } : {}),
    ...(svc.shm_size !== undefined ? { ShmSize: svc.shm_size } : {}),
    ...(svc.tmpfs?.length ? { Tmpfs: Object.fromEntries(svc.tmpfs.map((t) => [t.split(':')[0] as string, t.includes(':') ? t.slice(t.indexOf(':') + 1) : ''])) } : {}),
    ...(memory !== undefined ? { Memory: memory } : {}),
    ...(cpus !== undefined ? { NanoCpus: Math.round(Number(cpus) * 1e9) } : {}),
    ...(pids !== undefined ? { PidsLimit: pids } : {}),
    ...(svc.group_add ? { GroupAdd: svc.group_add as string[] } : {}),
    ...(svc.oom_score_adj !== undefined ? { OomScoreAdj: svc.oom_score_adj as number } : {}),
    ...(svc.ipc ? { IpcMode: svc.ipc as string } : {}),
    ...(svc.pid ? { PidMode: svc.pid as string } : {}),
    ...(svc.cgroup_parent ? { CgroupParent: svc.cgroup_parent as string } : {}),
    ...(svc.userns_mode ? { UsernsMode: svc.userns_mode as string } : {}),
    ...(svc.uts ? { UTSMode: svc.uts as string } : {}),
    ...(svc.runtime ? { Runtime: svc.runtime as string } : {}),
    ...(svc.links ? { Links: (svc.links as string[]).map((l) => linkOf(model.name, model.services, l)) } : {}),
    ...(svc.volumes_from ? { VolumesFrom: (svc.volumes_from as string[]).map((v) => volumesFromOf(model.name, model.services, v)) } : {}),
    ...(svc.mem_reservation !== undefined ? { MemoryReservation: svc.mem_reservation as number } : {}),
    ...(svc.memswap_limit !== undefined ? { MemorySwap: svc.memswap_limit as number } : {}),
    ...(svc.cpuset ? { CpusetCpus: svc.cpuset as string } : {}),
    ...(svc.devices ? { Devices: (svc.devices as unknown[]).map((d) => deviceOf(id.service, d)) } : {}),
    ...(svc.logging ? { LogConfig: { Type: (svc.logging as { driver?: string }).driver ?? 'json-file', Config: (svc.logging as { options?: Record<string, string> }).options ?? {} } } : {}),
  };
  const connect: Record<string, EndpointConfig> = {};
  let endpoints: Record<string, EndpointConfig> | undefined;
  const mode = svc.network_mode;
  if (mode !== undefined) {
    hostConfig.NetworkMode = mode.startsWith('service:') ? `container:${containerName(model.name, mode.slice(8), model.services[mode.slice(8)], 1)}` : mode;
  } else {
    const nets = orderedNetworks(svc);
    nets.forEach((key, i) => {
      const cfg = svc.networks?.[key];
      const netName = model.networks?.[key]?.name ?? `${model.name}_${key}`;
      // One-offs get no aliases: the service's name keeps pointing at its own containers (Compose's --use-aliases=false).
      const aliases = id.oneoff ? [] : [id.service, ...(cfg?.aliases ?? [])];
      const endpoint: EndpointConfig = { ...(aliases.length ? { Aliases: aliases } : {}), ...(cfg?.ipv4_address ? { IPAMConfig: { IPv4Address: cfg.ipv4_address } } : {}) };
      if (i === 0) {
        hostConfig.NetworkMode = netName;
        endpoints = { [netName]: endpoint };
      } else connect[netName] = endpoint;
    });
  }
  const request: ContainerCreateRequest = {
    name,
    Config: {
      Image: serviceImage(model, id.service),
      Labels: labels,
      ...(env.length ? { Env: env } : {}),
      ...(svc.command !== undefined && svc.command !== null ? { Cmd: svc.command } : {}),
      ...(svc.entrypoint !== undefined && svc.entrypoint !== null ? { Entrypoint: svc.entrypoint.length === 0 ? [''] : svc.entrypoint } : {}),
      ...(Object.keys(exposed).length ? { ExposedPorts: exposed } : {}),
      ...(svc.hostname ? { Hostname: svc.hostname } : {}),
      ...(svc.domainname ? { Domainname: svc.domainname } : {}),
      ...(svc.user ? { User: svc.user } : {}),
      ...(svc.working_dir ? { WorkingDir: svc.working_dir } : {}),
      ...(svc.tty !== undefined ? { Tty: svc.tty } : {}),
      ...(svc.stdin_open !== undefined ? { OpenStdin: svc.stdin_open } : {}),
      ...(svc.stop_signal ? { StopSignal: svc.stop_signal } : {}),
      ...(svc.stop_grace_period ? { StopTimeout: Math.ceil(parseDuration(svc.stop_grace_period) / 1e9) } : {}),
      ...(svc.mac_address ? { MacAddress: svc.mac_address as string } : {}),
      ...(hc
        ? {
            Healthcheck: {
              ...(hc.test ? { Test: hc.test } : {}),
              ...(hc.interval ? { Interval: ns(hc.interval) } : {}),
              ...(hc.timeout ? { Timeout: ns(hc.timeout) } : {}),
              ...(hc.retries !== undefined ? { Retries: hc.retries } : {}),
              ...(hc.start_period ? { StartPeriod: ns(hc.start_period) } : {}),
              ...(hc.start_interval ? { StartInterval: ns(hc.start_interval) } : {}),
            },
          }
        : {}),
    },
    HostConfig: hostConfig,
    ...(endpoints ? { NetworkingConfig: { EndpointsConfig: endpoints } } : {}),
  };
  return { ...id, name, request, connect };
}
