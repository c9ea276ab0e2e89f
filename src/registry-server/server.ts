/**
 * startRegistryServer: wires storage, auth and HTTP(S), listens, purges abandoned uploads on a
 * timer, and shuts down gracefully: stop accepting, let in-flight requests finish (their
 * responses close the connection), close idle keep-alive connections, then resolve.
 */
import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import type { AddressInfo } from 'node:net';
import { errorMessage } from '../errors.js';
import { Gate } from './auth/gate.js';
import type { RegistryConfig } from './config.js';
import { handleRequest, type Services } from './http/dispatch.js';
import { silentLogger, type RegistryLogger } from './log.js';
import { RegistryMetrics } from './metrics.js';
import { Notifier } from './notifications/notifier.js';
import { PullThroughCache } from './proxy/cache.js';
import { Registry } from './registry.js';
import { openStorageDriver } from './storage/open.js';

export interface RunningRegistry {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface StartOptions {
  signal?: AbortSignal;
  logger?: RegistryLogger;
  /** Forced close of still-open connections after this long (default 30 s). */
  shutdownTimeoutMs?: number;
}

export async function startRegistryServer(config: RegistryConfig, options: StartOptions = {}): Promise<RunningRegistry> {
  const logger = options.logger ?? silentLogger;
  const metrics = new RegistryMetrics();
  const registry = new Registry(openStorageDriver(config), (n) => (metrics.bytesIn += n));
  await registry.prepare();
  const gate = await Gate.create(config);
  let closing = false;
  const notifier = config.notifications.length > 0 ? new Notifier(config.notifications, logger) : undefined;
  const svc: Services = {
    registry, gate, config, metrics, logger, closing: () => closing,
    ...(config.proxy ? { cache: new PullThroughCache(registry, config.proxy) } : {}),
    ...(notifier ? { notifier, eventSource: { addr: `${os.hostname()}:${config.port}`, instanceID: randomUUID() } } : {}),
  };
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    handleRequest(svc, req, res).catch((err: unknown) => {
      logger({ level: 'error', msg: 'unhandled request error', error: errorMessage(err) });
      res.destroy();
    });
  };
  const server = config.tls
    ? https.createServer({ cert: await fs.readFile(config.tls.cert), key: await fs.readFile(config.tls.key) }, onRequest)
    : http.createServer(onRequest);
  // Uploads of big layers take as long as they take; keep-alive outlives typical client pools.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  if (svc.eventSource) svc.eventSource.addr = `${os.hostname()}:${port}`;
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  const url = `${config.tls ? 'https' : 'http'}://${hostForUrl}:${port}`;
  logger({ level: 'info', msg: 'registry listening', url, storage: registry.driver.kind, root: config.s3 ? `s3://${config.s3.bucket}/${config.s3.rootDirectory ?? ''}` : config.root, auth: gate.mode, tls: config.tls !== undefined, ...(config.proxy ? { proxyOf: config.proxy.remoteUrl } : {}) });

  const purge = async (): Promise<void> => {
    try {
      const purged = await registry.uploads.purge(await registry.repositoriesWithUploads(), config.uploadPurgeAgeMs);
      if (purged > 0) logger({ level: 'info', msg: 'purged abandoned uploads', count: purged });
    } catch (err) {
      logger({ level: 'warn', msg: 'upload purge failed', error: errorMessage(err) });
    }
  };
  void purge();
  const purgeTimer = setInterval(() => void purge(), config.uploadPurgeIntervalMs);
  purgeTimer.unref();

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      closing = true;
      clearInterval(purgeTimer);
      const force = setTimeout(() => server.closeAllConnections(), options.shutdownTimeoutMs ?? 30_000);
      force.unref();
      // A keep-alive connection becomes idle once its in-flight response ends; close it then.
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      server.close(() => {
        clearTimeout(force);
        clearInterval(sweep);
        notifier?.close();
        logger({ level: 'info', msg: 'registry stopped' });
        resolve();
      });
      server.closeIdleConnections();
    });
    return closed;
  };
  options.signal?.addEventListener('abort', () => void close(), { once: true });
  return { url, port, close };
}
