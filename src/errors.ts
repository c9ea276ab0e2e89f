/**
 * HullError: every failure the core reports to a front end.
 *
 * Messages follow `Cannot <action> "<object>": <state>`; the hint says what to do next.
 * Front ends branch on `code`, never on the message. The table below maps each code to the
 * CLI exit code (docker's convention: 125 engine failure, 126 cannot invoke, 127 not found),
 * the HTTP status for the API and registry server, and the OCI distribution error code.
 */

export const ERROR_CODES = {
  INVALID_ARGUMENT: { exit: 125, http: 400, oci: 'UNSUPPORTED' },
  INVALID_REFERENCE: { exit: 125, http: 400, oci: 'NAME_INVALID' },
  INVALID_DIGEST: { exit: 125, http: 400, oci: 'DIGEST_INVALID' },
  INVALID_FORMAT: { exit: 125, http: 400, oci: 'MANIFEST_INVALID' },
  UNSUPPORTED: { exit: 125, http: 415, oci: 'UNSUPPORTED' },
  NOT_FOUND: { exit: 125, http: 404, oci: 'NAME_UNKNOWN' },
  ALREADY_EXISTS: { exit: 125, http: 409, oci: 'DENIED' },
  CONFLICT: { exit: 125, http: 409, oci: 'DENIED' },
  UNSAFE_ARCHIVE: { exit: 125, http: 400, oci: 'BLOB_UPLOAD_INVALID' },
  LIMIT_EXCEEDED: { exit: 125, http: 413, oci: 'SIZE_INVALID' },
  UNAUTHORIZED: { exit: 125, http: 401, oci: 'UNAUTHORIZED' },
  DENIED: { exit: 125, http: 403, oci: 'DENIED' },
  TOO_MANY_REQUESTS: { exit: 125, http: 429, oci: 'TOOMANYREQUESTS' },
  UNAVAILABLE: { exit: 125, http: 503, oci: 'UNAVAILABLE' },
  RUNTIME_FAILED: { exit: 125, http: 500, oci: 'UNKNOWN' },
  PERMISSION_DENIED: { exit: 125, http: 403, oci: 'DENIED' },
  CANNOT_INVOKE: { exit: 126, http: 500, oci: 'UNKNOWN' },
  COMMAND_NOT_FOUND: { exit: 127, http: 500, oci: 'UNKNOWN' },
  INTERNAL: { exit: 125, http: 500, oci: 'UNKNOWN' },
  // Distribution-spec codes the registry server answers with (distribution-spec spec.md#error-codes).
  BLOB_UNKNOWN: { exit: 125, http: 404, oci: 'BLOB_UNKNOWN' },
  BLOB_UPLOAD_UNKNOWN: { exit: 125, http: 404, oci: 'BLOB_UPLOAD_UNKNOWN' },
  BLOB_UPLOAD_INVALID: { exit: 125, http: 400, oci: 'BLOB_UPLOAD_INVALID' },
  RANGE_INVALID: { exit: 125, http: 416, oci: 'BLOB_UPLOAD_INVALID' },
  MANIFEST_UNKNOWN: { exit: 125, http: 404, oci: 'MANIFEST_UNKNOWN' },
  MANIFEST_BLOB_UNKNOWN: { exit: 125, http: 400, oci: 'MANIFEST_BLOB_UNKNOWN' },
  MANIFEST_TOO_LARGE: { exit: 125, http: 413, oci: 'MANIFEST_INVALID' },
  TAG_INVALID: { exit: 125, http: 400, oci: 'TAG_INVALID' },
  SIZE_INVALID: { exit: 125, http: 400, oci: 'SIZE_INVALID' },
  METHOD_NOT_ALLOWED: { exit: 125, http: 405, oci: 'UNSUPPORTED' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface HullErrorOptions {
  hint?: string;
  cause?: unknown;
}

export class HullError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: HullErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HullError';
    this.code = code;
    this.hint = options.hint;
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }
}

export function isHullError(err: unknown, code?: ErrorCode): err is HullError {
  return err instanceof HullError && (code === undefined || err.code === code);
}

/** Node's system errors carry an errno code such as ENOENT; this reads it without casts at call sites. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const MAX_UNTRUSTED = 200;

/**
 * Untrusted text (a name from an image, a registry's JSON, a template) made safe to put in a
 * message: control characters are escaped (see escapeControlChars); over 200 characters it is cut.
 */
export function showUntrusted(s: string): string {
  return escapeControlChars(s.length > MAX_UNTRUSTED ? `${s.slice(0, MAX_UNTRUSTED)}...` : s);
}

/**
 * Escapes what would act on a terminal instead of showing: C0 controls, DEL, C1 controls and the
 * bidirectional overrides that reorder text, as \x1b, \u202e (and \n, \t, \r). With
 * `keepNewlines`, line breaks stay (a message's hint on its own line).
 */
export function escapeControlChars(s: string, keepNewlines = false): string {
  // eslint-disable-next-line no-control-regex -- escaping control characters is the point
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    if (c === '\n') return keepNewlines ? c : '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
