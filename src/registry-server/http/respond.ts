/**
 * Response helpers: the spec's error body, JSON, and the headers every /v2 response carries
 * (distribution-spec spec.md#error-codes: {"errors":[{"code","message","detail"}]}).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERROR_CODES, HullError, isHullError, errorMessage } from '../../errors.js';

export const API_VERSION_HEADER = 'Docker-Distribution-API-Version';
export const API_VERSION = 'registry/2.0';

/** Maps any error to an HTTP status and the spec's error body; unknown errors become 500 UNKNOWN. */
export function errorBody(err: unknown): { status: number; body: string; hint?: string } {
  if (isHullError(err)) {
    const entry = ERROR_CODES[err.code];
    const error: Record<string, unknown> = { code: entry.oci, message: err.message };
    if (err.hint) error.detail = { hint: err.hint };
    return { status: entry.http, body: JSON.stringify({ errors: [error] }), ...(err.hint ? { hint: err.hint } : {}) };
  }
  return { status: 500, body: JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'internal error' }] }) };
}

export function sendError(req: IncomingMessage, res: ServerResponse, err: unknown, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy(err instanceof Error ? err : new Error(errorMessage(err)));
    return;
  }
  const { status, body } = errorBody(err);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  for (const [k, v] of Object.entries(extraHeaders)) res.setHeader(k, v);
  // A request whose body we did not read would desync the connection; close it instead.
  if (!req.complete && req.method !== 'GET' && req.method !== 'HEAD') res.setHeader('Connection', 'close');
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function sendJson(req: IncomingMessage, res: ServerResponse, status: number, doc: unknown, contentType = 'application/json; charset=utf-8', headers: Record<string, string> = {}): void {
  const body = JSON.stringify(doc);
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.statusCode = status;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.setHeader('Content-Length', '0');
  res.end();
}

/** Reads a small body (a manifest) with a hard limit; never buffers more than `limit` bytes. */
export async function readBodyLimited(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  const tooLarge = (): HullError =>
    new HullError('MANIFEST_TOO_LARGE', `Cannot accept manifest: it is larger than the ${limit}-byte limit`, { hint: 'raise http.maxManifestBytes in the registry config' });
  if (declared !== undefined && Number(declared) > limit) {
    req.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw tooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

/** Drains and ignores a body so the keep-alive connection stays usable. */
export function drain(req: IncomingMessage): void {
  if (!req.complete) req.resume();
}
