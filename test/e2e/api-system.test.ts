/**
 * `hull system service`: the socket, versioning, /_ping, /version, /info and the swarm answers,
 * checked with the real docker CLI; TCP (loopback, and TLS with client certificates), idle exit
 * and systemd socket activation (systemd-socket-activate hands over LISTEN_FDS).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { request } from 'node:http';
import { createHullEnv, HULL_BIN, type HullEnv } from '../../src/testing/hull-cli.js';
import { runProcess, startApiService, waitListening, type ApiService } from '../../src/testing/api-service.js';

let env: HullEnv;
let api: ApiService;
before(async () => {
  env = createHullEnv();
  api = await startApiService(env);
});
after(async () => {
  await api.stop();
  await env.cleanup();
});

function raw(socket: string, method: string, path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

test('the socket is mode 0660', () => {
  assert.equal(statSync(api.socket).mode & 0o777, 0o660);
});

test('docker version negotiates down to the API version hull speaks, and shows hull as the server', async () => {
  const out = await api.dockerOk(['version', '--format', '{{.Server.APIVersion}} {{.Server.MinAPIVersion}} {{.Server.Os}} {{.Client.APIVersion}}']);
  assert.equal(out.trim(), '1.47 1.24 linux 1.47');
  assert.match(await api.dockerOk(['version']), /Server: hull /);
});

test('docker info reports the store, the driver, the counts and the security options', async () => {
  const out = await api.dockerOk(['info', '--format', '{{json .}}']);
  const info = JSON.parse(out) as Record<string, unknown>;
  assert.equal(info.DockerRootDir, env.root);
  assert.equal(info.Containers, 0);
  assert.ok(['overlay', 'copy'].includes(info.Driver as string));
  assert.equal(info.OSType, 'linux');
  assert.ok((info.SecurityOptions as string[]).includes('name=seccomp,profile=builtin'));
  assert.ok((info.NCPU as number) >= 1);
});

test('/_ping answers GET and HEAD with the version headers; paths work with and without /v1.NN', async () => {
  for (const method of ['GET', 'HEAD']) {
    const r = await raw(api.socket, method, '/_ping');
    assert.equal(r.status, 200);
    assert.equal(r.headers['api-version'], '1.47');
    assert.equal(r.headers['ostype'], 'linux');
    assert.equal(r.headers['builder-version'], '1');
    assert.equal(r.body, method === 'GET' ? 'OK' : '');
  }
  assert.equal((await raw(api.socket, 'GET', '/v1.24/version')).status, 200);
  assert.equal((await raw(api.socket, 'GET', '/version')).status, 200);
});

test('a client version outside 1.24..1.47 is refused with 400 and the reason; an unknown path is 404', async () => {
  const old = await raw(api.socket, 'GET', '/v1.12/version');
  assert.equal(old.status, 400);
  assert.match((JSON.parse(old.body) as { message: string }).message, /client version 1\.12 is too old\. Minimum supported API version is 1\.24/);
  const future = await raw(api.socket, 'GET', '/v1.99/info');
  assert.equal(future.status, 400);
  assert.match(future.body, /too new/);
  assert.equal((await raw(api.socket, 'GET', '/v1.47/no/such/thing')).status, 404);
  assert.equal((await raw(api.socket, 'DELETE', '/_ping')).status, 405);
});

test('swarm commands get the answer of a dockerd that is not in a swarm', async () => {
  for (const args of [['node', 'ls'], ['service', 'ls'], ['secret', 'ls'], ['config', 'ls']]) {
    const r = await api.docker(args);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.stderr, /This node is not a swarm manager/);
  }
  assert.equal((await raw(api.socket, 'GET', '/swarm')).status, 503);
});

test('a TCP address off the loopback is refused without TLS client certificates', async () => {
  const r = await env.hull(['system', 'service', '--time', '1', 'tcp://0.0.0.0:2375']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /needs TLS with client certificates/);
  assert.match(r.stderr, /--tlsverify/);
  const bad = await env.hull(['system', 'service', 'http://127.0.0.1:1']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /expected unix:\/\/\/PATH or tcp:\/\/HOST:PORT/);
});

test('TCP on the loopback serves docker; with --time the service exits once idle', async () => {
  const port = await freePort();
  const child = spawn(HULL_BIN, ['--root', env.root, '--runroot', env.runroot, 'system', 'service', '--time', '1', `tcp://127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  await waitListening(child, () => stderr);
  const out = await runProcess(['docker', '-H', `tcp://127.0.0.1:${port}`, 'version', '--format', '{{.Server.APIVersion}}'], { env: api.clientEnv });
  assert.equal(out.stdout.trim(), '1.47', out.stderr);
  assert.equal(await exited, 0, 'the idle service exits by itself with status 0');
});

test('TLS with client certificates: docker --tlsverify gets in, a client without a certificate does not', async () => {
  const d = join(env.dir, 'tls');
  const sh = (script: string) => runProcess(['sh', '-ec', script], { cwd: env.dir });
  writeFileSync(join(env.dir, 'ext-server.cnf'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  writeFileSync(join(env.dir, 'ext-client.cnf'), 'extendedKeyUsage=clientAuth\n');
  const made = await sh(`mkdir -p ${d}; cd ${d}
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days 1 -subj /CN=test-ca 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout server-key.pem -out server.csr -subj /CN=127.0.0.1 2>/dev/null
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out server-cert.pem -days 1 -extfile ../ext-server.cnf 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout key.pem -out client.csr -subj /CN=client 2>/dev/null
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out cert.pem -days 1 -extfile ../ext-client.cnf 2>/dev/null`);
  assert.equal(made.code, 0, made.stderr);
  const port = await freePort();
  const child = spawn(HULL_BIN, ['--root', env.root, '--runroot', env.runroot, 'system', 'service', '--time', '0', '--tlsverify', '--tlscacert', join(d, 'ca.pem'),
    '--tlscert', join(d, 'server-cert.pem'), '--tlskey', join(d, 'server-key.pem'), `tcp://127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  try {
    await waitListening(child, () => stderr);
    const ok = await runProcess(['docker', '-H', `tcp://127.0.0.1:${port}`, '--tlsverify', '--tlscacert', join(d, 'ca.pem'), '--tlscert', join(d, 'cert.pem'), '--tlskey', join(d, 'key.pem'),
      'version', '--format', '{{.Server.APIVersion}}'], { env: api.clientEnv });
    assert.equal(ok.stdout.trim(), '1.47', ok.stderr);
    const noCert = await runProcess(['curl', '-sS', '--cacert', join(d, 'ca.pem'), `https://127.0.0.1:${port}/_ping`]);
    assert.notEqual(noCert.code, 0, 'a client without a certificate is turned away');
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
});

test('socket activation: a systemd-style LISTEN_FDS socket is served (systemd-socket-activate)', async () => {
  const sock = join(env.dir, 'activated.sock');
  const child = spawn('systemd-socket-activate', ['-l', sock, HULL_BIN, '--root', env.root, '--runroot', env.runroot, 'system', 'service', '--time', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  try {
    // systemd-socket-activate prints "Listening on ..." before the first client starts hull.
    await waitListening(child, () => stderr, /Listening on/);
    const out = await runProcess(['docker', '-H', `unix://${sock}`, 'version', '--format', '{{.Server.APIVersion}}'], { env: api.clientEnv });
    assert.equal(out.stdout.trim(), '1.47', `${out.stderr}\n${stderr}`);
    assert.match(stderr, /hull API fd:\/\/3: listening/);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
});
