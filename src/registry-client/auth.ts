/**
 * Registry authentication (distribution's token auth, docs/spec/auth/token.md, and RFC 7235):
 *
 *   request -> 401 + WWW-Authenticate: Bearer realm="R",service="S",scope="repository:N:pull"
 *           -> GET R?service=S&scope=... (Basic credentials when we have them, none for anonymous
 *              tokens such as Docker Hub's) -> {"token"|"access_token", "expires_in", "issued_at"}
 *           -> the request again with Authorization: Bearer <token>
 *   request -> 401 + WWW-Authenticate: Basic realm="..." -> the request again with Basic credentials
 *
 * Tokens are cached per set of scopes and refreshed when they expire or a registry refuses them.
 */
import { HullError } from '../errors.js';
import type { Credentials } from './auth-file.js';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses a WWW-Authenticate header: `Scheme k="v", k2=v2, Scheme2 ...` (quoted strings may hold commas). */
export function parseChallenges(headerValue: string): Challenge[] {
  const out: Challenge[] = [];
  const s = headerValue;
  let i = 0;
  const skip = (chars: RegExp) => {
    while (i < s.length && chars.test(s[i] as string)) i++;
  };
  const token = () => {
    const start = i;
    while (i < s.length && /[^\s,="]/.test(s[i] as string)) i++;
    return s.slice(start, i);
  };
  let current: Challenge | undefined;
  while (i < s.length) {
    skip(/[\s,]/);
    const word = token();
    if (word === '') {
      i++;
      continue;
    }
    skip(/\s/);
    if (s[i] !== '=') {
      current = { scheme: word.toLowerCase(), params: {} };
      out.push(current);
      continue;
    }
    i++;
    skip(/\s/);
    let value = '';
    if (s[i] === '"') {
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length) i++;
        value += s[i];
        i++;
      }
      i++;
    } else value = token();
    if (current) current.params[word.toLowerCase()] = value;
  }
  return out;
}

export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

export function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}

export interface TokenResponse {
  status: number;
  body: Buffer;
}

/** Fetches a URL (the token realm) without auth; the client supplies retries and TLS. */
export type TokenFetcher = (url: URL, headers: Record<string, string>) => Promise<TokenResponse>;

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Tokens closer than this to expiry are refreshed before use. */
const EXPIRY_MARGIN_MS = 5_000;
const DEFAULT_TOKEN_LIFETIME_S = 60;

export function basicAuthorization(creds: Credentials): string {
  return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
}

export class Authorizer {
  private challenge: Challenge | undefined;
  private readonly tokens = new Map<string, CachedToken>();

  constructor(
    private readonly credentials: Credentials | undefined,
    private readonly fetchToken: TokenFetcher,
    /** Completes "Cannot ..." in errors, and names the host in hints. */
    private readonly ctx: { action: string; host: string },
    private readonly now: () => number = Date.now,
  ) {}

  get hasCredentials(): boolean {
    return this.credentials !== undefined;
  }

  /** Records the challenge from a 401 (or from the /v2/ ping). Returns false when it is unusable. */
  setChallenge(headerValue: string | undefined): boolean {
    const challenges = headerValue ? parseChallenges(headerValue) : [];
    const chosen = challenges.find((c) => c.scheme === 'bearer' && c.params.realm) ?? challenges.find((c) => c.scheme === 'basic');
    if (!chosen) return false;
    this.challenge = chosen;
    return true;
  }

  /** Whether answering the current challenge can help: a token (maybe anonymous) or Basic with credentials. */
  canAnswer(): boolean {
    return this.challenge !== undefined && (this.challenge.scheme === 'bearer' || this.credentials !== undefined);
  }

  /** Forgets the token for these scopes (a registry refused it). */
  invalidate(scopes: readonly string[]): void {
    this.tokens.delete(scopeKey(scopes));
  }

  /** The Authorization header for a request needing `scopes`; undefined when none is known to be needed. */
  async authorization(scopes: readonly string[]): Promise<string | undefined> {
    const c = this.challenge;
    if (!c) return undefined;
    if (c.scheme === 'basic') return this.credentials ? basicAuthorization(this.credentials) : undefined;
    const key = scopeKey(scopes);
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAt - EXPIRY_MARGIN_MS > this.now()) return `Bearer ${cached.token}`;
    const token = await this.requestToken(c, scopes);
    this.tokens.set(key, token);
    return `Bearer ${token.token}`;
  }

  private async requestToken(c: Challenge, scopes: readonly string[]): Promise<CachedToken> {
    const realm = c.params.realm as string;
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new HullError('INVALID_FORMAT', `Cannot ${this.ctx.action}: the registry's token realm "${realm}" is not a URL`);
    }
    if (c.params.service) url.searchParams.set('service', c.params.service);
    for (const scope of scopes) url.searchParams.append('scope', scope);
    if (this.credentials) url.searchParams.set('account', this.credentials.username);
    const res = await this.fetchToken(url, this.credentials ? { Authorization: basicAuthorization(this.credentials) } : {});
    if (res.status === 401 || res.status === 403) {
      throw new HullError('UNAUTHORIZED', `Cannot ${this.ctx.action}: the token server ${url.origin} returned ${res.status} UNAUTHORIZED`, {
        hint: this.credentials ? `the credentials were refused: run "hull login ${this.ctx.host}" again` : `run "hull login ${this.ctx.host}"`,
      });
    }
    if (res.status !== 200) {
      throw new HullError('UNAVAILABLE', `Cannot ${this.ctx.action}: the token server ${url.origin} returned ${res.status}`, { hint: 'try again later' });
    }
    let doc: { token?: unknown; access_token?: unknown; expires_in?: unknown; issued_at?: unknown };
    try {
      doc = JSON.parse(res.body.toString('utf8')) as typeof doc;
    } catch {
      throw new HullError('INVALID_FORMAT', `Cannot ${this.ctx.action}: the token server ${url.origin} sent no JSON`);
    }
    const token = typeof doc.token === 'string' && doc.token !== '' ? doc.token : typeof doc.access_token === 'string' ? doc.access_token : undefined;
    if (!token) throw new HullError('INVALID_FORMAT', `Cannot ${this.ctx.action}: the token server ${url.origin} sent no token`);
    const lifetime = typeof doc.expires_in === 'number' && doc.expires_in > 0 ? doc.expires_in : DEFAULT_TOKEN_LIFETIME_S;
    const issued = typeof doc.issued_at === 'string' && !Number.isNaN(Date.parse(doc.issued_at)) ? Math.min(Date.parse(doc.issued_at), this.now()) : this.now();
    return { token, expiresAt: issued + lifetime * 1000 };
  }
}

function scopeKey(scopes: readonly string[]): string {
  return [...scopes].sort().join(' ');
}
