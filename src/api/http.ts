/**
 * The small HTTP vocabulary every handler uses: read a bounded JSON body, read typed query
 * parameters (each failure names the parameter: a 400, never a crash), send JSON, send Docker's
 * `{"message": ...}` errors with the status codes clients branch on.
 *
 * Docker's API reference: https://docs.docker.com/reference/api/engine/version/v1.47/
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { HullError, errorMessage, isHullError } from '../errors.js';
import type { Engine } from '../engine/engine.js';
import type { RegistryOptions } from './core.js';
import type { ApiState } from './attach-exec.js';

/** Bodies larger than this are refused with 413 (JSON requests are small; tars are streamed). */
export const MAX_JSON_BODY = 4 * 1024 * 1024;

export interface ApiRequest {
  req: IncomingMessage;
  res: ServerResponse;
  /** Path parameters from the route pattern, URL-decoded. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** The client's API version: from the /v1.NN prefix, else the highest this server speaks. */
  version: string;
  engine: Engine;
  /** The service's registry settings (insecure registries, auth file); a request adds its credentials. */
  registry: RegistryOptions;
  /** What the service keeps between requests (exec instances). */
  state: ApiState;
  /** Aborted when the client goes away: long operations stop and clean up. */
  signal: AbortSignal;
  /** Set for a request that asked to take over the connection (`Upgrade: tcp`). */
  hijack?: { socket: Duplex; head: Buffer };
}

export type Handler = (r: ApiRequest) => Promise<void> | void;

/** Control characters from untrusted input are escaped before they appear in a message. */
export function quote(s: string): string {
  return JSON.stringify(s.length > 200 ? `${s.slice(0, 200)}...` : s);
}

export function badParameter(message: string): HullError {
  return new HullError('INVALID_ARGUMENT', message);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendNoContent(res: ServerResponse, status = 204): void {
  res.writeHead(status);
  res.end();
}

/** The HTTP status for an error: HullError's table, else 500. */
export function statusOf(err: unknown): number {
  if (isHullError(err)) return err.httpStatus === 415 ? 400 : err.httpStatus;
  return 500;
}

/** Docker's error body: the message, and hull's hint after it (clients print the message whole). */
export function errorBody(err: unknown): { message: string } {
  if (isHullError(err)) return { message: err.hint ? `${err.message} (hint: ${err.hint})` : err.message };
  return { message: errorMessage(err) };
}

export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, statusOf(err), errorBody(err));
}

