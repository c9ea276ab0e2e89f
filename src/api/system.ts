/**
 * System endpoints: `/_ping`, `/version`, `/info` in dockerd's shapes (API v1.47 reference,
 * "System" section). The values come from the engine (systemInfo); this file only renders them.
 */
import { createHash } from 'node:crypto';
import { arch } from 'node:os';
import { API_VERSION, MIN_API_VERSION } from './router.js';
import { badParameter, parseFilters, quote, sendJson, startJsonStream, type ApiRequest } from './http.js';
import { parseLogTime } from '../engine/flags.js';
import type { EventFilter, HullEvent } from './core.js';
import { imageSummary } from './images.js';

const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/** Headers every response carries, as dockerd sets them (the CLI reads them from /_ping). */
export function pingHeaders(): Record<string, string> {
  return {
    'API-Version': API_VERSION,
    'OSType': 'linux',
    'Docker-Experimental': 'false',
    // "1": the classic builder (POST /build); hull has no BuildKit session endpoint.
    'Builder-Version': '1',
    'Swarm': 'inactive',
    'Cache-Control': 'no-cache, no-store, must-revalidate',
    'Pragma': 'no-cache',
  };
}

export function ping({ res, req }: ApiRequest): void {
  res.writeHead(200, { ...pingHeaders(), 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': req.method === 'HEAD' ? 0 : 2 });
  res.end(req.method === 'HEAD' ? undefined : 'OK');
}

export async function version({ res, engine }: ApiRequest): Promise<void> {
  const info = await engine.info();
  const details = {
    ApiVersion: API_VERSION,
    Arch: GOARCH[arch()] ?? arch(),
    GitCommit: '',
    GoVersion: process.version,
    KernelVersion: info.Kernel,
    MinAPIVersion: MIN_API_VERSION,
    Os: 'linux',
  };
  sendJson(res, 200, {
    Platform: { Name: `hull ${info.Version}` },
    Components: [
      { Name: 'Engine', Version: info.Version, Details: { ...details, Experimental: 'false', BuildTime: '' } },
      { Name: 'runc', Version: /version (\S+)/.exec(info.RuntimeVersion)?.[1] ?? info.RuntimeVersion, Details: { Path: info.Runtime } },
    ],
    Version: info.Version,
    ...details,
    BuildTime: '',
  });
}

export async function info({ res, engine }: ApiRequest): Promise<void> {
  const i = await engine.info();
  const runtimeName = i.Runtime.split('/').pop() ?? 'runc';
  sendJson(res, 200, {
    // Stable per store: dockerd's ID is a random key kept in its root; hull has no daemon state.
    ID: createHash('sha256').update(i.Root).digest('hex').slice(0, 32).toUpperCase().replace(/(.{4})(?!$)/g, '$1:'),
    Containers: i.Containers,
    ContainersRunning: i.ContainersRunning,
    ContainersPaused: i.ContainersPaused,
    ContainersStopped: i.ContainersStopped,
    Images: i.Images,
    Driver: i.Driver,
    DriverStatus: [['Backing Filesystem', i.DriverReason || i.Driver]],
    DockerRootDir: i.Root,
    Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'none'], Authorization: null, Log: ['k8s-file'] },
    MemoryLimit: true,
    SwapLimit: i.CgroupVersion === '2',
    CpuCfsPeriod: true,
    CpuCfsQuota: true,
    CPUShares: true,
    CPUSet: true,
    PidsLimit: true,
    OomKillDisable: false,
    IPv4Forwarding: true,
    Debug: false,
    NFd: 0,
    NGoroutines: 0,
    SystemTime: new Date().toISOString(),
    LoggingDriver: 'k8s-file',
    CgroupDriver: i.CgroupDriver,
    CgroupVersion: i.CgroupVersion,
    NEventsListener: 0,
    KernelVersion: i.Kernel,
    OperatingSystem: i.OperatingSystem,
    OSVersion: '',
    OSType: 'linux',
    Architecture: arch() === 'x64' ? 'x86_64' : arch() === 'arm64' ? 'aarch64' : arch(),
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: { AllowNondistributableArtifactsCIDRs: [], AllowNondistributableArtifactsHostnames: [], InsecureRegistryCIDRs: ['127.0.0.0/8'], IndexConfigs: {}, Mirrors: [] },
    NCPU: i.NCPU,
    MemTotal: i.MemTotal,
    GenericResources: null,
    HttpProxy: '',
    HttpsProxy: '',
    NoProxy: '',
    Name: i.Name,
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: i.Version,
    Runtimes: { [runtimeName]: { path: i.Runtime } },
    DefaultRuntime: runtimeName,
    Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
    LiveRestoreEnabled: true, // containers outlive the service: each has its own monitor (conmon)
    Isolation: '',
    InitBinary: '',
    ContainerdCommit: { ID: '', Expected: '' },
    RuncCommit: { ID: '', Expected: '' },
    InitCommit: { ID: '', Expected: '' },
    // hull's defaults (docs/security.md): its seccomp allowlist and no-new-privileges for every container.
    SecurityOptions: ['name=seccomp,profile=builtin', 'name=no-new-privileges'],
    Warnings: [],
  });
}


