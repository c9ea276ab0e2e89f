/**
 * RegistryClient: the OCI Distribution API (distribution-spec spec.md) for one registry host, with
 * the scheme chosen by a /v2/ ping, auth, retries and redirects composed around transport.ts.
 *
 * Lifecycle: openRegistryClient(host, ...) -> ping (lazily, on the first request: picks https, or
 * http where allowed, and learns the auth challenge) -> requests -> close() (drops the keep-alive
 * sockets). One client serves one pull or push; it holds no state beyond that operation.
 */
import type { Readable } from 'node:stream';
import { HullError, errnoCode, errorMessage } from '../errors.js';
import { sha256, type Digest } from '../oci/digest.js';
import { MediaType } from '../oci/media-types.js';
import { Authorizer } from './auth.js';
import { findCredentials, lookupCredentials } from './auth-file.js';
import { connectionError, responseError, type ErrorContext } from './errors.js';
import { ignoreEvents, type EventSink } from './events.js';
import { isLoopbackHost, resolveHost, type HostConfig, type RegistryOptions } from './hosts.js';
import { DEFAULT_RETRY, MAX_RETRY_AFTER_MS, backoffDelay, isRetryableError, isRetryableStatus, parseRetryAfter, sleep, type RetryPolicy } from './retry.js';
import { Transport, discard, header, readBody, type HttpRequest, type HttpResponse } from './transport.js';

export const MANIFEST_ACCEPT = [MediaType.OciIndex, MediaType.OciManifest, MediaType.DockerManifestList, MediaType.DockerManifest, MediaType.DockerSchema1Signed, MediaType.DockerSchema1Manifest].join(', ');
/** distribution-spec: registries SHOULD accept manifests up to 4 MiB; clients need not read more. */
const MAX_MANIFEST_BYTES = 4 << 20;

export interface ClientOptions extends RegistryOptions {
  /** The registry as references name it (docker.io, localhost:5000). */
  host: string;
  /** The repository whose credentials to use (auth files may hold per-repository entries). */
  repository: string;
  /** Completes "Cannot ..." in error messages: `pull "localhost:5000/app:1"`. */
  action: string;
  onEvent?: EventSink;
  signal?: AbortSignal;
}

export interface RegistryRequest {
  method: string;
  /** A path below the registry's base URL, or an absolute URL (an upload location). */
  path: string | URL;
  scopes: readonly string[];
  headers?: Record<string, string>;
  body?: HttpRequest['body'];
  /** Names the request in retry events. */
  what: string;
  /** Retry 429/5xx and dropped connections here (false for upload steps: the blob restarts instead). */
  retry?: boolean;
}

export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  digest: Digest;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

export function openRegistryClient(opts: ClientOptions): RegistryClient {
  const host = resolveHost(opts.host, opts);
  const credentials = opts.credentials ?? (opts.registryAuths ? findCredentials({ auths: opts.registryAuths }, opts.host, opts.repository) : undefined) ?? lookupCredentials(opts.host, opts.repository, { ...(opts.authFile ? { authFile: opts.authFile } : {}), ...(opts.env ? { env: opts.env } : {}) });
  return new RegistryClient(host, credentials, opts);
}

/** A client for one operation, with the abort that stops every request of it. */
export interface RegistrySession {
  client: RegistryClient;
  /** Aborted when the caller's signal is, or by `abort()`. */
  signal: AbortSignal;
  /** Stops the operation's requests still in flight (before waiting for them to settle). */
  abort(): void;
}

/**
 * Runs `fn` with a client whose requests stop when `opts.signal` aborts or `fn` throws, and
 * closes the client (its keep-alive sockets) whatever happens.
 */
export async function withRegistryClient<T>(opts: ClientOptions, fn: (session: RegistrySession) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const client = openRegistryClient({ ...opts, signal: abort.signal });
  try {
    return await fn({ client, signal: abort.signal, abort: () => abort.abort() });
  } catch (err) {
    abort.abort();
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onOuterAbort);
    client.close();
  }
}

