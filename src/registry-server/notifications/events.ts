/**
 * Registry events in distribution's notification format (distribution docs/notifications.md):
 * an envelope {"events":[...]} of media type application/vnd.docker.distribution.events.v1+json,
 * one event per push, pull or delete of a manifest or blob. planEvent derives the event from a
 * finished request, so the handlers stay unaware of notifications.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isDigest } from '../../oci/digest.js';
import type { Route } from '../http/router.js';

export const ENVELOPE_MEDIA_TYPE = 'application/vnd.docker.distribution.events.v1+json';

export interface RegistryEvent {
  id: string;
  timestamp: string;
  action: 'push' | 'pull' | 'delete';
  target: { mediaType?: string; size?: number; length?: number; digest?: string; repository: string; url?: string; tag?: string };
  request: { id: string; addr: string; host: string; method: string; useragent: string };
  actor: { name?: string };
  source: { addr: string; instanceID: string };
}

export interface EventSource {
  addr: string;
  instanceID: string;
}

/** The event a successful manifest or blob request produces; undefined for anything else. */
export function planEvent(route: Route, req: IncomingMessage, res: ServerResponse, baseUrl: string, account: string | undefined, source: EventSource): RegistryEvent | undefined {
  const method = req.method ?? '';
  if (res.statusCode >= 300 || route.name === undefined) return undefined;
  let action: RegistryEvent['action'];
  let kind: 'manifests' | 'blobs';
  if (route.kind === 'manifest' || route.kind === 'blob') {
    kind = route.kind === 'manifest' ? 'manifests' : 'blobs';
    if (method === 'GET') action = 'pull';
    else if (method === 'PUT') action = 'push';
    else if (method === 'DELETE') action = 'delete';
    else return undefined;
  } else if ((route.kind === 'upload' && method === 'PUT') || (route.kind === 'upload-start' && res.statusCode === 201)) {
    kind = 'blobs';
    action = 'push';
  } else {
    return undefined;
  }
  const header = (name: string): string | undefined => {
    const v = res.getHeader(name);
    return v === undefined ? undefined : String(v);
  };
  const digest = header('docker-content-digest') ?? (route.ref && isDigest(route.ref) ? route.ref : undefined);
  const tag = route.kind === 'manifest' && route.ref && !isDigest(route.ref) ? route.ref : undefined;
  const mediaType = action === 'push' && kind === 'manifests' ? req.headers['content-type'] : header('content-type');
  const size = action === 'push' && kind === 'manifests' ? Number(req.headers['content-length'] ?? NaN) : Number(header('content-length') ?? NaN);
  const target: RegistryEvent['target'] = { repository: route.name };
  if (mediaType && action !== 'delete') target.mediaType = mediaType;
  if (Number.isFinite(size) && action !== 'delete') {
    target.size = size;
    target.length = size;
  }
  if (digest) {
    target.digest = digest;
    target.url = `${baseUrl}/v2/${route.name}/${kind}/${digest}`;
  }
  if (tag) target.tag = tag;
  return {
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    action,
    target,
    request: { id: randomUUID(), addr: `${req.socket.remoteAddress ?? ''}:${req.socket.remotePort ?? ''}`, host: req.headers.host ?? '', method, useragent: req.headers['user-agent'] ?? '' },
    actor: account ? { name: account } : {},
    source,
  };
}
