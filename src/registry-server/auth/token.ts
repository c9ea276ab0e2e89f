/**
 * Bearer tokens as the Docker token-auth protocol uses them (distribution docs/spec/auth/token.md,
 * jwt.md): a JWT signed ES256 whose `access` claim lists granted actions per repository.
 * The issuer and the verifier are this same server, so the key never leaves it; it is loaded from
 * a PEM file or generated at start (tokens then do not survive a restart; clients simply fetch
 * a new one on the next 401).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs/promises';
import type { Action } from './access.js';

export interface TokenAccess {
  type: 'repository' | 'registry';
  name: string;
  actions: string[];
}

export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: TokenAccess[];
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** Parses a scope list as clients send it: "repository:team/app:pull,push registry:catalog:*". */
export function parseScopes(scopes: string[]): TokenAccess[] {
  const out: TokenAccess[] = [];
  for (const scope of scopes.flatMap((s) => s.split(' ')).filter(Boolean)) {
    const first = scope.indexOf(':');
    const last = scope.lastIndexOf(':');
    if (first <= 0 || last === first) continue;
    const type = scope.slice(0, first);
    if (type !== 'repository' && type !== 'registry') continue;
    out.push({ type, name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',').filter(Boolean) });
  }
  return out;
}

export class TokenIssuer {
  private readonly kid: string;

  private constructor(
    private readonly privateKey: KeyObject,
    private readonly publicKey: KeyObject,
    readonly issuer: string,
    readonly service: string,
    readonly expiresInSec: number,
  ) {
    this.kid = randomBytes(8).toString('hex');
  }

  static async create(options: { issuer: string; service: string; expiresInSec: number; keyFile?: string }): Promise<TokenIssuer> {
    const privateKey = options.keyFile ? createPrivateKey(await fs.readFile(options.keyFile)) : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    return new TokenIssuer(privateKey, createPublicKey(privateKey), options.issuer, options.service, options.expiresInSec);
  }

  issue(subject: string, access: TokenAccess[], now = Math.floor(Date.now() / 1000)): { token: string; claims: TokenClaims } {
    const header = { alg: 'ES256', typ: 'JWT', kid: this.kid };
    const claims: TokenClaims = {
      iss: this.issuer,
      sub: subject,
      aud: this.service,
      exp: now + this.expiresInSec,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(16).toString('hex'),
      access,
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const sig = sign('sha256', Buffer.from(input), { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
    return { token: `${input}.${b64url(sig)}`, claims };
  }

  /** Verified claims, or undefined for a bad signature, wrong issuer or audience, or expiry. */
  verify(token: string, now = Math.floor(Date.now() / 1000)): TokenClaims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [h, p, s] = parts as [string, string, string];
    let header: { alg?: unknown };
    let claims: TokenClaims;
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: unknown };
      if (header.alg !== 'ES256') return undefined;
      const ok = verify('sha256', Buffer.from(`${h}.${p}`), { key: this.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
      if (!ok) return undefined;
      claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      return undefined;
    }
    if (claims.iss !== this.issuer || claims.aud !== this.service) return undefined;
    if (typeof claims.exp !== 'number' || claims.exp < now || (typeof claims.nbf === 'number' && claims.nbf > now)) return undefined;
    if (!Array.isArray(claims.access)) return undefined;
    return claims;
  }
}

/** Whether verified claims grant `action` on repository `repo`. */
export function tokenAllows(claims: TokenClaims, repo: string, action: Action | 'catalog'): boolean {
  if (action === 'catalog') return claims.access.some((a) => a.type === 'registry' && a.name === 'catalog' && (a.actions.includes('*') || a.actions.includes('catalog')));
  return claims.access.some((a) => a.type === 'repository' && a.name === repo && (a.actions.includes(action) || a.actions.includes('*')));
}
