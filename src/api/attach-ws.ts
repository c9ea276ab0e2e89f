/**
 * `GET /containers/{id}/attach/ws`: attach over a WebSocket, for browsers and tools that cannot
 * hijack a connection. Output goes out raw (never multiplexed: a WebSocket keeps no stream id), as
 * binary messages from API 1.28 on (text before, as dockerd does); each message the client sends is
 * written to the container's stdin, and its close ends stdin. The query is attach's: logs, stream,
 * stdin, stdout, stderr, detachKeys.
 */
import { PassThrough, Writable } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { badParameter, queryBool, type ApiRequest } from './http.js';
import { detachKeysQuery } from './attach-exec.js';
import { getContainer } from './containers.js';

// No compression (a terminal's bytes gain little and cost CPU); a message of stdin is at most 1 MiB.
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 1 << 20 });

const binaryFrom = (version: string) => {
  const [major, minor] = version.split('.').map(Number);
  return (major ?? 1) > 1 || (minor ?? 0) >= 28;
};

export async function attachWebSocket(r: ApiRequest): Promise<void> {
  const q = r.query;
  const [stream, logs, stdin, stdout, stderr] = ['stream', 'logs', 'stdin', 'stdout', 'stderr'].map((n) => queryBool(q, n));
  const keys = detachKeysQuery(q);
  if (!r.hijack || String(r.req.headers.upgrade).toLowerCase() !== 'websocket') throw badParameter('Cannot attach over a WebSocket: the request is not a WebSocket upgrade');
  const c = await getContainer(r.engine, r.params.id as string);
  const { socket, head } = r.hijack;
  r.res.detachSocket(socket as never);
  const ws = await new Promise<WebSocket>((resolve) => wss.handleUpgrade(r.req, socket as never, head, resolve));
  const binary = binaryFrom(r.version);
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (ws.readyState !== ws.OPEN) return done();
      ws.send(chunk, { binary }, () => done());
    },
  });
  const sink = () => new PassThrough().resume();
  if (logs) {
    await r.engine.containers.logs(c.Id, {}, (rec) => {
      if (rec.stream === 'stdout' ? stdout : stderr) out.write(Buffer.from(rec.text));
    });
  }
  // What was written goes out before the close frame.
  const finish = async () => {
    await new Promise<void>((resolve) => out.end(resolve));
    if (ws.readyState === ws.OPEN) ws.close(1000);
  };
  if (!stream) return finish();
  let input: PassThrough | undefined;
  if (stdin) {
    input = new PassThrough();
    ws.on('message', (data: Buffer) => input?.write(data));
    ws.on('close', () => input?.end());
  }
  const gone = new AbortController();
  ws.on('close', () => gone.abort());
  try {
    const attachment = await r.engine.containers.attach(c.Id, { stdout: stdout ? out : sink(), stderr: stderr ? out : sink(), ...(input ? { stdin: input } : {}), ...(keys ? { detachKeys: keys } : {}) }, AbortSignal.any([r.signal, gone.signal]));
    gone.signal.addEventListener('abort', () => attachment.close(), { once: true });
    r.signal.addEventListener('abort', () => attachment.close(), { once: true });
    await attachment.done;
  } catch {
    // The container could not be attached (it is gone) or the client left: the socket just closes.
  }
  await finish();
}
