/**
 * The CRI streaming server as users reach it (root; runc, conmon, a CNI bridge): a real
 * `hull cri serve`, a real pod sandbox and containers made through the RuntimeService, and every
 * URL from the real Exec, Attach and PortForward RPCs. Driven by crictl (kubernetes-sigs/cri-tools,
 * client-go's SPDY executor, as kubelet's users run it) where scripts/critest.sh has built it, and
 * always by the test SPDY client (src/cri/testing/spdy-client.ts) and a `ws` WebSocket client,
 * which also check what crictl does not show (the v4 status, v2, token reuse).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { WebSocket } from 'ws';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';
import { startCriPods, type CriPod, type CriPods } from '../../src/testing/cri-pods.js';
import type { CriService } from '../../src/testing/cri-service.js';
import { spdyConnect, spdyOpenRemoteCommand, spdyRemoteCommand, transcript } from '../../src/cri/testing/spdy-client.js';
import { criToolMissing, findCriTool } from '../../src/cri/testing/cri-tools.js';

const crictl = findCriTool('crictl');
const noCrictl = crictl ? false : criToolMissing('crictl');

let env: HullEnv;
let pods: CriPods;
let cri: CriService;
let pod: CriPod;
/** busybox httpd on the pod's loopback, 127.0.0.1:8080, serving "ok". */
let web = '';

// A terminal's size arrives on its own stream, maybe after the process starts: wait for it.
const SIZE_SCRIPT = 'while :; do s=$(stty size 2>/dev/null); case "$s" in [1-9]*" "[1-9]*) break;; esac; sleep 0.1; done\ntty\necho "$s"\n';

interface Status { code: number; details: string }
type V4Status = { status: string; reason?: string; message?: string; details?: { causes: Array<{ reason?: string; message: string }> } };

before(async () => {
  env = await hullWithBusybox();
  pods = await startCriPods(env);
  cri = pods.cri;
  pod = await pods.runPod('streams');
  web = await pods.runContainer(pod, 'web', 'echo ok > /tmp/index.html; exec httpd -f -p 127.0.0.1:8080 -h /tmp');
  // The script goes in as an argument: ExecSync has no stdin.
  await cri.runtime('ExecSync', { container_id: web, cmd: ['sh', '-c', 'printf %s "$1" > /tmp/size.sh', 'sh', SIZE_SCRIPT] });
  for (const deadline = Date.now() + 60_000; ;) {
    const r = await cri.runtime<{ stdout: Buffer }>('ExecSync', { container_id: web, cmd: ['wget', '-qO-', 'http://127.0.0.1:8080/index.html'] });
    if (r.stdout.toString() === 'ok\n') break;
    if (Date.now() > deadline) throw new Error('the pod\'s httpd never answered');
    await new Promise((r) => setTimeout(r, 100));
  }
});

after(async () => {
  await pods?.close();
});

const execUrl = async (cmd: string[], o: { stdin?: boolean; tty?: boolean; stderr?: boolean; container?: string } = {}) =>
  (await cri.runtime<{ url: string }>('Exec', { container_id: o.container ?? web, cmd, stdin: o.stdin ?? false, stdout: true, stderr: o.stderr ?? !o.tty, tty: o.tty ?? false })).url;
const attachUrl = async (container: string, o: { tty: boolean }) =>
  (await cri.runtime<{ url: string }>('Attach', { container_id: container, stdin: true, stdout: true, stderr: !o.tty, tty: o.tty })).url;
const portForwardUrl = async () => (await cri.runtime<{ url: string }>('PortForward', { pod_sandbox_id: pod.id, port: [8080] })).url;
const exitCause = (error: string) => (JSON.parse(error) as V4Status).details?.causes[0]?.message;

test('exec: stdout, stderr and stdin through the SPDY v4 protocol, the exit code in the status', async () => {
  const url = await execUrl(['sh', '-c', 'cat; hostname; echo to-err >&2; exit 3'], { stdin: true });
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/exec\//);
  const r = await spdyRemoteCommand(url, { stdin: 'from stdin\n' });
  assert.equal(r.protocol, 'v4.channel.k8s.io');
  assert.equal(r.stdout, 'from stdin\nstreams\n', 'the exec runs in the pod (its hostname)');
  assert.equal(r.stderr, 'to-err\n');
  const status = JSON.parse(r.error) as V4Status;
  assert.equal(status.status, 'Failure');
  assert.equal(status.reason, 'NonZeroExitCode');
  assert.deepEqual(status.details?.causes[0], { reason: 'ExitCode', message: '3' });
});

test('exec over v2: an empty error stream for success', async () => {
  const r = await spdyRemoteCommand(await execUrl(['echo', 'v2']), { protocols: ['v2.channel.k8s.io'] });
  assert.equal(r.protocol, 'v2.channel.k8s.io');
  assert.equal(r.stdout, 'v2\n');
  assert.equal(r.error, '');
});

