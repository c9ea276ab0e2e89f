/**
 * Registry answers and connection failures as HullErrors that say what to do. The registry's own
 * error code (distribution-spec spec.md#error-codes) is quoted, the HullError code is what front
 * ends branch on.
 */
import { HullError, errnoCode, errorMessage, type ErrorCode } from '../errors.js';
import { readBody, type HttpResponse } from './transport.js';

export interface ErrorContext {
  /** `pull "localhost:5000/app:1"`: completes "Cannot ...". */
  action: string;
  /** host[:port] as the user wrote it, for hints such as `hull login HOST`. */
  host: string;
  /** Whether credentials were sent (a 401 then means they were refused). */
  hadCredentials?: boolean;
}

interface RegistryErrorBody {
  code: string;
  message: string;
}

export function parseErrorBody(body: Buffer): RegistryErrorBody | undefined {
  try {
    const doc = JSON.parse(body.toString('utf8')) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    const first = doc.errors?.[0];
    if (first && typeof first.code === 'string') return { code: first.code, message: typeof first.message === 'string' ? first.message : '' };
  } catch {
    // not JSON: the status alone speaks
  }
  return undefined;
}

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'INVALID_FORMAT', 401: 'UNAUTHORIZED', 403: 'DENIED', 404: 'NOT_FOUND', 405: 'UNSUPPORTED', 413: 'LIMIT_EXCEEDED', 415: 'UNSUPPORTED',
  416: 'RANGE_INVALID', 429: 'TOO_MANY_REQUESTS',
};

function hintFor(status: number, registryCode: string | undefined, ctx: ErrorContext): string | undefined {
  if (status === 401) {
    return ctx.hadCredentials ? `the registry refused the stored credentials: run "hull login ${ctx.host}" again` : `run "hull login ${ctx.host}"`;
  }
  if (status === 403) return `the account has no access to this repository: check the name, or run "hull login ${ctx.host}" as a user with access`;
  if (status === 404) {
    if (registryCode === 'MANIFEST_UNKNOWN') return 'check the tag or digest: the repository has no such manifest';
    if (registryCode === 'NAME_UNKNOWN') return 'check the repository name (and that you are logged in, for private repositories)';
    return 'check the image name, tag and registry';
  }
  if (status === 429) return 'the registry limits requests: wait and try again, or log in for a higher limit';
  if (status >= 500) return 'the registry failed; try again later, or check its logs';
  return undefined;
}

export function statusError(status: number, body: Buffer, ctx: ErrorContext): HullError {
  const parsed = parseErrorBody(body);
  const code = STATUS_CODES[status] ?? (status >= 500 ? 'UNAVAILABLE' : 'INTERNAL');
  const detail = parsed ? ` ${parsed.code}${parsed.message ? ` (${parsed.message})` : ''}` : ` ${defaultReason(status)}`;
  const hint = hintFor(status, parsed?.code, ctx);
  return new HullError(code, `Cannot ${ctx.action}: registry returned ${status}${detail}`, hint ? { hint } : {});
}

function defaultReason(status: number): string {
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'DENIED';
  if (status === 404) return 'NOT_FOUND';
  if (status === 429) return 'TOOMANYREQUESTS';
  return '';
}

/** Reads the body of a failed answer and turns it into an error. */
export async function responseError(res: HttpResponse, ctx: ErrorContext): Promise<HullError> {
  let body: Buffer = Buffer.alloc(0);
  try {
    body = await readBody(res, 64 << 10);
  } catch {
    // a broken error body still has a status
  }
  return statusError(res.status, body, ctx);
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|EPROTO|ERR_SSL/;

export function connectionError(err: unknown, url: URL, ctx: ErrorContext): HullError {
  if (err instanceof HullError) return err;
  const code = errnoCode(err) ?? '';
  if (TLS_CODES.test(code)) {
    return new HullError('UNAVAILABLE', `Cannot ${ctx.action}: TLS connection to ${url.host} failed (${errorMessage(err)})`, {
      cause: err,
      hint: `put the registry's CA certificate in /etc/containers/certs.d/${ctx.host}/ca.crt, or use --tls-verify=false for a registry you trust`,
    });
  }
  return new HullError('UNAVAILABLE', `Cannot ${ctx.action}: cannot reach ${url.origin} (${code || errorMessage(err)})`, {
    cause: err,
    hint: 'check that the registry is running and that the name and port are right',
  });
}
