/**
 * The JSON types of a ContainerCreate body, checked before the engine sees it: a wrong type is a
 * 400 that names the field ("HostConfig.Memory: expected a number"), never a TypeError deep in the
 * engine. What values are allowed is the engine's business (create-check.ts); this is only shape.
 */
import { badParameter } from './http.js';
import type { ContainerCreateRequest, CreateConfig, CreateHostConfig } from '../engine/requests.js';

type Kind = 'string' | 'number' | 'boolean' | 'strings' | 'numbers' | 'stringOrStrings' | 'object' | 'stringMap' | 'array';

const CONFIG: Record<string, Kind> = {
  Hostname: 'string', Domainname: 'string', User: 'string', AttachStdin: 'boolean', AttachStdout: 'boolean', AttachStderr: 'boolean',
  ExposedPorts: 'object', Tty: 'boolean', OpenStdin: 'boolean', StdinOnce: 'boolean', Env: 'strings', Cmd: 'stringOrStrings', Healthcheck: 'object',
  ArgsEscaped: 'boolean', Image: 'string', Volumes: 'object', WorkingDir: 'string', Entrypoint: 'stringOrStrings', NetworkDisabled: 'boolean',
  MacAddress: 'string', OnBuild: 'strings', Labels: 'stringMap', StopSignal: 'string', StopTimeout: 'number', Shell: 'strings',
};

const HOST_CONFIG: Record<string, Kind> = {
  Binds: 'strings', ContainerIDFile: 'string', LogConfig: 'object', NetworkMode: 'string', PortBindings: 'object', RestartPolicy: 'object',
  AutoRemove: 'boolean', VolumeDriver: 'string', VolumesFrom: 'strings', Mounts: 'array', ConsoleSize: 'numbers', CapAdd: 'strings', CapDrop: 'strings',
  CgroupnsMode: 'string', Dns: 'strings', DnsOptions: 'strings', DnsSearch: 'strings', ExtraHosts: 'strings', GroupAdd: 'strings', IpcMode: 'string',
  Cgroup: 'string', Links: 'strings', OomScoreAdj: 'number', PidMode: 'string', Privileged: 'boolean', PublishAllPorts: 'boolean',
  ReadonlyRootfs: 'boolean', SecurityOpt: 'strings', StorageOpt: 'stringMap', Tmpfs: 'stringMap', UTSMode: 'string', UsernsMode: 'string',
  ShmSize: 'number', Sysctls: 'stringMap', Runtime: 'string', Isolation: 'string', CpuShares: 'number', Memory: 'number', NanoCpus: 'number',
  CgroupParent: 'string', BlkioWeight: 'number', CpuPeriod: 'number', CpuQuota: 'number', CpuRealtimePeriod: 'number', CpuRealtimeRuntime: 'number',
  CpusetCpus: 'string', CpusetMems: 'string', Devices: 'array', DeviceCgroupRules: 'strings', DeviceRequests: 'array', KernelMemory: 'number',
  KernelMemoryTCP: 'number', MemoryReservation: 'number', MemorySwap: 'number', MemorySwappiness: 'number', OomKillDisable: 'boolean',
  PidsLimit: 'number', Ulimits: 'array', Init: 'boolean', MaskedPaths: 'strings', ReadonlyPaths: 'strings', CpuCount: 'number', CpuPercent: 'number',
  IOMaximumIOps: 'number', IOMaximumBandwidth: 'number', BlkioWeightDevice: 'array', BlkioDeviceReadBps: 'array', BlkioDeviceWriteBps: 'array',
  BlkioDeviceReadIOps: 'array', BlkioDeviceWriteIOps: 'array', Annotations: 'stringMap',
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function describe(v: unknown): string {
  return Array.isArray(v) ? 'a list' : v === null ? 'null' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function checkKind(path: string, kind: Kind, v: unknown): void {
  if (v === undefined || v === null) return;
  const fail = (want: string) => badParameter(`Cannot create the container: field "${path}" must be ${want}, got ${describe(v)}`);
  switch (kind) {
    case 'string':
    case 'boolean':
      if (typeof v !== kind) throw fail(`a ${kind}`);
      return;
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v)) throw fail('a number');
      return;
    case 'strings':
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw fail('a list of strings');
      return;
    case 'numbers':
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) throw fail('a list of numbers');
      return;
    case 'stringOrStrings':
      if (typeof v !== 'string' && !(Array.isArray(v) && v.every((x) => typeof x === 'string'))) throw fail('a string or a list of strings');
      return;
    case 'object':
      if (!isObject(v)) throw fail('an object');
      return;
    case 'stringMap':
      if (!isObject(v) || !Object.values(v).every((x) => typeof x === 'string')) throw fail('an object of strings');
      return;
    case 'array':
      if (!Array.isArray(v) || !v.every(isObject)) throw fail('a list of objects');
      return;
  }
}

/**
 * Checks the body's shape and returns it typed. Unknown top-level fields are ignored, as dockerd
 * ignores them (clients newer than the server send fields it does not know).
 */
export function checkCreateBody(body: Record<string, unknown>): CreateConfig & Pick<ContainerCreateRequest, 'HostConfig' | 'NetworkingConfig'> {
  for (const [k, kind] of Object.entries(CONFIG)) checkKind(k, kind, body[k]);
  if (typeof body.Image !== 'string' || body.Image === '') throw badParameter('Cannot create the container: field "Image" is required');
  const host = body.HostConfig;
  if (host !== undefined && host !== null) {
    if (!isObject(host)) throw badParameter(`Cannot create the container: field "HostConfig" must be an object, got ${describe(host)}`);
    for (const [k, kind] of Object.entries(HOST_CONFIG)) checkKind(`HostConfig.${k}`, kind, host[k]);
  }
  const net = body.NetworkingConfig;
  if (net !== undefined && net !== null) {
    if (!isObject(net)) throw badParameter(`Cannot create the container: field "NetworkingConfig" must be an object, got ${describe(net)}`);
    const eps = net.EndpointsConfig;
    if (eps !== undefined && eps !== null) {
      if (!isObject(eps)) throw badParameter('Cannot create the container: field "NetworkingConfig.EndpointsConfig" must be an object');
      for (const [name, ep] of Object.entries(eps)) {
        if (ep === null) continue;
        if (!isObject(ep)) throw badParameter(`Cannot create the container: field "NetworkingConfig.EndpointsConfig.${name}" must be an object`);
        checkKind(`NetworkingConfig.EndpointsConfig.${name}.Aliases`, 'strings', ep.Aliases);
        checkKind(`NetworkingConfig.EndpointsConfig.${name}.Links`, 'strings', ep.Links);
        checkKind(`NetworkingConfig.EndpointsConfig.${name}.IPAMConfig`, 'object', ep.IPAMConfig);
        checkKind(`NetworkingConfig.EndpointsConfig.${name}.MacAddress`, 'string', ep.MacAddress);
      }
    }
  }
  return body as unknown as CreateConfig & { HostConfig?: CreateHostConfig; NetworkingConfig?: ContainerCreateRequest['NetworkingConfig'] };
}
