/**
 * What a streaming URL stands for: a CRI ExecRequest, AttachRequest or PortForwardRequest (as
 * proto.ts loads them: snake_case), checked once when the URL is made, and kept behind a one-time
 * token. As kubelet's streaming server: a token is used once, expires after a minute, and the
 * cache holds a bounded number, so an unused URL costs nothing for long.
 */
import { randomBytes } from 'node:crypto';
import { HullError } from '../../errors.js';

export interface CriExecRequest { container_id: string; cmd: string[]; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }
export interface CriAttachRequest { container_id: string; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }
export interface CriPortForwardRequest { pod_sandbox_id: string; port: number[] }

export type StreamingRequest =
  | { kind: 'exec'; req: CriExecRequest }
  | { kind: 'attach'; req: CriAttachRequest }
  | { kind: 'portforward'; req: CriPortForwardRequest };

/** Which streams a remote-command session carries (kubelet's streaming Options). */
export interface StreamOptions { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }

const TOKEN_TTL_MS = 60_000;
const MAX_TOKENS = 1000;

/** Pure: checks an exec or attach request's stream set, as kubelet does before making a URL. */
export function parseStreamOptions(what: string, req: { container_id?: unknown; tty?: unknown; stdin?: unknown; stdout?: unknown; stderr?: unknown }): StreamOptions {
  if (typeof req.container_id !== 'string' || req.container_id === '') throw new HullError('INVALID_ARGUMENT', `Cannot ${what}: container_id is empty`);
  const o = { stdin: req.stdin === true, stdout: req.stdout === true, stderr: req.stderr === true, tty: req.tty === true };
  if (!o.stdin && !o.stdout && !o.stderr) throw new HullError('INVALID_ARGUMENT', `Cannot ${what} in container "${req.container_id}": one of stdin, stdout and stderr must be set`);
  if (o.tty && o.stderr) throw new HullError('INVALID_ARGUMENT', `Cannot ${what} in container "${req.container_id}": tty and stderr cannot both be set`, { hint: 'a terminal merges stderr into stdout' });
  return o;
}

/** Pure: checks a streaming request before a URL is made for it. */
export function checkStreamingRequest(r: StreamingRequest): void {
  if (r.kind === 'exec') {
    parseStreamOptions('exec', r.req);
    if (!Array.isArray(r.req.cmd) || r.req.cmd.length === 0 || !r.req.cmd.every((a) => typeof a === 'string')) throw new HullError('INVALID_ARGUMENT', `Cannot exec in container "${r.req.container_id}": cmd is empty`);
  } else if (r.kind === 'attach') parseStreamOptions('attach', r.req);
  else if (typeof r.req.pod_sandbox_id !== 'string' || r.req.pod_sandbox_id === '') throw new HullError('INVALID_ARGUMENT', 'Cannot port-forward: pod_sandbox_id is empty');
}

export class TokenCache {
  private readonly entries = new Map<string, { request: StreamingRequest; expires: number }>();
  constructor(private readonly now: () => number = Date.now) {}

  insert(request: StreamingRequest): string {
    this.evictExpired();
    if (this.entries.size >= MAX_TOKENS) throw new HullError('UNAVAILABLE', `Cannot prepare a ${request.kind} stream: ${MAX_TOKENS} streaming requests are already waiting`, { hint: 'retry once some have been used or expired (after a minute)' });
    const token = randomBytes(24).toString('base64url');
    this.entries.set(token, { request, expires: this.now() + TOKEN_TTL_MS });
    return token;
  }

  /** The request behind a token, once: a second use, or a use after expiry, finds nothing. */
  consume(token: string): StreamingRequest | undefined {
    const e = this.entries.get(token);
    this.entries.delete(token);
    return e && e.expires > this.now() ? e.request : undefined;
  }

  private evictExpired(): void {
    const now = this.now();
    for (const [t, e] of this.entries) if (e.expires <= now) this.entries.delete(t);
  }
}