test('a missing command is reported on the error stream', async () => {
  const r = await spdyRemoteCommand(await execUrl(['no-such-program']), {});
  const status = JSON.parse(r.error) as V4Status;
  assert.equal(status.status, 'Failure');
  assert.match(status.message ?? '', /no-such-program/);
});

test('bad requests get no URL: tty with stderr, no stream at all, unknown container or pod (gRPC status)', async () => {
  await assert.rejects(cri.runtime('Exec', { container_id: web, cmd: ['true'], tty: true, stdout: true, stderr: true }), (e: Status) => e.code === 3 && /tty and stderr/.test(e.details));
  await assert.rejects(cri.runtime('Exec', { container_id: web, cmd: [], stdout: true }), (e: Status) => e.code === 3 && /cmd is empty/.test(e.details));
  await assert.rejects(cri.runtime('Attach', { container_id: web }), (e: Status) => e.code === 3 && /one of stdin, stdout and stderr/.test(e.details));
  await assert.rejects(cri.runtime('Exec', { container_id: 'no-such-container', cmd: ['true'], stdout: true }), (e: Status) => e.code === 5);
  await assert.rejects(cri.runtime('PortForward', { pod_sandbox_id: 'no-such-pod', port: [80] }), (e: Status) => e.code === 5);
});

test('a token works once; unknown tokens get 404; a plain GET gets no session; an unknown protocol 403', async () => {
  const url = await execUrl(['true']);
  await spdyRemoteCommand(url, {});
  await assert.rejects(spdyConnect(url, ['v4.channel.k8s.io']), /HTTP 404/);
  await assert.rejects(spdyConnect(`${new URL(url).origin}/exec/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`, ['v4.channel.k8s.io']), /HTTP 404/);
  const plain = await execUrl(['true']);
  const status = await new Promise<number>((resolve, reject) => request(plain, (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', reject).end());
  assert.equal(status, 400);
  await assert.rejects(spdyConnect(await execUrl(['true']), ['v9.channel.k8s.io']), /HTTP 403/);
});

test('exec with a terminal: a real pty, its size from the resize stream, the exit code', async () => {
  const url = await execUrl(['sh', '-c', 'read x; sh /tmp/size.sh; exit 5'], { stdin: true, tty: true });
  const r = await spdyRemoteCommand(url, { stdin: 'go\n', tty: true, resize: { Width: 123, Height: 45 } });
  assert.match(r.stdout, /\/dev\/pts\/\d+/);
  assert.match(r.stdout, /45 123/);
  assert.equal(exitCause(r.error), '5');
});

test('WebSocket (v5.channel.k8s.io): channels, stdin close signal, status', async () => {
  const url = (await execUrl(['sh', '-c', 'cat; echo err >&2; exit 2'], { stdin: true })).replace(/^http/, 'ws');
  const ws = new WebSocket(url, ['v5.channel.k8s.io']);
  const got: Record<number, string> = { 1: '', 2: '', 3: '' };
  const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
  ws.on('message', (m: Buffer) => (got[m[0] as number] = (got[m[0] as number] ?? '') + m.subarray(1).toString()));
  await new Promise((resolve, reject) => (ws.on('open', resolve), ws.on('error', reject)));
  assert.equal(ws.protocol, 'v5.channel.k8s.io');
  ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('over websocket\n')]));
  ws.send(Buffer.from([255, 0]));
  await closed;
  assert.equal(got[1], 'over websocket\n');
  assert.equal(got[2], 'err\n');
  assert.equal(exitCause(got[3] as string), '2');
});

test('attach without a terminal: stdin reaches the container, stdout and stderr come back; detaching leaves it running', async () => {
  const id = await pods.runContainer(pod, 'echoer', 'while read l; do echo "got $l"; echo "err $l" >&2; done', { stdin: true });
  const s = await spdyOpenRemoteCommand(await attachUrl(id, { tty: false }), { stdin: true, stderr: true });
  const out = transcript(s.stdout!);
  const err = transcript(s.stderr!);
  s.stdin!.write('hello\n');
  await out.until(/got hello\n/);
  await err.until(/err hello\n/);
  await s.session.close();
  const { status } = await cri.runtime<{ status: { state: string } }>('ContainerStatus', { container_id: id });
  assert.equal(status.state, 'CONTAINER_RUNNING');
});

test('attach to a tty container: typed input runs in its shell, a resize reaches its terminal', async () => {
  const id = await pods.runContainer(pod, 'shell', 'exec sh', { stdin: true, tty: true });
  const s = await spdyOpenRemoteCommand(await attachUrl(id, { tty: true }), { stdin: true, tty: true });
  const out = transcript(s.stdout!);
  // The echoed input reads attached-o''k; only the shell's output reads attached-ok.
  s.stdin!.write("echo attached-o''k\r");
  await out.until(/attached-ok/);
  s.resize!.write(JSON.stringify({ Width: 77, Height: 22 }));
  s.stdin!.write('until [ "$(stty size)" = "22 77" ]; do sleep 0.1; done; echo size-o\'\'k $(stty size)\r');
  await out.until(/size-ok 22 77/);
  await s.session.close();
});

