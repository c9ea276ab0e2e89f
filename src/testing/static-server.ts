/**
 * A static file server on loopback for tests of what hull fetches by URL: git's dumb HTTP
 * protocol (a bare repository's files after `git update-server-info`), context archives and
 * ADD downloads. Files only, never outside `root`; a fixed Last-Modified so ADD's mtime is checked.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, normalize } from 'node:path';

export const STATIC_LAST_MODIFIED = 'Tue, 01 Dec 2026 10:00:00 GMT';

export async function serveDirectory(root: string): Promise<{ server: Server; base: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = join(root, path);
    if (path.includes('..') || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'last-modified': STATIC_LAST_MODIFIED });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => new Promise((r) => server.close(() => r())) };
}