/** `since`/`until`: Unix seconds (with a fraction, as the docker CLI sends them), RFC 3339 or a duration. */
function eventTime(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === '') return undefined;
  try {
    return parseLogTime(v);
  } catch {
    throw badParameter(`Cannot read query parameter "${name}": ${quote(v)} is not a time (Unix seconds, RFC 3339 or a duration such as 10m)`);
  }
}

/** Docker's event shape, with the legacy status/id/from fields older clients read. */
function eventJson(e: HullEvent): Record<string, unknown> {
  const legacy = e.Type === 'container' || e.Type === 'image' ? { status: e.Action, id: e.Actor.ID, ...(e.Actor.Attributes.image ? { from: e.Actor.Attributes.image } : {}) } : {};
  return { ...legacy, Type: e.Type, Action: e.Action, Actor: e.Actor, scope: 'local', time: e.time, timeNano: e.timeNano };
}

/**
 * GET /events: the recorded events from `since`, then new ones as any hull process (this service
 * or a CLI) records them, until `until` or the client goes away.
 */
export async function events({ res, query, engine, signal }: ApiRequest): Promise<void> {
  const filters = parseFilters(query, ['type', 'event', 'container', 'image', 'volume', 'network', 'label', 'scope']);
  const filter: EventFilter = { filters: [...filters].filter(([k]) => k !== 'scope').flatMap(([k, vs]) => vs.map((v) => [k, v] as [string, string])) };
  const since = eventTime(query, 'since');
  const until = eventTime(query, 'until');
  if (since !== undefined) filter.since = since;
  if (until !== undefined) filter.until = until;
  const send = startJsonStream(res);
  await engine.events.stream(filter, (e) => send(eventJson(e)), signal);
  res.end();
}

/** GET /system/df: images, containers and volumes with the sizes `docker system df` sums. */
export async function diskUsage({ res, engine, version }: ApiRequest): Promise<void> {
  const rows = await engine.diskUsage();
  const containers = engine.containers.list(true);
  const users = new Map<string, number>();
  for (const c of containers) users.set(c.ImageId, (users.get(c.ImageId) ?? 0) + 1);
  const images = engine.images.list().map((record) => ({ ...imageSummary(engine.images.details(record), version), Containers: users.get(record.id) ?? 0 }));
  const volumeUsers = new Map<string, number>();
  for (const c of containers) for (const m of c.Mounts ?? []) if (m.Type === 'volume' && m.Name) volumeUsers.set(m.Name, (volumeUsers.get(m.Name) ?? 0) + 1);
  sendJson(res, 200, {
    LayersSize: rows.find((r) => r.Type === 'Images')?.Size ?? 0,
    Images: images,
    Containers: containers.map((c) => ({ Id: c.Id, Names: [`/${c.Name}`], Image: c.Config.Image, ImageID: c.ImageId, Command: [c.Path, ...c.Args].join(' '), Created: Math.floor(Date.parse(c.Created) / 1000), State: c.State.Status, Status: c.State.Status, SizeRw: 0, SizeRootFs: 0, Labels: c.Config.Labels ?? {}, Mounts: [] })),
    Volumes: engine.volumes.list().map((v) => ({ ...v, UsageData: { Size: engine.volumes.size(v.Name), RefCount: volumeUsers.get(v.Name) ?? 0 } })),
    BuildCache: [],
  });
}