export class RegistryClient {
  readonly ctx: ErrorContext;
  readonly retry: RetryPolicy;
  private readonly transport: Transport;
  private readonly auth: Authorizer;
  private readonly onEvent: EventSink;
  private readonly signal: AbortSignal | undefined;
  private pinged: Promise<URL> | undefined;

  constructor(readonly host: HostConfig, credentials: ClientOptions['credentials'], opts: ClientOptions) {
    this.ctx = { action: opts.action, host: opts.host, hadCredentials: credentials !== undefined };
    this.retry = { ...DEFAULT_RETRY, ...(opts.retryAttempts !== undefined ? { attempts: opts.retryAttempts } : {}), ...(opts.retryBaseDelayMs !== undefined ? { baseDelayMs: opts.retryBaseDelayMs } : {}) };
    this.transport = new Transport(host, Math.max(8, (opts.concurrency ?? 3) * 2));
    this.onEvent = opts.onEvent ?? ignoreEvents;
    this.signal = opts.signal;
    this.auth = new Authorizer(credentials, (url, headers) => this.fetchToken(url, headers), this.ctx);
  }

  close(): void {
    this.transport.close();
  }

  /** The base URL (scheme://endpoint), found by GET /v2/ over https, then http where allowed. */
  baseUrl(): Promise<URL> {
    this.pinged ??= this.ping();
    return this.pinged;
  }

  private async ping(): Promise<URL> {
    let reported: { err: unknown; url: URL } | undefined;
    for (let attempt = 1; ; attempt++) {
      let retryable = false;
      for (const scheme of this.host.schemes) {
        const url = new URL(`${scheme}://${this.host.endpoint}/v2/`);
        try {
          const res = await this.transport.send({ method: 'GET', url, ...(this.signal ? { signal: this.signal } : {}) });
          discard(res);
          // Over plain HTTP, only a registry's answer counts when https is an option: a TLS
          // server answers HTTP with a 400.
          if (scheme === 'http' && this.host.schemes.length > 1 && res.status !== 200 && res.status !== 401) continue;
          if (res.status === 401) this.auth.setChallenge(header(res, 'www-authenticate'));
          return new URL(`${scheme}://${this.host.endpoint}`);
        } catch (err) {
          if (this.signal?.aborted) throw err;
          // The https failure explains more (an unknown CA, say) than a refused plain-HTTP try.
          if (!reported || scheme === 'https') reported = { err, url };
          // Nothing listening on this machine's own port will not start listening in a second:
          // a refused loopback connection fails at once instead of retrying for seconds.
          retryable ||= isRetryableError(err) && !(errnoCode(err) === 'ECONNREFUSED' && isLoopbackHost(this.host.host));
        }
      }
      if (!retryable || attempt >= this.retry.attempts) throw connectionError(reported?.err, reported?.url ?? new URL(`https://${this.host.endpoint}`), this.ctx);
      await this.wait('ping', attempt, backoffDelay(attempt, this.retry), errorMessage(reported?.err));
    }
  }

  private async wait(what: string, attempt: number, delayMs: number, reason: string): Promise<void> {
    this.onEvent({ type: 'retry', what, attempt, delayMs, reason });
    await sleep(delayMs, this.signal);
  }

