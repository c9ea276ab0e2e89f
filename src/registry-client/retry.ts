/**
 * When and how long to wait before trying a registry request again: 429 and 5xx answers and
 * dropped connections are retried with exponential backoff and jitter, honouring Retry-After
 * (distribution-spec: a registry MAY send it with 429), within a bounded number of attempts.
 */
import { errnoCode } from '../errors.js';

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 250, maxDelayMs: 10_000 };
/** A Retry-After longer than this is not waited for: the error is reported instead. */
export const MAX_RETRY_AFTER_MS = 120_000;

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status !== 501 && status !== 505);
}

const RETRYABLE_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNABORTED',
  'ERR_STREAM_PREMATURE_CLOSE', 'HPE_INVALID_CONSTANT', 'UND_ERR_SOCKET', 'ERR_HTTP_REQUEST_TIMEOUT',
]);

/** A failure of the connection (not of TLS verification, not an abort by the caller). */
export function isRetryableError(err: unknown): boolean {
  if (err instanceof Error && err.name === 'AbortError') return false;
  const code = errnoCode(err);
  if (code !== undefined && RETRYABLE_CODES.has(code)) return true;
  return err instanceof Error && /socket hang up|aborted|premature close/i.test(err.message);
}

/** Milliseconds a Retry-After header asks for (seconds or an HTTP date); undefined when absent or bad. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Backoff for attempt n (1-based): base * 2^(n-1), capped, with +-20% jitter. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random = Math.random): number {
  const raw = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(raw * (0.8 + 0.4 * random()));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