/** Reads the body as text, refusing more than `limit` bytes (413) before buffering it. */
export async function readBody(req: IncomingMessage, limit = MAX_JSON_BODY): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  // The rest of a refused body is read and dropped, never kept: closing on unread data would reset
  // the connection before the client reads the 413.
  const refuse = () => req.resume();
  if (declared > limit) refuse();
  if (declared > limit) throw new HullError('LIMIT_EXCEEDED', `Cannot read the request body: ${declared} bytes is more than the ${limit} allowed`);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > limit) refuse();
    if (total > limit) throw new HullError('LIMIT_EXCEEDED', `Cannot read the request body: more than the ${limit} bytes allowed`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A JSON object body; an empty body is `{}` (docker clients send none for some POSTs). */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badParameter(`Cannot read the request body: invalid JSON (${errorMessage(err)})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badParameter('Cannot read the request body: expected a JSON object');
  return value as Record<string, unknown>;
}

/** Docker's boolean query values: 1/true/True, 0/false/False; absent -> the default. */
/** A header holding base64 (standard or URL-safe) JSON of an object, as X-Registry-Auth and X-Registry-Config are; undefined when absent. */
export function base64JsonHeader(header: string | string[] | undefined, name: string): Record<string, unknown> | undefined {
  if (typeof header !== 'string' || header === '') return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(header.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
  } catch {
    throw badParameter(`Cannot read header "${name}": expected base64-encoded JSON`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw badParameter(`Cannot read header "${name}": expected a JSON object`);
  return doc as Record<string, unknown>;
}

export function queryBool(q: URLSearchParams, name: string, dflt = false): boolean {
  const v = q.get(name);
  if (v === null || v === '') return dflt;
  if (['1', 'true', 'True', 'TRUE'].includes(v)) return true;
  if (['0', 'false', 'False', 'FALSE'].includes(v)) return false;
  throw badParameter(`Cannot read query parameter "${name}": ${quote(v)} is not a boolean (expected 1, 0, true or false)`);
}

export function queryInt(q: URLSearchParams, name: string, opts: { min?: number; max?: number } = {}): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw badParameter(`Cannot read query parameter "${name}": ${quote(v)} is not a whole number`);
  const n = Number(v);
  if ((opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max)) {
    throw badParameter(`Cannot read query parameter "${name}": ${n} is outside ${opts.min ?? '-inf'}..${opts.max ?? 'inf'}`);
  }
  return n;
}

/** A query parameter that must be present and non-empty. */
export function queryRequired(q: URLSearchParams, name: string): string {
  const v = q.get(name);
  if (v === null || v === '') throw badParameter(`Cannot handle the request: query parameter "${name}" is required`);
  return v;
}

/**
 * Docker's `filters` parameter: JSON `{"key": ["v1", "v2"]}` (or the older `{"key": {"v1": true}}`).
 * Keys outside `allowed` are refused, as dockerd refuses them ("invalid filter").
 */
export function parseFilters(q: URLSearchParams, allowed: readonly string[]): Map<string, string[]> {
  const raw = q.get('filters');
  const out = new Map<string, string[]>();
  if (raw === null || raw === '') return out;
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch {
    throw badParameter(`Cannot read query parameter "filters": invalid JSON ${quote(raw)}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw badParameter('Cannot read query parameter "filters": expected a JSON object such as {"label":["a=b"]}');
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    if (!allowed.includes(key)) throw badParameter(`Cannot read query parameter "filters": invalid filter ${quote(key)} (${allowed.length > 0 ? `this endpoint takes ${allowed.join(', ')}` : 'this endpoint takes none'})`);
    let values: unknown[];
    if (Array.isArray(value)) values = value;
    else if (value !== null && typeof value === 'object') values = Object.entries(value as Record<string, unknown>).filter(([, on]) => on === true).map(([k]) => k);
    else throw badParameter(`Cannot read query parameter "filters": the values of ${quote(key)} must be a list of strings`);
    if (!values.every((v): v is string => typeof v === 'string')) throw badParameter(`Cannot read query parameter "filters": the values of ${quote(key)} must be strings`);
    out.set(key, values);
  }
  return out;
}

/** Reads a field of a decoded body with a type check that names the field. */
export function field<T extends 'string' | 'number' | 'boolean' | 'object'>(
  body: Record<string, unknown>,
  name: string,
  type: T,
): (T extends 'string' ? string : T extends 'number' ? number : T extends 'boolean' ? boolean : Record<string, unknown>) | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  const ok = type === 'object' ? typeof v === 'object' && !Array.isArray(v) : typeof v === type;
  if (!ok) throw badParameter(`Cannot read field "${name}" of the request body: expected ${type === 'object' ? 'an object' : `a ${type}`}, got ${Array.isArray(v) ? 'an array' : typeof v}`);
  return v as never;
}

/** A JSON-lines stream (pull progress, build output, events): chunked, flushed per message. */
export function startJsonStream(res: ServerResponse, status = 200): (message: unknown) => void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.flushHeaders();
  return (message) => {
    if (!res.writableEnded && !res.destroyed) res.write(JSON.stringify(message) + '\n');
  };
}

/** Control characters become '?' (a name from the client, shown in a message). */
export function printable(s: string): string {
  return [...s].map((c) => (c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127 ? '?' : c)).join('');
}

/** Maps NOT_FOUND to Docker's wording (docker-py matches "No such image" before it pulls). */
export async function orNoSuch<T>(kind: 'image' | 'container' | 'network' | 'volume' | 'exec instance', name: string, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isHullError(err, 'NOT_FOUND')) throw new HullError('NOT_FOUND', `No such ${kind}: ${printable(name)}`, { cause: err });
    throw err;
  }
}
