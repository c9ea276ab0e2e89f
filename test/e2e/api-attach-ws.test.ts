/**
 * `GET /containers/{id}/attach/ws` with a real WebSocket client (the `ws` package, as browser-side
 * tools use the endpoint): stdin messages reach the container, stdout and stderr come back raw in
 * binary messages (text ones for API < 1.28), logs are replayed, closing the socket ends stdin;
 * a plain GET is a 400 and an unknown container a 404.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import Docker from 'dockerode';
import { WebSocket } from 'ws';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';
import { startApiService, type ApiService } from '../../src/testing/api-service.js';

let env: HullEnv;
let api: ApiService;
before(async () => {
  env = await hullWithBusybox();
  api = await startApiService(env);
});
after(async () => {
  await api.stop();
  await env.cleanup();
});

function open(path: string): Promise<{ ws: WebSocket; messages: Array<{ text: string; binary: boolean }>; closed: Promise<void> }> {
  const ws = new WebSocket(`ws+unix://${api.socket}:${path}`);
  const messages: Array<{ text: string; binary: boolean }> = [];
  ws.on('message', (data: Buffer, binary: boolean) => messages.push({ text: data.toString(), binary }));
  const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, messages, closed }));
    ws.once('error', reject);
  });
}

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 600 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(ok(), what);
}

test('stdin in, stdout and stderr out in binary messages; closing the socket ends a StdinOnce container\'s stdin', async () => {
  // StdinOnce: the client's close is the container's EOF (a `docker run -d -i` container's stdin stays open instead).
  const docker = new Docker({ socketPath: api.socket });
  const created = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'while read l; do echo "out $l"; echo "err $l" >&2; done; echo bye'], OpenStdin: true, StdinOnce: true, HostConfig: { NetworkMode: 'none' } });
  await created.start();
  const id = created.id;
  const { ws, messages, closed } = await open(`/v1.47/containers/${id}/attach/ws?stream=1&stdin=1&stdout=1&stderr=1`);
  ws.send('hello\n');
  const text = () => messages.map((m) => m.text).join('');
  await until('both streams answered', () => text().includes('out hello\n') && text().includes('err hello\n'));
  assert.ok(messages.every((m) => m.binary), 'binary messages from API 1.28 on');
  ws.close();
  await closed;
  assert.equal((await api.dockerOk(['wait', id])).trim(), '0', 'stdin ended with the socket, so the loop ended');
  assert.match(await api.dockerOk(['logs', id]), /bye/);
  // logs=1 replays what the container wrote; an old client gets text messages.
  const replay = await open(`/v1.27/containers/${id}/attach/ws?logs=1&stdout=1`);
  await replay.closed;
  assert.match(replay.messages.map((m) => m.text).join(''), /out hello\nbye\n/);
  assert.ok(replay.messages.every((m) => !m.binary), 'text messages before API 1.28');
});

test('closing the socket leaves the stdin of a `run -d -i` container open for the next attach, as dockerd does', async () => {
  const id = (await api.dockerOk(['run', '-d', '-i', '--network', 'none', 'busybox', 'sh', '-c', 'while read l; do echo "got $l"; done'])).trim();
  try {
    for (const line of ['first', 'second']) {
      const { ws, messages, closed } = await open(`/v1.47/containers/${id}/attach/ws?stream=1&stdin=1&stdout=1`);
      ws.send(`${line}\n`);
      await until(`the answer to ${line}`, () => messages.map((m) => m.text).join('').includes(`got ${line}\n`));
      ws.close();
      await closed;
      assert.equal((await api.dockerOk(['inspect', '-f', '{{.State.Status}}', id])).trim(), 'running');
    }
  } finally {
    await api.dockerOk(['rm', '-f', id]);
  }
});

test('a GET that is not a WebSocket upgrade is a 400; an unknown container a 404', async () => {
  const get = (path: string) => new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ socketPath: api.socket, path }, (res) => {
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
  const id = (await api.dockerOk(['create', '--network', 'none', 'busybox', 'true'])).trim();
  const plain = await get(`/containers/${id}/attach/ws?stream=1&stdout=1`);
  assert.equal(plain.status, 400);
  assert.match(plain.body, /not a WebSocket upgrade/);
  await assert.rejects(open('/containers/nosuch/attach/ws?stream=1&stdout=1'), /404/);
});
