/**
 * System endpoints: `/_ping`, `/version`, `/info` in dockerd's shapes (API v1.47 reference,
 * "System" section). The values come from the engine (systemInfo); this file only renders them.
 */
import { createHash } from 'node:crypto';
import { systemInfo } from '../engine/system-info.js';
import { API_VERSION, MIN_API_VERSION } from './router.js';
import { sendJson, type ApiRequest } from './http.js';

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
  const info = await systemInfo(engine);
  const details = {
    ApiVersion: API_VERSION,
    Arch: GOARCH[info.architecture] ?? info.architecture,
    GitCommit: '',
    GoVersion: process.version,
    KernelVersion: info.kernel,
    MinAPIVersion: MIN_API_VERSION,
    Os: 'linux',
  };
  sendJson(res, 200, {
    Platform: { Name: `hull ${info.version}` },
    Components: [
      { Name: 'Engine', Version: info.version, Details: { ...details, Experimental: 'false', BuildTime: '' } },
      { Name: 'runc', Version: /version (\S+)/.exec(info.runtimeVersion)?.[1] ?? info.runtimeVersion, Details: { Path: info.runtime } },
    ],
    Version: info.version,
    ...details,
    BuildTime: '',
  });
}

export async function info({ res, engine }: ApiRequest): Promise<void> {
  const i = await systemInfo(engine);
  const runtimeName = i.runtime.split('/').pop() ?? 'runc';
  sendJson(res, 200, {
    // Stable per store: dockerd's ID is a random key kept in its root; hull has no daemon state.
    ID: createHash('sha256').update(i.root).digest('hex').slice(0, 32).toUpperCase().replace(/(.{4})(?!$)/g, '$1:'),
    Containers: i.containers.total,
    ContainersRunning: i.containers.running,
    ContainersPaused: i.containers.paused,
    ContainersStopped: i.containers.stopped,
    Images: i.images,
    Driver: i.driver,
    DriverStatus: [['Backing Filesystem', i.driverReason || i.driver]],
    DockerRootDir: i.root,
    Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'none'], Authorization: null, Log: ['k8s-file'] },
    MemoryLimit: true,
    SwapLimit: i.cgroupVersion === '2',
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
    CgroupDriver: 'cgroupfs',
    CgroupVersion: i.cgroupVersion,
    NEventsListener: 0,
    KernelVersion: i.kernel,
    OperatingSystem: i.operatingSystem,
    OSVersion: i.osVersion,
    OSType: 'linux',
    Architecture: i.architecture === 'x64' ? 'x86_64' : i.architecture,
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: { AllowNondistributableArtifactsCIDRs: [], AllowNondistributableArtifactsHostnames: [], InsecureRegistryCIDRs: ['127.0.0.0/8'], IndexConfigs: {}, Mirrors: [] },
    NCPU: i.cpus,
    MemTotal: i.memoryBytes,
    GenericResources: null,
    HttpProxy: '',
    HttpsProxy: '',
    NoProxy: '',
    Name: i.hostname,
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: i.version,
    Runtimes: { [runtimeName]: { path: i.runtime } },
    DefaultRuntime: runtimeName,
    Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
    LiveRestoreEnabled: true, // containers outlive the service: each has its own monitor (conmon)
    Isolation: '',
    InitBinary: '',
    ContainerdCommit: { ID: '', Expected: '' },
    RuncCommit: { ID: '', Expected: '' },
    InitCommit: { ID: '', Expected: '' },
    SecurityOptions: i.securityOptions,
    Warnings: [],
  });
}

