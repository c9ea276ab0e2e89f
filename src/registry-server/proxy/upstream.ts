/**
 * The upstream registry of a pull-through cache: GETs with the configured credentials, sent as
 * Basic, or exchanged for a Bearer token when the upstream challenges for one (distribution's
 * token auth, as Docker Hub does). Any failure to get an answer is UNAVAILABLE (503), so the
 * client sees a gateway problem, not a missing image.
 */
import { HullError, errorMessage } from '../../errors.js';

export interface UpstreamOptions {
  remoteUrl: string;
  username?: string;
  password?: string;
}

function parseChallenge(header: string | null): Record<string, string> | undefined {
  if (!header || !/^bearer\s/i.test(header)) return undefined;
  const out: Record<string, string> = {};
  for (const m of header.slice(7).matchAll(/(\w+)="([^"]*)"/g)) out[m[1]!.toLowerCase()] = m[2]!;
  return out.realm ? out : undefined;
}

export class Upstream {
  readonly base: URL;
  private readonly basic: string | undefined;
  private readonly tokens = new Map<string, string>();

  constructor(o: UpstreamOptions) {
    this.base = new URL(o.remoteUrl.replace(/\/+$/, '') + '/');
    this.basic = o.username !== undefined ? `Basic ${Buffer.from(`${o.username}:${o.password ?? ''}`).toString('base64')}` : undefined;
  }

  private unavailable(what: string, why: string): HullError {
    return new HullError('UNAVAILABLE', `Cannot fetch ${what} from upstream "${this.base.origin}": ${why}`, {
      hint: 'the pull-through cache serves only what it has cached while its upstream is unreachable; check proxy.remoteurl and the upstream',
    });
  }

  /** GET or HEAD /v2/<path> on the upstream for repository `repo`; 401/403 after auth are UNAVAILABLE. */
  async fetch(method: 'GET' | 'HEAD', path: string, repo: string, headers: Record<string, string> = {}): Promise<Response> {
    const url = new URL(`v2/${path}`, this.base);
    const scope = `repository:${repo}:pull`;
    const send = async (): Promise<Response> => {
      const token = this.tokens.get(scope);
      const authorization = token ? `Bearer ${token}` : this.basic;
      try {
        return await fetch(url, { method, headers: { ...headers, ...(authorization ? { Authorization: authorization } : {}) }, redirect: 'follow' });
      } catch (err) {
        throw this.unavailable(path, errorMessage((err as { cause?: unknown }).cause ?? err));
      }
    };
    let res = await send();
    const challenge = res.status === 401 ? parseChallenge(res.headers.get('www-authenticate')) : undefined;
    if (challenge) {
      await res.body?.cancel();
      await this.fetchToken(challenge, scope);
      res = await send();
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw this.unavailable(path, `it refused the cache's credentials (HTTP ${res.status})`);
    }
    if (res.status >= 500 || res.status === 429) {
      await res.body?.cancel();
      throw this.unavailable(path, `it answered HTTP ${res.status}`);
    }
    return res;
  }

  private async fetchToken(challenge: Record<string, string>, scope: string): Promise<void> {
    const url = new URL(challenge.realm!);
    if (challenge.service) url.searchParams.set('service', challenge.service);
    url.searchParams.set('scope', scope);
    let res: Response;
    try {
      res = await fetch(url, { headers: this.basic ? { Authorization: this.basic } : {} });
    } catch (err) {
      throw this.unavailable('a token', errorMessage((err as { cause?: unknown }).cause ?? err));
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw this.unavailable('a token', `its token endpoint answered HTTP ${res.status}`);
    }
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw this.unavailable('a token', 'its token endpoint returned no token');
    this.tokens.set(scope, token);
  }
}
