/**
 * Routes a request to its handler, as dockerd's router does: every path is served with and
 * without the `/v1.NN` prefix; a version below MIN_API_VERSION or above API_VERSION is refused
 * with 400 and dockerd's wording. A `{name*}` segment matches the rest up to the next literal
 * (image names contain slashes: `/images/localhost:5000/team/app:1/json`).
 */
import { HullError } from '../errors.js';
import type { Handler } from './http.js';

/** The highest API version whose fields hull implements (Docker 27.1+ speaks 1.47). */
export const API_VERSION = '1.47';
/** As dockerd: older clients are refused. */
export const MIN_API_VERSION = '1.24';

export interface Route {
  method: string;
  pattern: string;
  handler: Handler;
  /** The endpoint may take over the connection (attach, exec start). */
  hijackable?: boolean;
}

interface CompiledRoute extends Route {
  regex: RegExp;
  names: string[];
}

export interface Match {
  route: Route;
  params: Record<string, string>;
  version: string;
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.pattern.split('/').map((seg) => {
    const m = /^\{(\w+)(\*?)\}$/.exec(seg);
    if (!m) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    names.push(m[1] as string);
    return m[2] ? '(.+)' : '([^/]+)';
  });
  return { ...route, names, regex: new RegExp(`^${source.join('/')}$`) };
}

export function compareVersions(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am - bm || an - bn;
}

export class Router {
  private readonly routes: CompiledRoute[];

  constructor(routes: Route[]) {
    this.routes = routes.map(compile);
  }

  /** Undefined when no route has this path; a METHOD_NOT_ALLOWED error when the method is wrong. */
  match(method: string, pathname: string): Match | undefined {
    let version = API_VERSION;
    const prefixed = /^\/v([0-9]+\.[0-9]+)(\/.*)$/.exec(pathname);
    if (prefixed) {
      version = prefixed[1] as string;
      pathname = prefixed[2] as string;
      if (compareVersions(version, MIN_API_VERSION) < 0) {
        throw new HullError('INVALID_ARGUMENT', `client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`);
      }
      if (compareVersions(version, API_VERSION) > 0) {
        throw new HullError('INVALID_ARGUMENT', `client version ${version} is too new. Maximum supported API version is ${API_VERSION}`);
      }
    }
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.regex.exec(pathname);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method && !(method === 'HEAD' && route.method === 'GET')) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        try {
          params[name] = decodeURIComponent(m[i + 1] as string);
        } catch {
          throw new HullError('INVALID_ARGUMENT', `Cannot read the path: ${JSON.stringify(m[i + 1])} is not valid percent-encoding`);
        }
      });
      return { route, params, version };
    }
    if (pathMatched) throw new HullError('METHOD_NOT_ALLOWED', `Cannot ${method} ${JSON.stringify(pathname)}: method not allowed`);
    return undefined;
  }
}
