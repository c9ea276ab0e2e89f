/**
 * GET /ui, /ui/app.js, /ui/app.css: the web UI's static files. They need no credentials (they hold
 * no data); the page then calls the registry's API, where the usual auth applies. A strict CSP
 * allows only these same-origin files: no inline script, no other origin.
 */
import type { ServerResponse } from 'node:http';
import { HullError } from '../../errors.js';
import { APP_JS } from './app-js.js';
import { APP_CSS, INDEX_HTML } from './assets.js';

const FILES: Record<string, { type: string; body: string }> = {
  '/ui': { type: 'text/html; charset=utf-8', body: INDEX_HTML },
  '/ui/': { type: 'text/html; charset=utf-8', body: INDEX_HTML },
  '/ui/app.js': { type: 'text/javascript; charset=utf-8', body: APP_JS },
  '/ui/app.css': { type: 'text/css; charset=utf-8', body: APP_CSS },
};

export function isUiPath(path: string): boolean {
  return path === '/ui' || path.startsWith('/ui/');
}

export function serveUi(path: string, method: string, res: ServerResponse): void {
  const file = FILES[path];
  if (!file) throw new HullError('NOT_FOUND', `Cannot find "${path}" in the web UI`);
  if (method !== 'GET' && method !== 'HEAD') throw new HullError('METHOD_NOT_ALLOWED', `Cannot ${method} "${path}": the web UI is read-only`);
  res.statusCode = 200;
  res.setHeader('Content-Type', file.type);
  res.setHeader('Content-Length', Buffer.byteLength(file.body));
  res.setHeader('Content-Security-Policy', "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-cache');
  res.end(method === 'HEAD' ? undefined : file.body);
}
