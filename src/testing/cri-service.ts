/**
 * Test harness for the CRI: a real `hull cri serve` process over a HullEnv's store, on a private
 * socket, with its own CNI configuration directory; and a grpc-js client of RuntimeService and
 * ImageService built from the same proto and loader options (src/cri/proto.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { credentials, type Client, type ServiceClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { loadCriPackage } from '../cri/proto.js';
import { HULL_BIN, type HullEnv } from './hull-cli.js';
import { waitListening } from './api-service.js';

export type CriCall = <T = Record<string, unknown>>(method: string, request?: object) => Promise<T>;

export interface CriService {
  socket: string;
  cniConfDir: string;
  /** A RuntimeService call; rejects with the ServiceError (its `code` is the gRPC status). */
  runtime: CriCall;
  image: CriCall;
  /** The RuntimeService client itself (for streams such as GetContainerEvents). */
  runtimeClient: Client;
  /** The process (to kill -9 it in restart tests). */
  child: ChildProcess;
  log(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the server again on the same store and socket (after a stop or a kill). */
  restart(): Promise<void>;
  close(): void;
}

export interface CriServiceOptions {
  /** Extra `hull cri serve` flags. */
  args?: string[];
  env?: NodeJS.ProcessEnv;
}

function caller(client: Client): CriCall {
  return <T>(method: string, request: object = {}) =>
    new Promise<T>((resolve, reject) => {
      const fn = (client as unknown as Record<string, (req: object, cb: (err: ServiceError | null, res: T) => void) => void>)[method];
      if (typeof fn !== 'function') throw new Error(`no such CRI method ${method}`);
      fn.call(client, request, (err, res) => (err ? reject(err) : resolve(res)));
    });
}

export async function startCriService(env: HullEnv, opts: CriServiceOptions = {}): Promise<CriService> {
  const socket = join(env.dir, 'cri.sock');
  const cniConfDir = join(env.dir, 'net.d');
  mkdirSync(cniConfDir, { recursive: true });
  const argv = ['--root', env.root, '--runroot', env.runroot, 'cri', 'serve', '--listen', `unix://${socket}`, '--cni-conf-dir', cniConfDir, '--registries-conf', join(env.dir, 'registries.conf'), ...(opts.args ?? [])];
  let child!: ChildProcess;
  let stderr = '';
  const start = async () => {
    child = spawn(HULL_BIN, argv, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, REGISTRY_AUTH_FILE: join(env.dir, 'auth.json'), ...opts.env } });
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    await waitListening(child, () => stderr, /listening on/);
  };
  await start();
  const pkg = loadCriPackage();
  const Runtime = pkg.RuntimeService as ServiceClientConstructor;
  const Image = pkg.ImageService as ServiceClientConstructor;
  const runtimeClient = new Runtime(`unix://${socket}`, credentials.createInsecure());
  const imageClient = new Image(`unix://${socket}`, credentials.createInsecure());
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  };
  return {
    socket,
    cniConfDir,
    runtime: caller(runtimeClient),
    image: caller(imageClient),
    runtimeClient,
    get child() {
      return child;
    },
    log: () => stderr,
    stop,
    restart: start,
    close() {
      runtimeClient.close();
      imageClient.close();
    },
  };
}
