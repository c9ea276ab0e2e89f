/**
 * A CRI client (runtime.v1 over gRPC, @grpc/grpc-js with the project's one loader, src/cri/proto.ts)
 * for any CRI endpoint — containerd's CRI plugin or hull's — used by the `cri` scenario and the
 * critest harness. Calls are promisified; field names are the proto's snake_case.
 */
import { credentials, type Client, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadCriPackage } from '../../src/cri/proto.js';

type Call = (req: object) => Promise<Record<string, unknown>>;

type RuntimeMethod = 'Version' | 'Status' | 'RunPodSandbox' | 'StopPodSandbox' | 'RemovePodSandbox' | 'PodSandboxStatus' | 'ListPodSandbox'
  | 'CreateContainer' | 'StartContainer' | 'StopContainer' | 'RemoveContainer' | 'ListContainers' | 'ContainerStatus' | 'ExecSync' | 'Exec' | 'Attach' | 'PortForward';
type ImageMethod = 'PullImage' | 'ListImages' | 'ImageStatus' | 'RemoveImage' | 'ImageFsInfo';

export interface CriClient {
  runtime: Record<RuntimeMethod, Call>;
  image: Record<ImageMethod, Call>;
  close(): void;
}

function promisify<M extends string>(client: Client, timeoutMs: number): Record<M, Call> {
  return new Proxy({} as Record<M, Call>, {
    get: (_t, name: string) => (req: object) => new Promise((resolve, reject) => {
      const method = (client as unknown as Record<string, (r: object, o: object, cb: (e: Error | null, v: Record<string, unknown>) => void) => void>)[name];
      if (typeof method !== 'function') return reject(new Error(`no CRI method ${name}`));
      method.call(client, req, { deadline: Date.now() + timeoutMs }, (err, v) => (err ? reject(err) : resolve(v)));
    }),
  });
}

/** `endpoint`: unix:///path/to.sock */
export function criClient(endpoint: string, timeoutMs = 120_000): CriClient {
  const cri = loadCriPackage();
  const Runtime = cri.RuntimeService as ServiceClientConstructor;
  const Image = cri.ImageService as ServiceClientConstructor;
  const opts = { 'grpc.max_receive_message_length': 16 << 20 };
  const rt = new Runtime(endpoint, credentials.createInsecure(), opts);
  const img = new Image(endpoint, credentials.createInsecure(), opts);
  return { runtime: promisify<RuntimeMethod>(rt, timeoutMs), image: promisify<ImageMethod>(img, timeoutMs), close: () => (rt.close(), img.close()) };
}

/** A pod sandbox config with the fields runtimes insist on (metadata with a uid, a log directory). */
export function podConfig(name: string, logDir: string): Record<string, unknown> {
  return {
    metadata: { name, uid: `${name}-uid`, namespace: 'bench', attempt: 0 },
    hostname: name.slice(0, 63),
    log_directory: logDir,
    linux: { security_context: { namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
  };
}

export function containerConfig(name: string, image: string, command: string[]): Record<string, unknown> {
  return { metadata: { name, attempt: 0 }, image: { image }, command, log_path: `${name}.log`, linux: {} };
}