  /** Sends a request with auth, redirects (GET/HEAD) and, unless told otherwise, retries. */
  async request(r: RegistryRequest): Promise<HttpResponse> {
    const base = await this.baseUrl();
    let url = typeof r.path === 'string' ? new URL(r.path, base) : r.path;
    let failures = 0;
    let authRetried = false;
    let redirects = 0;
    const retry = r.retry !== false;
    for (;;) {
      const own = url.origin === base.origin;
      const authorization = own ? await this.auth.authorization(r.scopes) : undefined;
      let res: HttpResponse;
      try {
        res = await this.transport.send({
          method: r.method,
          url,
          headers: { ...r.headers, ...(authorization ? { Authorization: authorization } : {}) },
          ...(r.body !== undefined ? { body: r.body } : {}),
          ...(this.signal ? { signal: this.signal } : {}),
        });
      } catch (err) {
        failures++;
        if (retry && !this.signal?.aborted && isRetryableError(err) && failures < this.retry.attempts) {
          await this.wait(r.what, failures, backoffDelay(failures, this.retry), errorMessage(err));
          continue;
        }
        throw connectionError(err, url, this.ctx);
      }
      if (res.status === 401 && own && !authRetried) {
        authRetried = true;
        this.auth.invalidate(r.scopes);
        if (this.auth.setChallenge(header(res, 'www-authenticate')) && this.auth.canAnswer()) {
          discard(res);
          continue;
        }
        return res;
      }
      if (retry && isRetryableStatus(res.status) && failures + 1 < this.retry.attempts) {
        failures++;
        const delay = parseRetryAfter(header(res, 'retry-after')) ?? backoffDelay(failures, this.retry);
        if (delay <= MAX_RETRY_AFTER_MS) {
          discard(res);
          await this.wait(r.what, failures, delay, `registry returned ${res.status}`);
          continue;
        }
      }
      const location = header(res, 'location');
      if (REDIRECTS.has(res.status) && location && (r.method === 'GET' || r.method === 'HEAD') && redirects < MAX_REDIRECTS) {
        redirects++;
        discard(res);
        url = new URL(location, url);
        continue;
      }
      return res;
    }
  }

  /** An error for an answer the caller did not expect. */
  fail(res: HttpResponse): Promise<HullError> {
    return responseError(res, this.ctx);
  }

  private async fetchToken(url: URL, headers: Record<string, string>): Promise<{ status: number; body: Buffer }> {
    for (let attempt = 1; ; attempt++) {
      let res: HttpResponse;
      try {
        res = await this.transport.send({ method: 'GET', url, headers, ...(this.signal ? { signal: this.signal } : {}) });
      } catch (err) {
        if (isRetryableError(err) && attempt < this.retry.attempts) {
          await this.wait('token', attempt, backoffDelay(attempt, this.retry), errorMessage(err));
          continue;
        }
        throw connectionError(err, url, this.ctx);
      }
      if (isRetryableStatus(res.status) && attempt < this.retry.attempts) {
        discard(res);
        await this.wait('token', attempt, parseRetryAfter(header(res, 'retry-after')) ?? backoffDelay(attempt, this.retry), `token server returned ${res.status}`);
        continue;
      }
      return { status: res.status, body: await readBody(res, 1 << 20) };
    }
  }

  /** `hull login`: checks that the credentials open /v2/ (a token for no scope, or Basic). */
  async checkLogin(): Promise<void> {
    const res = await this.request({ method: 'GET', path: '/v2/', scopes: [], what: 'login' });
    if (res.status === 200) {
      discard(res);
      return;
    }
    throw await this.fail(res);
  }

  /** GET a manifest by tag or digest; the bytes are checked against the digest when one is known. */
  async getManifest(repository: string, reference: string, scopes: readonly string[]): Promise<FetchedManifest> {
    const res = await this.request({ method: 'GET', path: `/v2/${repository}/manifests/${reference}`, scopes, headers: { Accept: MANIFEST_ACCEPT }, what: `manifest ${reference}` });
    if (res.status !== 200) throw await this.fail(res);
    let bytes: Buffer;
    try {
      bytes = await readBody(res, MAX_MANIFEST_BYTES);
    } catch (err) {
      throw new HullError('LIMIT_EXCEEDED', `Cannot ${this.ctx.action}: the manifest is larger than ${MAX_MANIFEST_BYTES} bytes`, { cause: err });
    }
    const digest = sha256(bytes);
    const expected = reference.includes(':') ? reference : header(res, 'docker-content-digest');
    if (expected !== undefined && expected.startsWith('sha256:') && expected !== digest) {
      throw new HullError('INVALID_DIGEST', `Cannot ${this.ctx.action}: the manifest has digest ${digest}, but the registry promised ${expected}`, {
        hint: 'the registry or something between it and hull changed the content; nothing was stored',
      });
    }
    const mediaType = (header(res, 'content-type') ?? '').split(';')[0]?.trim() ?? '';
    return { bytes, mediaType, digest };
  }

