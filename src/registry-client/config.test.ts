/** Auth files, host resolution (schemes, certs.d, registries.conf) and retry timing, on temp files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultAuthFile, findCredentials, lookupCredentials, removeCredentials, saveCredentials } from './auth-file.js';
import { isLoopbackHost, readInsecureRegistries, resolveHost } from './hosts.js';
import { DEFAULT_RETRY, backoffDelay, isRetryableStatus, parseRetryAfter } from './retry.js';
import { statusError } from './errors.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('auth file location follows podman: --authfile, REGISTRY_AUTH_FILE, XDG_RUNTIME_DIR', () => {
  assert.equal(defaultAuthFile({ REGISTRY_AUTH_FILE: '/x/auth.json', XDG_RUNTIME_DIR: '/run/user/5' }), '/x/auth.json');
  assert.equal(defaultAuthFile({ XDG_RUNTIME_DIR: '/run/user/5' }), '/run/user/5/containers/auth.json');
  assert.match(defaultAuthFile({}), /^\/run\/user\/\d+\/containers\/auth\.json$/);
});

test('credentials: longest key wins, Docker Hub spellings, username/password fields', () => {
  const doc = {
    auths: {
      'reg:5000': { auth: b64('host:pw') },
      'reg:5000/team': { auth: b64('team:pw') },
      'https://index.docker.io/v1/': { auth: b64('hub:pw:with:colons') },
      'quay.io': { username: 'q', password: 'qp' },
    },
  };
  assert.deepEqual(findCredentials(doc, 'reg:5000', 'other/app'), { username: 'host', password: 'pw' });
  assert.deepEqual(findCredentials(doc, 'reg:5000', 'team/app'), { username: 'team', password: 'pw' });
  assert.deepEqual(findCredentials(doc, 'docker.io', 'library/busybox'), { username: 'hub', password: 'pw:with:colons' });
  assert.deepEqual(findCredentials(doc, 'quay.io'), { username: 'q', password: 'qp' });
  assert.equal(findCredentials(doc, 'reg:50000'), undefined, 'a port is part of the host');
});

test('save keeps other keys, remove deletes one, docker config.json is a fallback', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hull-auth-'));
  try {
    const file = join(dir, 'sub', 'auth.json');
    await saveCredentials(file, 'a:1', { username: 'u', password: 'p' });
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), credHelpers: { x: 'y' } }));
    await saveCredentials(file, 'b:2', { username: 'v', password: 'q' });
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { auths: Record<string, { auth: string }>; credHelpers: object };
    assert.deepEqual(Object.keys(doc.auths).sort(), ['a:1', 'b:2']);
    assert.deepEqual(doc.credHelpers, { x: 'y' });
    assert.equal(await removeCredentials(file, 'a:1'), true);
    assert.equal(await removeCredentials(file, 'a:1'), false);
    mkdirSync(join(dir, 'docker'));
    writeFileSync(join(dir, 'docker', 'config.json'), JSON.stringify({ auths: { 'c:3': { auth: b64('d:e') } } }));
    const env = { REGISTRY_AUTH_FILE: file, DOCKER_CONFIG: join(dir, 'docker') };
    assert.deepEqual(lookupCredentials('b:2', 'x', { env }), { username: 'v', password: 'q' });
    assert.deepEqual(lookupCredentials('c:3', 'x', { env }), { username: 'd', password: 'e' });
    assert.equal(lookupCredentials('a:1', 'x', { env }), undefined);
    writeFileSync(file, '{not json');
    assert.throws(() => lookupCredentials('b:2', 'x', { env }), /Cannot read auth file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hosts: https only, except loopback, insecure registries and --tls-verify=false; certs.d; Docker Hub endpoint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hull-hosts-'));
  try {
    assert.ok(isLoopbackHost('localhost:5000') && isLoopbackHost('127.0.0.2') && isLoopbackHost('[::1]:5000'));
    assert.ok(!isLoopbackHost('registry.local:5000'));
    const none = { certDirs: [dir], insecureRegistries: [] };
    assert.deepEqual(resolveHost('quay.io', none).schemes, ['https']);
    assert.deepEqual(resolveHost('localhost:5000', none).schemes, ['http', 'https']);
    assert.equal(resolveHost('localhost:5000', none).tls.rejectUnauthorized, true);
    assert.deepEqual(resolveHost('quay.io', { ...none, tlsVerify: false }).schemes, ['https', 'http']);
    assert.equal(resolveHost('r:1', { ...none, insecureRegistries: ['r:1'] }).tls.rejectUnauthorized, false);
    assert.equal(resolveHost('docker.io', none).endpoint, 'registry-1.docker.io');
    mkdirSync(join(dir, 'r:1'));
    writeFileSync(join(dir, 'r:1', 'ca.crt'), 'CA');
    writeFileSync(join(dir, 'r:1', 'client.cert'), 'CERT');
    writeFileSync(join(dir, 'r:1', 'client.key'), 'KEY');
    const tls = resolveHost('r:1', none).tls;
    assert.deepEqual([tls.ca.map(String), String(tls.cert), String(tls.key)], [['CA'], 'CERT', 'KEY']);
    writeFileSync(join(dir, 'registries.conf'), '[[registry]]\nlocation = "a:5000"\ninsecure = true\n\n[[registry]]\nlocation="b:5000"\n\n[registries.insecure]\nregistries = [\'c:1\', "d:2"]\n');
    assert.deepEqual(readInsecureRegistries(join(dir, 'registries.conf')), ['a:5000', 'c:1', 'd:2']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('retry timing: Retry-After in seconds or as a date, bounded exponential backoff', () => {
  assert.equal(parseRetryAfter('3'), 3000);
  assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 10_000);
  assert.equal(parseRetryAfter('soon'), undefined);
  assert.equal(parseRetryAfter(undefined), undefined);
  assert.equal(backoffDelay(1, DEFAULT_RETRY, () => 0.5), 250);
  assert.equal(backoffDelay(3, DEFAULT_RETRY, () => 0.5), 1000);
  assert.equal(backoffDelay(30, DEFAULT_RETRY, () => 0.5), DEFAULT_RETRY.maxDelayMs);
  assert.deepEqual([429, 500, 502, 503, 501, 404, 401].map(isRetryableStatus), [true, true, true, true, false, false, false]);
});

test('registry errors become messages with hints', () => {
  const ctx = { action: 'pull "localhost:5000/app:1"', host: 'localhost:5000' };
  const body = Buffer.from(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
  const e = statusError(401, body, ctx);
  assert.equal(e.code, 'UNAUTHORIZED');
  assert.equal(e.message, 'Cannot pull "localhost:5000/app:1": registry returned 401 UNAUTHORIZED (authentication required)');
  assert.equal(e.hint, 'run "hull login localhost:5000"');
  assert.equal(statusError(403, Buffer.alloc(0), ctx).message, 'Cannot pull "localhost:5000/app:1": registry returned 403 DENIED');
  assert.equal(statusError(404, Buffer.from('{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}'), ctx).code, 'NOT_FOUND');
  assert.equal(statusError(503, Buffer.from('<html>'), ctx).code, 'UNAVAILABLE');
});
