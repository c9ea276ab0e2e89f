/**
 * Bad input, as a table: malformed JSON, wrong types, unknown enum values, oversized bodies and
 * headers, invalid names, references and filters. Each gets its status with a message naming the
 * problem; afterwards the service still answers and nothing was half-created.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
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

/** One raw HTTP/1.1 exchange on the socket, so nothing (a client library) fixes the input first. */
function exchange(raw: string | Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(api.socket);
    const chunks: Buffer[] = [];
    s.on('data', (b: Buffer) => chunks.push(b));
    // The server answers an oversized body early and closes: the rest of the write fails, the answer is there.
    s.on('error', (err: Error & { code?: string }) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
    s.on('close', () => {
      const text = Buffer.concat(chunks).toString();
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const raw = text.slice(text.indexOf('\r\n\r\n') + 4);
      let body = raw;
      try {
        body = (JSON.parse(raw) as { message?: string }).message ?? raw;
      } catch {
        // a stream or text: matched as it is
      }
      resolve({ status, body });
    });
    s.end(raw);
  });
}

function request(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const data = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
  const head = [`${method} ${path} HTTP/1.1`, 'Host: hull', 'Connection: close', ...(body !== undefined ? ['Content-Type: application/json', `Content-Length: ${data.length}`] : []),
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
  return exchange(Buffer.concat([Buffer.from(head), data]));
}

const create = (body: unknown, query = '') => ['POST', `/v1.47/containers/create${query}`, typeof body === 'string' ? body : JSON.stringify(body)] as const;

const TABLE: Array<[string, readonly [string, string, string?], number, RegExp]> = [
  ['malformed JSON', create('{"Image": "busybox",'), 400, /invalid JSON/],
  ['a JSON list for an object', create('[]'), 400, /expected a JSON object/],
  ['Image of the wrong type', create({ Image: 5 }), 400, /field "Image"/],
  ['Env as a string', create({ Image: 'busybox', Env: 'A=B' }), 400, /field "Env" must be a list of strings/],
  ['Cmd of numbers', create({ Image: 'busybox', Cmd: [1, 2] }), 400, /field "Cmd"/],
  ['Memory as text', create({ Image: 'busybox', HostConfig: { Memory: 'lots' } }), 400, /field "HostConfig\.Memory" must be a number/],
  ['HostConfig as a list', create({ Image: 'busybox', HostConfig: [] }), 400, /field "HostConfig" must be an object/],
  ['Labels with a number', create({ Image: 'busybox', Labels: { a: 1 } }), 400, /field "Labels"/],
  ['NetworkingConfig aliases as text', create({ Image: 'busybox', NetworkingConfig: { EndpointsConfig: { bridge: { Aliases: 'web' } } } }), 400, /EndpointsConfig\.bridge\.Aliases/],
  ['an unknown restart policy', create({ Image: 'busybox', HostConfig: { RestartPolicy: { Name: 'sometimes' } } }), 400, /sometimes/],
  ['an unknown capability', create({ Image: 'busybox', HostConfig: { CapAdd: ['CAP_FLY'] } }), 400, /FLY/],
  ['a bad container name', create({ Image: 'busybox' }, '?name=bad%2Fname'), 400, /Invalid container name/],
  ['a missing image', create({ Image: 'nosuch:1' }), 404, /No such image: nosuch:1/],
  ['a bad image reference', ['POST', '/v1.47/images/create?fromImage=Bad..Ref'], 400, /Cannot parse reference/],
  ['a bad tag', ['POST', '/v1.47/images/busybox/tag?repo=UPPER&tag=x'], 400, /lowercase/],
  ['filters that are not JSON', ['GET', '/v1.47/containers/json?filters=label%3Dx'], 400, /"filters": invalid JSON/],
  ['an unknown filter', ['GET', `/v1.47/containers/json?filters=${encodeURIComponent('{"colour":["red"]}')}`], 400, /invalid filter "colour"/],
  ['filter values that are not strings', ['GET', `/v1.47/images/json?filters=${encodeURIComponent('{"label":[1]}')}`], 400, /must be strings/],
  ['a boolean that is not one', ['GET', '/v1.47/containers/json?all=maybe'], 400, /"all": "maybe" is not a boolean/],
  ['a limit that is not a number', ['GET', '/v1.47/containers/json?limit=ten'], 400, /"limit"/],
  ['an unknown wait condition', ['POST', '/v1.47/containers/nosuch/wait?condition=sometime'], 400, /condition/],
  ['an unknown network driver', ['POST', '/v1.47/networks/create', JSON.stringify({ Name: 'n1', Driver: 'overlay' })], 400, /field "Driver" "overlay"/],
  ['a network without a name', ['POST', '/v1.47/networks/create', '{}'], 400, /field "Name" is required/],
  ['a bad volume name', ['POST', '/v1.47/volumes/create', JSON.stringify({ Name: 'a b' })], 400, /volume name/],
  ['volume labels of the wrong type', ['POST', '/v1.47/volumes/create', JSON.stringify({ Name: 'ok1', Labels: ['x'] })], 400, /field "Labels"/],
  ['a bad X-Registry-Auth', ['POST', '/v1.47/images/busybox/push'], 400, /X-Registry-Auth/],
  ['an exec without Cmd', ['POST', '/v1.47/containers/nosuch/exec', '{}'], 400, /"Cmd"/],
  ['a missing exec', ['POST', '/v1.47/exec/nosuch/start', '{}'], 404, /No such exec instance/],
  ['a missing container', ['POST', '/v1.47/containers/nosuch/start'], 404, /No such container: nosuch/],
  ['a bad percent-encoding', ['GET', '/v1.47/containers/%zz/json'], 400, /percent-encoding/],
  ['a dockerfile outside the context', ['POST', '/v1.47/build?dockerfile=..%2F..%2Fetc%2Fpasswd', ''], 200, /must be a path inside the build context|errorDetail/],
];

test('bad input: each gets its status and a message that names the problem', async () => {
  for (const [what, [method, path, body], status, message] of TABLE) {
    const headers: Record<string, string> = what === 'a bad X-Registry-Auth' ? { 'X-Registry-Auth': '!!!not-base64-json' } : {};
    const r = await request(method, path, body, headers);
    assert.equal(r.status, status, `${what}: ${r.body}`);
    assert.match(r.body, message, what);
  }
});

test('oversized bodies and headers are refused before they are buffered', async () => {
  // The declared length is enough: the 413 comes before the body is read (only a little is sent,
  // so the answer does not race a reset of the connection).
  const start = '{"Image": "busybox", "Labels": {"x": "';
  const big = await exchange(`POST /v1.47/containers/create HTTP/1.1\r\nHost: hull\r\nContent-Type: application/json\r\nContent-Length: ${5 * 1024 * 1024}\r\n\r\n${start}`);
  assert.equal(big.status, 413);
  assert.match(big.body, /more than the \d+ (bytes )?allowed/);
  const header = await request('GET', '/_ping', undefined, { 'X-Big': 'h'.repeat(64 * 1024) });
  assert.equal(header.status, 431);
  const garbage = await exchange('NOT HTTP AT ALL\r\n\r\n');
  assert.equal(garbage.status, 400);
});

test('after all of it the service answers and nothing was half-created', async () => {
  assert.equal((await request('GET', '/_ping')).body, 'OK');
  assert.equal((await api.dockerOk(['ps', '-aq'])).trim(), '');
  assert.equal((await api.dockerOk(['volume', 'ls', '-q'])).trim(), '');
  assert.doesNotMatch(await api.dockerOk(['network', 'ls', '--format', '{{.Name}}']), /n1/);
  assert.equal((await api.dockerOk(['images', '--format', '{{.Repository}}'])).trim(), 'busybox');
});