  /**
   * Opens a blob for reading from `offset` (a Range request when > 0). Returns where the body
   * really starts: 0 when the registry ignored the Range.
   */
  async openBlob(repository: string, digest: Digest, offset: number, scopes: readonly string[]): Promise<{ body: Readable; start: number }> {
    const res = await this.request({
      method: 'GET',
      path: `/v2/${repository}/blobs/${digest}`,
      scopes,
      headers: offset > 0 ? { Range: `bytes=${offset}-` } : {},
      what: `blob ${digest}`,
    });
    if (res.status === 200) return { body: res.body, start: 0 };
    if (res.status === 206) {
      const m = /^bytes (\d+)-/.exec(header(res, 'content-range') ?? '');
      return { body: res.body, start: m ? Number(m[1]) : offset };
    }
    throw await this.fail(res);
  }

  async blobExists(repository: string, digest: Digest, scopes: readonly string[]): Promise<boolean> {
    const res = await this.request({ method: 'HEAD', path: `/v2/${repository}/blobs/${digest}`, scopes, what: `blob ${digest}` });
    discard(res);
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw await this.fail(res);
  }

  /**
   * POST an upload (distribution-spec "pushing blobs"). With `mountFrom`, asks for a cross-repository
   * mount first: 201 means the blob is now in `repository`; 202 means an ordinary upload started.
   */
  async startUpload(repository: string, scopes: readonly string[], mountFrom?: { digest: Digest; from: string }): Promise<{ mounted: true } | { mounted: false; location: URL }> {
    const query = mountFrom ? `?mount=${encodeURIComponent(mountFrom.digest)}&from=${encodeURIComponent(mountFrom.from)}` : '';
    const res = await this.request({ method: 'POST', path: `/v2/${repository}/blobs/uploads/${query}`, scopes, headers: { 'Content-Length': '0' }, what: 'upload' });
    if (res.status === 201 && mountFrom) {
      discard(res);
      return { mounted: true };
    }
    const location = header(res, 'location');
    if (res.status === 202 && location) {
      discard(res);
      return { mounted: false, location: new URL(location, res.url) };
    }
    throw await this.fail(res);
  }

  /** PATCH one chunk at `start`; returns the next upload location. */
  async uploadChunk(location: URL, scopes: readonly string[], body: HttpRequest['body'], start: number, length: number): Promise<URL> {
    const res = await this.request({
      method: 'PATCH',
      path: location,
      scopes,
      body,
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(length), 'Content-Range': `${start}-${start + length - 1}` },
      what: 'upload chunk',
      retry: false,
    });
    const next = header(res, 'location');
    if (res.status === 202 && next) {
      discard(res);
      return new URL(next, location);
    }
    throw await this.fail(res);
  }

  /** PUT ?digest= closes an upload, with the whole blob as the body (monolithic) or with none. */
  async finishUpload(location: URL, scopes: readonly string[], digest: Digest, body?: HttpRequest['body'], length = 0): Promise<void> {
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    const res = await this.request({
      method: 'PUT',
      path: url,
      scopes,
      ...(body !== undefined ? { body } : {}),
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(length) },
      what: `blob ${digest}`,
      retry: false,
    });
    if (res.status === 201 || res.status === 204) {
      discard(res);
      return;
    }
    throw await this.fail(res);
  }

  async putManifest(repository: string, reference: string, scopes: readonly string[], bytes: Buffer, mediaType: string): Promise<Digest> {
    const res = await this.request({ method: 'PUT', path: `/v2/${repository}/manifests/${reference}`, scopes, body: bytes, headers: { 'Content-Type': mediaType }, what: `manifest ${reference}` });
    if (res.status !== 201 && res.status !== 200) throw await this.fail(res);
    discard(res);
    return sha256(bytes);
  }
}
