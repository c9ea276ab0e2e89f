/**
 * Gate: who is asking, and may they? One place decides, for every route.
 *
 *   mode none      no credentials asked; everything allowed
 *   mode basic     htpasswd Basic credentials on every request (verified results are cached)
 *   mode token     Basic credentials only at /token, which returns a JWT carrying the granted
 *                  scopes; /v2 requests carry `Authorization: Bearer` (distribution token auth)
 *
 * Denials: a request without (sufficient) credentials gets 401 with a WWW-Authenticate challenge
 * naming the scope it needs, so clients know what to ask for; a signed-in Basic user lacking the
 * right gets 403 DENIED. Bad credentials are always 401 and never fall back to anonymous.
 */
import type { IncomingMessage } from 'node:http';
import { HullError } from '../../errors.js';
import type { RegistryConfig } from '../config.js';
import { AccessPolicy, ACTIONS, type Action } from './access.js';
import { Htpasswd } from './htpasswd.js';
import { TokenIssuer, parseScopes, tokenAllows, type TokenAccess, type TokenClaims } from './token.js';

export interface Principal {
  /** Signed-in account; undefined for anonymous. */
  account: string | undefined;
  claims?: TokenClaims;
}

export class Gate {
  private constructor(
    readonly mode: 'none' | 'basic' | 'token',
    private readonly policy: AccessPolicy,
    private readonly users: Htpasswd | undefined,
    private readonly issuer: TokenIssuer | undefined,
  ) {}

  static async create(config: RegistryConfig): Promise<Gate> {
    const users = config.auth.htpasswd ? await Htpasswd.load(config.auth.htpasswd) : undefined;
    const token = config.auth.token;
    const issuer = token ? await TokenIssuer.create({ issuer: token.issuer, service: token.service, expiresInSec: token.expiresInSec, ...(token.key ? { keyFile: token.key } : {}) }) : undefined;
    const mode = issuer ? 'token' : users ? 'basic' : 'none';
    const authEnabled = mode !== 'none' || config.auth.access !== undefined;
    const policy = await AccessPolicy.load(config.auth.access, { authEnabled, anonymousPull: config.auth.anonymousPull });
    return new Gate(mode, policy, users, issuer);
  }

  /** Identifies the caller; throws UNAUTHORIZED for credentials that do not verify. */
  async authenticate(req: IncomingMessage): Promise<Principal> {
    const header = req.headers.authorization;
    if (!header || this.mode === 'none') return { account: undefined };
    if (this.mode === 'token' && /^bearer /i.test(header)) {
      const claims = this.issuer!.verify(header.slice(7).trim());
      if (!claims) throw new HullError('UNAUTHORIZED', 'Cannot authenticate: the bearer token is invalid or expired', { hint: 'fetch a new token' });
      return { account: claims.sub === '' ? undefined : claims.sub, claims };
    }
    if (this.mode === 'basic' && /^basic /i.test(header)) return { account: await this.basicAccount(header) };
    throw new HullError('UNAUTHORIZED', 'Cannot authenticate: unsupported authorization scheme');
  }

  /** Verifies Basic credentials against htpasswd; returns the user. */
  async basicAccount(header: string): Promise<string> {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon < 0 ? decoded : decoded.slice(0, colon);
    const password = colon < 0 ? '' : decoded.slice(colon + 1);
    if (!this.users || !(await this.users.verify(user, password))) {
      throw new HullError('UNAUTHORIZED', `Cannot authenticate "${user}": wrong user name or password`, { hint: 'check the credentials given to login' });
    }
    return user;
  }

  /** May `p` do `action` on `repo`? */
  can(p: Principal, repo: string, action: Action): boolean {
    if (this.mode === 'token') return p.claims !== undefined && tokenAllows(p.claims, repo, action);
    return this.policy.allowed(p.account, repo).has(action);
  }

  /** May `p` see `repo` in the catalog? By policy, so a token need not list every repository. */
  canSee(p: Principal, repo: string): boolean {
    if (this.mode === 'token' && (!p.claims || !tokenAllows(p.claims, '', 'catalog'))) return false;
    return this.policy.allowed(p.account, repo).has('pull');
  }

  /** Whether /v2/ and the catalog need credentials at all. */
  get requiresLogin(): boolean {
    return this.mode !== 'none';
  }

  /** The error for a refused request: 401 + challenge when more credentials could help, else 403. */
  deny(p: Principal, baseUrl: string, scope: string | undefined): { error: HullError; headers: Record<string, string> } {
    if (this.mode === 'basic' && p.account !== undefined) {
      return { error: new HullError('DENIED', `Cannot allow "${p.account}": ${scope ?? 'this request'} is not granted`, { hint: 'ask the registry operator for access' }), headers: {} };
    }
    return { error: new HullError('UNAUTHORIZED', 'Cannot allow the request: authentication required', { hint: 'log in to the registry' }), headers: { 'WWW-Authenticate': this.challenge(baseUrl, scope) } };
  }

  challenge(baseUrl: string, scope: string | undefined, error?: string): string {
    if (this.mode === 'basic') return 'Basic realm="hull-registry"';
    const parts = [`realm="${baseUrl}/token"`, `service="${this.issuer!.service}"`];
    if (scope) parts.push(`scope="${scope}"`);
    if (error) parts.push(`error="${error}"`);
    return `Bearer ${parts.join(',')}`;
  }

  /**
   * The token endpoint (GET /token?service=&scope=...): grants the requested scopes that the
   * policy allows, never more. Anonymous callers get a token with what anonymous may do.
   */
  async issueToken(req: IncomingMessage, url: URL): Promise<Record<string, unknown>> {
    if (!this.issuer) throw new HullError('NOT_FOUND', 'Cannot issue tokens: token auth is not configured');
    const header = req.headers.authorization;
    const account = header && /^basic /i.test(header) ? await this.basicAccount(header) : undefined;
    const granted: TokenAccess[] = [];
    for (const want of parseScopes(url.searchParams.getAll('scope'))) {
      if (want.type === 'registry') {
        if (want.name === 'catalog' && account !== undefined) granted.push({ type: 'registry', name: 'catalog', actions: ['*'] });
        continue;
      }
      const allowed = this.policy.allowed(account, want.name);
      const wanted = want.actions.includes('*') ? [...ACTIONS] : want.actions;
      const actions = wanted.filter((a): a is Action => allowed.has(a as Action));
      if (actions.length > 0) granted.push({ type: 'repository', name: want.name, actions });
    }
    const { token, claims } = this.issuer.issue(account ?? '', granted);
    const issuedAt = new Date(claims.iat * 1000).toISOString();
    return { token, access_token: token, expires_in: this.issuer.expiresInSec, issued_at: issuedAt };
  }
}
