/**
 * One request, start to end: route, authenticate, authorize, run the handler, render errors,
 * count and log. Every /v2 response carries Docker-Distribution-API-Version (spec.md#determining-support).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HullError, isHullError } from '../../errors.js';
import type { Gate, Principal } from '../auth/gate.js';
import type { RegistryConfig } from '../config.js';
import type { RegistryLogger } from '../log.js';
import type { RegistryMetrics } from '../metrics.js';
import type { PullThroughCache } from '../proxy/cache.js';
import { planEvent, type EventSource } from '../notifications/events.js';
import type { Notifier } from '../notifications/notifier.js';
import type { Registry } from '../registry.js';
import { deleteBlob, getBlob } from './blobs.js';
import type { RequestContext } from './context.js';
import { listCatalog, listReferrers, listTags } from './listings.js';
import { deleteManifest, getManifest, putManifest } from './manifests.js';
import { API_VERSION, API_VERSION_HEADER, errorBody, sendError, sendJson } from './respond.js';
import { isUiPath, serveUi } from '../ui/serve.js';
import { matchRoute, requiredAction, type Route } from './router.js';
import { cancelUpload, patchUpload, putUpload, startUpload, uploadStatus } from './uploads.js';

export interface Services {
  registry: Registry;
  gate: Gate;
  config: RegistryConfig;
  metrics: RegistryMetrics;
  logger: RegistryLogger;
  /** Webhook delivery; undefined when no endpoint is configured. */
  notifier?: Notifier;
  eventSource?: EventSource;
  /** Set in proxy mode: a read-only pull-through cache. */
  cache?: PullThroughCache;
  /** True once shutdown began: responses then close their connection. */
  closing: () => boolean;
}

type Handler = (ctx: RequestContext) => Promise<void>;

function handlerFor(route: Route, method: string): Handler {
  switch (route.kind) {
    case 'blob':
      return method === 'DELETE' ? deleteBlob : getBlob;
    case 'manifest':
      return method === 'PUT' ? putManifest : method === 'DELETE' ? deleteManifest : getManifest;
    case 'upload-start':
      return startUpload;
    case 'upload':
      return { GET: uploadStatus, PATCH: patchUpload, PUT: putUpload, DELETE: cancelUpload }[method as 'GET']!;
    case 'tags':
      return listTags;
    case 'catalog':
      return listCatalog;
    case 'referrers':
      return listReferrers;
    default:
      throw new HullError('INTERNAL', `Cannot dispatch route ${route.kind}`);
  }
}

function baseUrlOf(req: IncomingMessage, config: RegistryConfig): string {
  if (config.publicUrl) return config.publicUrl;
  const scheme = config.tls ? 'https' : 'http';
  return `${scheme}://${req.headers.host ?? `${config.host}:${config.port}`}`;
}

export async function handleRequest(svc: Services, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = process.hrtime.bigint();
  const sock = req.socket;
  const writtenAtStart = sock.bytesWritten;
  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
  svc.metrics.inFlight++;
  let principal: Principal = { account: undefined };
  res.once('close', () => {
    svc.metrics.inFlight--;
    svc.metrics.countRequest(req.method ?? 'UNKNOWN', res.statusCode);
    // Upload bodies are counted as they stream (UploadStore); other bodies by their length.
    if (!rawPath.includes('/blobs/uploads/')) svc.metrics.bytesIn += Number(req.headers['content-length'] ?? 0) || 0;
    const sent = Math.max(sock.bytesWritten - writtenAtStart, 0);
    svc.metrics.bytesOut += sent;
    svc.logger({
      level: 'info', msg: 'request', method: req.method, path: req.url, status: res.statusCode, bytesSent: sent,
      durationMs: Number(process.hrtime.bigint() - started) / 1e6, remote: sock.remoteAddress, account: principal.account, aborted: !res.writableFinished,
    });
  });
  if (svc.closing()) res.setHeader('Connection', 'close');
  res.setHeader(API_VERSION_HEADER, API_VERSION);
  const baseUrl = baseUrlOf(req, svc.config);
  const method = req.method ?? 'GET';
  let challengeScope: string | undefined;
  try {
    if (isUiPath(rawPath)) return void serveUi(rawPath, method, res);
    const route = matchRoute(method, rawPath);
    const url = new URL(rawUrl, 'http://registry.invalid');
    if (route.kind === 'healthz') return void sendJson(req, res, 200, { status: 'ok' });
    if (route.kind === 'metrics') {
      const body = await svc.metrics.render(svc.registry.driver, svc.registry.uploads.activeSessions);
      res.setHeader('Content-Type', 'text/plain; version=0.0.4');
      res.end(body);
      return;
    }
    if (route.kind === 'token') return void sendJson(req, res, 200, await svc.gate.issueToken(req, url));
    principal = await svc.gate.authenticate(req);
    const action = requiredAction(route, method);
    if (route.name !== undefined && action !== undefined) {
      challengeScope = `repository:${route.name}:${action === 'pull' ? 'pull' : action === 'push' ? 'pull,push' : action}`;
      if (!svc.gate.can(principal, route.name, action)) {
        const { error, headers } = svc.gate.deny(principal, baseUrl, challengeScope);
        req.resume();
        return void sendError(req, res, error, headers);
      }
    } else if (svc.gate.requiresLogin && principal.account === undefined && principal.claims === undefined) {
      challengeScope = route.kind === 'catalog' ? 'registry:catalog:*' : undefined;
      const { error, headers } = svc.gate.deny(principal, baseUrl, challengeScope);
      return void sendError(req, res, error, headers);
    }
    if (route.kind === 'base') return void sendJson(req, res, 200, {});
    if (svc.cache) {
      if (method !== 'GET' && method !== 'HEAD') req.resume();
      await svc.cache.prepare(route, method);
    }
    await handlerFor(route, method)({ req, res, url, route, baseUrl, principal, registry: svc.registry, gate: svc.gate, config: svc.config });
    if (svc.notifier) {
      const event = planEvent(route, req, res, baseUrl, principal.account, svc.eventSource!);
      if (event) svc.notifier.notify(event);
    }
  } catch (err) {
    if (!isHullError(err)) svc.logger({ level: 'error', msg: 'request failed', method, path: rawUrl, error: err instanceof Error ? err.stack : String(err) });
    else if (errorBody(err).status >= 500) svc.logger({ level: 'error', msg: err.message, code: err.code });
    const headers: Record<string, string> = isHullError(err, 'UNAUTHORIZED') && svc.gate.mode !== 'none' ? { 'WWW-Authenticate': svc.gate.challenge(baseUrl, challengeScope) } : {};
    sendError(req, res, err, headers);
  }
}
