/**
 * `hull cri serve`'s gRPC server: RuntimeService and ImageService (runtime.v1) on a unix socket,
 * mode 0660 (root and the socket's group, as containerd's). Holds no state of its own: every
 * answer is read from the store, so a kill -9 loses nothing (docs/kubernetes.md).
 */
import { chmodSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { connect } from 'node:net';
import { Server, ServerCredentials, type ServiceClientConstructor } from '@grpc/grpc-js';
import { HullError, errnoCode, errorMessage, showUntrusted } from '../errors.js';
import type { Engine } from '../engine/engine.js';
import type { RegistryOptions } from '../registry-client/hosts.js';
import type { CriConfig } from './config.js';
import { loadCriPackage } from './proto.js';
import { imageServiceHandlers } from './image-service.js';
import { parseRegistriesConf, type RegistriesConf } from './registries-conf.js';
import { runtimeServiceHandlers } from './runtime-handlers.js';
import type { StreamingUrls } from './runtime-service.js';
import { createStreamingServer } from './streaming/server.js';

export interface CriServeOptions {
  config: CriConfig;
  registry: RegistryOptions;
  /** The exec/attach/port-forward URL maker; default: a streaming server on config.streamAddress. */
  streaming?: StreamingUrls;
  log?: (line: string) => void;
}

export interface RunningCri {
  /** The socket path. */
  socket: string;
  close(): Promise<void>;
}

/** `unix:///run/hull/cri.sock` or a bare path -> the path. */
export function socketPathOf(listen: string): string {
  const path = listen.startsWith('unix://') ? listen.slice('unix://'.length) : listen;
  if (!path.startsWith('/')) {
    throw new HullError('INVALID_ARGUMENT', `Cannot listen on "${showUntrusted(listen)}": expected unix:///ABSOLUTE/PATH`, { hint: 'the CRI is served on a unix socket, e.g. unix:///run/hull/cri.sock' });
  }
  return path;
}

/** registries.conf read afresh for each pull; a missing file is an empty one. */
function registriesConfReader(file: string): () => RegistriesConf {
  return () => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return { registries: [] };
      throw new HullError('PERMISSION_DENIED', `Cannot read registries configuration "${showUntrusted(file)}": ${errorMessage(err)}`);
    }
    return parseRegistriesConf(text, file);
  };
}

function answers(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(socket);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

export async function serveCri(engine: Engine, opts: CriServeOptions): Promise<RunningCri> {
  const socket = socketPathOf(opts.config.listen);
  const registriesConf = registriesConfReader(opts.config.registriesConf);
  registriesConf(); // a broken file is reported at start, not at the first pull
  const pkg = loadCriPackage();
  // The streaming server listens on TCP (any free port, as containerd's stream_server_port 0):
  // kubelet fetches the URLs it hands out and proxies them to kubectl exec/attach/port-forward.
  const ownStreaming = opts.streaming ? undefined : await createStreamingServer(engine, { address: opts.config.streamAddress });
  const streaming = opts.streaming ?? ownStreaming;
  const server = new Server({ 'grpc.max_receive_message_length': 16 * 1024 * 1024, 'grpc.max_send_message_length': 16 * 1024 * 1024 });
  server.addService((pkg.RuntimeService as ServiceClientConstructor).service, runtimeServiceHandlers({ engine, config: opts.config, ...(streaming ? { streaming } : {}) }));
  server.addService((pkg.ImageService as ServiceClientConstructor).service, imageServiceHandlers({ engine, registry: opts.registry, registriesConf }));
  mkdirSync(dirname(socket), { recursive: true, mode: 0o711 });
  // A socket left by a killed server is replaced; one a live server answers on is not taken over.
  if (await answers(socket)) {
    await ownStreaming?.close();
    throw new HullError('CONFLICT', `Cannot listen on "${showUntrusted(socket)}": another server is listening on it`, { hint: 'stop it first, or give --listen another socket' });
  }
  rmSync(socket, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.bindAsync(`unix://${socket}`, ServerCredentials.createInsecure(), (err) => (err ? reject(new HullError('UNAVAILABLE', `Cannot listen on "${showUntrusted(socket)}": ${err.message}`)) : resolve()));
  }).catch(async (err: unknown) => {
    await ownStreaming?.close();
    throw err;
  });
  chmodSync(socket, 0o660);
  opts.log?.(`hull cri: listening on unix://${socket}${ownStreaming ? `; streaming on ${ownStreaming.url}` : ''}`);
  return {
    socket,
    close: () =>
      new Promise<void>((resolve) => {
        // Calls in flight finish; a stream that never ends (kubelet's GetContainerEvents) is cut after a grace period.
        const force = setTimeout(() => server.forceShutdown(), 2000);
        server.tryShutdown(() => {
          clearTimeout(force);
          rmSync(socket, { force: true });
          void (ownStreaming?.close() ?? Promise.resolve()).finally(resolve);
        });
      }),
  };
}
