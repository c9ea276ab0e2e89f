/**
 * The cross-check of issue 18, as root: the three-tier file of compose.test.ts run by Debian's
 * docker-compose through hull's Docker API socket answers the same page, and `hull compose`
 * reads back what docker-compose made (both go by the com.docker.compose labels).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { hullWithBusybox } from '../../src/testing/hull-cli.js';
import { runProcess, startApiService } from '../../src/testing/api-service.js';

const COMPOSE = (port: number) => `
services:
  web:
    image: busybox
    init: true
    command: httpd -f -p 80 -h /www
    volumes: ["./web:/www:ro"]
    ports: ["${port}:80"]
    depends_on: [app]
  app:
    image: busybox
    init: true
    command: httpd -f -p 80 -h /www
    volumes: ["./app:/www:ro"]
    environment: {GREETING: hello}
    depends_on: [db]
  db:
    image: busybox
    init: true
    command: sh -c '[ -f /data/index.html ] || echo v1 > /data/index.html; exec httpd -f -p 80 -h /data'
    volumes: [data:/data]
volumes:
  data:
`;

const cgi = (body: string) => `#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\n${body}\n`;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function page(port: number): Promise<string> {
  for (let i = 0; ; i++) {
    try {
      return await new Promise<string>((resolve, reject) => {
        get(`http://127.0.0.1:${port}/cgi-bin/index.cgi`, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(body.trim()));
        }).on('error', reject);
      });
    } catch (err) {
      if (i > 200) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

test('the same compose file through hull\'s API socket with docker-compose; hull compose reads back its project', async () => {
  const env = await hullWithBusybox();
  const api = await startApiService(env);
  try {
    const dir = join(env.dir, 'shop');
    mkdirSync(join(dir, 'app/cgi-bin'), { recursive: true });
    mkdirSync(join(dir, 'web/cgi-bin'), { recursive: true });
    const port = await freePort();
    writeFileSync(join(dir, 'docker-compose.yml'), COMPOSE(port));
    writeFileSync(join(dir, 'app/cgi-bin/index.cgi'), cgi('echo "$GREETING, app sees: $(wget -qO- http://db/)"'));
    writeFileSync(join(dir, 'web/cgi-bin/index.cgi'), cgi('echo "web -> $(wget -qO- http://app/cgi-bin/index.cgi)"'));
    chmodSync(join(dir, 'app/cgi-bin/index.cgi'), 0o755);
    chmodSync(join(dir, 'web/cgi-bin/index.cgi'), 0o755);
    const dc = (args: string[]) => runProcess(['docker-compose', ...args], { cwd: dir, env: api.clientEnv });
    const up = await dc(['up', '-d']);
    assert.equal(up.code, 0, up.stderr);
    assert.equal(await page(port), 'web -> hello, app sees: v1');
    const ps = JSON.parse((await env.ok(['compose', '-f', join(dir, 'docker-compose.yml'), 'ps', '--format', 'json']))) as Array<{ Service: string; State: string }>;
    assert.deepEqual(ps.map((c) => [c.Service, c.State]).sort(), [['app', 'running'], ['db', 'running'], ['web', 'running']], 'hull compose finds docker-compose\'s containers by their labels');
    const down = await dc(['down', '-v']);
    assert.equal(down.code, 0, down.stderr);
    assert.equal((await env.ok(['ps', '-aq'])).trim(), '');
    assert.equal((await env.ok(['volume', 'ls', '-q'])).trim(), '');
  } finally {
    await api.stop();
    await env.cleanup();
  }
});