test('port-forward reaches a port on the pod\'s own loopback', async () => {
  const { session } = await spdyConnect(await portForwardUrl(), ['portforward.k8s.io']);
  const error = session.openStream({ streamType: 'error', port: '8080', requestID: '0' });
  const data = session.openStream({ streamType: 'data', port: '8080', requestID: '0' });
  let body = '';
  data.on('data', (b: Buffer) => (body += b.toString()));
  const ended = new Promise((resolve) => data.on('end', resolve));
  error.resume();
  data.end('GET /index.html HTTP/1.0\r\n\r\n');
  await ended;
  assert.match(body, /^HTTP\/1\.[01] 200/);
  assert.match(body, /\r\n\r\nok\n$/);
  await session.close();
});

test('port-forward over WebSocket: the port announced on both channels, then the data', async () => {
  const ws = new WebSocket(`${(await portForwardUrl()).replace(/^http/, 'ws')}?port=8080`, ['v4.channel.k8s.io']);
  const first: Record<number, Buffer> = {};
  let body = '';
  const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
  ws.on('message', (m: Buffer) => {
    const channel = m[0] as number;
    if (first[channel] === undefined) first[channel] = m.subarray(1);
    else if (channel === 0) body += m.subarray(1).toString();
    if (first[0] && first[1] && channel === 1 && body === '') ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('GET /index.html HTTP/1.0\r\n\r\n')]));
  });
  await closed;
  assert.equal(first[0]?.readUInt16LE(0), 8080);
  assert.equal(first[1]?.readUInt16LE(0), 8080);
  assert.match(body, /^HTTP\/1\.[01] 200/);
  assert.match(body, /\r\n\r\nok\n$/);
});

function runCrictl(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(crictl as string, ['--runtime-endpoint', `unix://${cri.socket}`, '--timeout', '60s', ...args], { timeout: 120_000 }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    child.stdin?.end(input);
  });
}

/** Runs a shell command line under script(1), which gives crictl a pty; `onOutput` may type into it. */
function inTerminal(cmd: string, onOutput: (text: string, type: (s: string) => void) => void = () => {}): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (b: Buffer) => {
      text += b.toString();
      onOutput(text, (s) => child.stdin.write(s));
    });
    child.on('close', () => resolve(text));
    onOutput('', (s) => child.stdin.write(s));
  });
}

test('crictl exec: output, stdin and the exit code', { skip: noCrictl }, async () => {
  const ok = await runCrictl(['exec', web, 'sh', '-c', 'echo out; echo err >&2']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, 'out\n');
  assert.match(ok.stderr, /^err$/m);
  const piped = await runCrictl(['exec', '-i', web, 'tr', 'a-z', 'A-Z'], 'shout\n');
  assert.equal(piped.stdout, 'SHOUT\n');
  const failed = await runCrictl(['exec', web, 'sh', '-c', 'exit 7']);
  assert.notEqual(failed.code, 0);
  assert.match(failed.stderr, /exit code 7/);
});

test('crictl exec -it in a terminal: a pty with the terminal\'s size', { skip: noCrictl }, async () => {
  const r = await inTerminal(`stty cols 91 rows 33; ${crictl} --runtime-endpoint unix://${cri.socket} exec -it ${web} sh /tmp/size.sh`);
  assert.match(r, /\/dev\/pts\/\d+/, r);
  assert.match(r, /33 91/, r);
});

test('crictl attach to a -it container: typed input is echoed by its shell', { skip: noCrictl }, async () => {
  const id = await pods.runContainer(pod, 'crictl-shell', 'exec sh', { stdin: true, tty: true });
  let typedExit = false;
  const out = await inTerminal(`${crictl} --runtime-endpoint unix://${cri.socket} attach -i -t ${id}`, (text, type) => {
    if (text === '') type("echo attached-o''k\r");
    else if (text.includes('attached-ok') && !typedExit) {
      typedExit = true;
      type('exit\r');
    }
  });
  assert.match(out, /attached-ok/);
});

test('crictl port-forward: a local port reaches the pod\'s loopback', { skip: noCrictl }, async () => {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const child = spawn(crictl as string, ['--runtime-endpoint', `unix://${cri.socket}`, 'port-forward', pod.id, `${port}:8080`], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await new Promise<void>((resolve) => child.stdout.on('data', (b: Buffer) => b.toString().includes('Forwarding from') && resolve()));
    const body = await new Promise<string>((resolve, reject) => request(`http://127.0.0.1:${port}/index.html`, (res) => {
      let t = '';
      res.on('data', (b: Buffer) => (t += b.toString()));
      res.on('end', () => resolve(t));
    }).on('error', reject).end());
    assert.equal(body, 'ok\n');
  } finally {
    child.kill('SIGTERM');
  }
});
