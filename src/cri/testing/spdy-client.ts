/**
 * Test-only: a SPDY/3.1 client for the streaming server, speaking as client-go does (streams named
 * by `streamType`). crictl is the real client (test/e2e/cri-streaming.test.ts); this one runs where
 * crictl is not built and checks the protocol details crictl does not show (the status JSON).
 */
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { SpdySession, type SpdyStream } from '../streaming/spdy-session.js';

export interface SpdyClient { session: SpdySession; protocol: string }

/** Upgrades a POST to the URL; rejects with the status and body when the server refuses. */
export function spdyConnect(url: string, protocols: string[]): Promise<SpdyClient> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': protocols } });
    req.on('upgrade', (res, socket: Socket, head: Buffer) => resolve({ session: new SpdySession(socket, head, true), protocol: String(res.headers['x-stream-protocol-version'] ?? '') }));
    req.on('response', (res) => {
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString()));
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}: ${body.trim()}`), { status: res.statusCode })));
    });
    req.on('error', reject);
    req.end();
  });
}

export const collect = (s: SpdyStream): Promise<string> => new Promise((resolve) => {
  let text = '';
  s.on('data', (b: Buffer) => (text += b.toString()));
  s.on('end', () => resolve(text));
  s.on('close', () => resolve(text));
});

export interface ExecResult { stdout: string; stderr: string; error: string }

export interface StreamSet { stdin?: boolean; stdout?: boolean; stderr?: boolean; tty?: boolean; protocols?: string[] }

/** A remote-command session with its streams open, as client-go opens them for these options. */
export interface RemoteCommandStreams extends SpdyClient {
  error: SpdyStream;
  stdin?: SpdyStream;
  stdout?: SpdyStream;
  stderr?: SpdyStream;
  resize?: SpdyStream;
}

export async function spdyOpenRemoteCommand(url: string, o: StreamSet): Promise<RemoteCommandStreams> {
  const client = await spdyConnect(url, o.protocols ?? ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io']);
  const open = (streamType: string) => client.session.openStream({ streamType });
  return {
    ...client,
    error: open('error'),
    ...(o.stdin ? { stdin: open('stdin') } : {}),
    ...(o.stdout !== false ? { stdout: open('stdout') } : {}),
    ...(o.stderr !== false && !o.tty ? { stderr: open('stderr') } : {}),
    ...(o.tty ? { resize: open('resize') } : {}),
  };
}

/** Runs an exec or attach session: sends `stdin` (then EOF), collects the output and the error stream. */
export async function spdyRemoteCommand(url: string, o: Omit<StreamSet, 'stdin'> & { stdin?: string; resize?: { Width: number; Height: number } }): Promise<ExecResult & { protocol: string }> {
  const s = await spdyOpenRemoteCommand(url, { ...o, stdin: o.stdin !== undefined });
  const results = Promise.all([collect(s.error), s.stdout ? collect(s.stdout) : '', s.stderr ? collect(s.stderr) : '']);
  if (s.resize && o.resize) s.resize.write(JSON.stringify(o.resize));
  s.stdin?.end(o.stdin);
  const [err, out, errOut] = await results;
  return { stdout: out, stderr: errOut, error: err, protocol: s.protocol };
}

/** What a stream has said so far, and a wait (with a generous deadline) until it says `pattern`. */
export function transcript(s: SpdyStream): { text(): string; until(pattern: RegExp): Promise<string> } {
  let text = '';
  s.on('data', (b: Buffer) => (text += b.toString()));
  return {
    text: () => text,
    async until(pattern) {
      for (const deadline = Date.now() + 60_000; !pattern.test(text);) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} in ${JSON.stringify(text)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return text;
    },
  };
}
