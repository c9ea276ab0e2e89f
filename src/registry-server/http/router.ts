/**
 * A small router for the distribution API's URL space (distribution-spec spec.md#endpoints).
 * It matches the raw, undecoded path: repository names may contain '/', so routes are matched on
 * their suffix and the name is whatever precedes it, then validated by names.ts. A percent-encoded
 * dot or slash therefore never becomes part of a name.
 */
import { HullError } from '../../errors.js';
import type { Action } from '../auth/access.js';
import { parseRepositoryName } from '../names.js';

export type RouteKind =
  | 'base'
  | 'catalog'
  | 'tags'
  | 'manifest'
  | 'blob'
  | 'upload-start'
  | 'upload'
  | 'referrers'
  | 'token'
  | 'healthz'
  | 'metrics';

export interface Route {
  kind: RouteKind;
  /** Repository name for per-repository routes. */
  name?: string;
  /** Tag or digest (manifest), digest (blob, referrers) or upload id. */
  ref?: string;
}

const PATTERNS: [RegExp, RouteKind][] = [
  [/^\/v2\/(.+)\/blobs\/uploads\/?$/, 'upload-start'],
  [/^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/, 'upload'],
  [/^\/v2\/(.+)\/blobs\/([^/]+)$/, 'blob'],
  [/^\/v2\/(.+)\/manifests\/([^/]+)$/, 'manifest'],
  [/^\/v2\/(.+)\/tags\/list$/, 'tags'],
  [/^\/v2\/(.+)\/referrers\/([^/]+)$/, 'referrers'],
];

const METHODS: Record<RouteKind, readonly string[]> = {
  base: ['GET', 'HEAD'],
  catalog: ['GET'],
  tags: ['GET'],
  manifest: ['GET', 'HEAD', 'PUT', 'DELETE'],
  blob: ['GET', 'HEAD', 'DELETE'],
  'upload-start': ['POST'],
  upload: ['GET', 'PATCH', 'PUT', 'DELETE'],
  referrers: ['GET'],
  token: ['GET'],
  healthz: ['GET', 'HEAD'],
  metrics: ['GET'],
};

/** Matches a path to a route; throws NOT_FOUND (404) or METHOD_NOT_ALLOWED (405) or NAME_INVALID. */
export function matchRoute(method: string, rawPath: string): Route {
  const route = findRoute(rawPath);
  if (!route) throw new HullError('NOT_FOUND', `Cannot route "${rawPath}": no such endpoint`);
  if (!METHODS[route.kind].includes(method)) {
    throw new HullError('METHOD_NOT_ALLOWED', `Cannot ${method} "${rawPath}": the endpoint allows ${METHODS[route.kind].join(', ')}`);
  }
  if (route.name !== undefined) parseRepositoryName(route.name);
  return route;
}

function findRoute(rawPath: string): Route | undefined {
  if (rawPath === '/v2/' || rawPath === '/v2') return { kind: 'base' };
  if (rawPath === '/v2/_catalog') return { kind: 'catalog' };
  if (rawPath === '/token') return { kind: 'token' };
  if (rawPath === '/healthz') return { kind: 'healthz' };
  if (rawPath === '/metrics') return { kind: 'metrics' };
  for (const [re, kind] of PATTERNS) {
    const m = re.exec(rawPath);
    if (m) return { kind, name: m[1]!, ...(m[2] !== undefined ? { ref: m[2] } : {}) };
  }
  return undefined;
}

/** What a request needs on its repository (spec: pull for reads, push for writes, delete for DELETE). */
export function requiredAction(route: Route, method: string): Action | undefined {
  if (route.name === undefined) return undefined;
  if (method === 'DELETE') return route.kind === 'upload' ? 'push' : 'delete';
  if (method === 'GET' || method === 'HEAD') return route.kind === 'upload' ? 'push' : 'pull';
  return 'push';
}
