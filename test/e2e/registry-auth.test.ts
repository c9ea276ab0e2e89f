/**
 * Auth and TLS through the CLI: htpasswd Basic auth on the reference registry (login verifies,
 * writes podman's auth.json, logout removes; docker's config.json is read too), Bearer tokens from
 * a token server in front of the registry (anonymous pull tokens, push tokens after login, tokens
 * cached per scope), and TLS with a CA the test makes (certs.d, --tls-verify=false).
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createHullEnv, hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';
import { freePort, haveReferenceRegistry, makeTestCerts, startReferenceRegistry, type ReferenceRegistry } from '../../src/registry-client/testing/reference-registry.js';
import { startTokenProxy, type TokenProxy } from '../../src/registry-client/testing/proxy.js';
import { which } from '../../src/sys/which.js';

const skip = haveReferenceRegistry() ? false : 'docker-registry is not installed (scripts/setup.sh installs it)';
let env: HullEnv;

before(async () => {
  if (!skip) env = await hullWithBusybox();
});
after(async () => env?.cleanup());

describe('htpasswd Basic auth', { skip }, () => {
  let reg: ReferenceRegistry;
  let authFile: string;
  let isolated: NodeJS.ProcessEnv;
  before(async () => {
    reg = await startReferenceRegistry({ htpasswd: { username: 'tester', password: 's3cret' } });
    authFile = join(env.dir, 'basic-auth.json');
    // Never the real user's files: REGISTRY_AUTH_FILE and DOCKER_CONFIG point into the test dir.
    isolated = { REGISTRY_AUTH_FILE: authFile, DOCKER_CONFIG: join(env.dir, 'no-docker') };
  });
  after(async () => reg?.close());

  test('anonymous push is refused with a hint to log in; a wrong password is not saved', async () => {
    const name = `${reg.host}/basic/bb:1`;
    await env.ok(['tag', 'busybox', name]);
    const anon = await env.hull(['push', name], { env: isolated });
    assert.equal(anon.code, 125);
    assert.match(anon.stderr, new RegExp(`^Error: Cannot push "${reg.host.replace(/\./g, '\\.')}/basic/bb:1": registry returned 401 UNAUTHORIZED`, 'm'));
    assert.match(anon.stderr, new RegExp(`^hint: run "hull login ${reg.host.replace(/\./g, '\\.')}"`, 'm'));
    const wrong = await env.hull(['login', '-u', 'tester', '--password-stdin', reg.host], { input: 'nope\n', env: isolated });
    assert.equal(wrong.code, 125);
    assert.match(wrong.stderr, /Cannot log in to "127\.0\.0\.1:\d+": registry returned 401/);
    assert.match(wrong.stderr, /hint: check the user name and password/);
    assert.equal(existsSync(authFile), false);
  });

  test('login verifies and saves podman auth.json; push and pull use it; logout removes it', async () => {
    const ok = await env.hull(['login', '-u', 'tester', '--password-stdin', reg.host], { input: 's3cret\n', env: isolated });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'Login Succeeded!\n');
    const saved = JSON.parse(readFileSync(authFile, 'utf8')) as { auths: Record<string, { auth: string }> };
    assert.equal(saved.auths[reg.host]?.auth, Buffer.from('tester:s3cret').toString('base64'));
    assert.equal(statSync(authFile).mode & 0o777, 0o600);
    assert.equal((await env.hull(['login', '--get-login', reg.host], { env: isolated })).stdout, 'tester\n');

    const name = `${reg.host}/basic/bb:1`;
    const pushed = await env.hull(['push', name], { env: isolated });
    assert.equal(pushed.code, 0, pushed.stderr);
    const fresh = createHullEnv();
    try {
      const pulled = await fresh.hull(['pull', '-q', name], { env: isolated });
      assert.equal(pulled.code, 0, pulled.stderr);
      assert.equal(await fresh.ok(['run', '--rm', name, 'echo', 'basic']), 'basic\n');
      // --authfile names the file explicitly, as podman's flag does.
      const other = join(env.dir, 'explicit.json');
      writeFileSync(other, readFileSync(authFile));
      assert.equal((await fresh.hull(['pull', '-q', '--authfile', other, name], { env: { DOCKER_CONFIG: isolated.DOCKER_CONFIG } })).code, 0);
    } finally {
      await fresh.cleanup();
    }
    const out = await env.hull(['logout', reg.host], { env: isolated });
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual((JSON.parse(readFileSync(authFile, 'utf8')) as { auths: object }).auths, {});
    const again = await env.hull(['logout', reg.host], { env: isolated });
    assert.match(again.stderr, /Cannot log out of "127\.0\.0\.1:\d+": not logged in/);
    assert.equal((await env.hull(['pull', name], { env: isolated })).code, 125);
  });

  test("docker's ~/.docker/config.json is read too", async () => {
    const dockerDir = join(env.dir, 'docker-config');
    mkdirSync(dockerDir, { recursive: true });
    writeFileSync(join(dockerDir, 'config.json'), JSON.stringify({ auths: { [`${reg.host}`]: { auth: Buffer.from('tester:s3cret').toString('base64') } } }));
    const fresh = createHullEnv();
    try {
      const r = await fresh.hull(['pull', '-q', `${reg.host}/basic/bb:1`], { env: { REGISTRY_AUTH_FILE: join(env.dir, 'absent.json'), DOCKER_CONFIG: dockerDir } });
      assert.equal(r.code, 0, r.stderr);
    } finally {
      await fresh.cleanup();
    }
  });
});

describe('Bearer tokens from a token server', { skip }, () => {
  let reg: ReferenceRegistry;
  let gate: TokenProxy;
  let isolated: NodeJS.ProcessEnv;
  before(async () => {
    reg = await startReferenceRegistry();
    gate = await startTokenProxy(reg.port, { users: { alice: 'wonderland' }, anonymousPull: true });
    isolated = { REGISTRY_AUTH_FILE: join(env.dir, 'bearer-auth.json'), DOCKER_CONFIG: join(env.dir, 'no-docker') };
  });
  after(async () => {
    await gate?.close();
    await reg?.close();
  });

  test('anonymous tokens pull but cannot push; after login the push token is used and cached', async () => {
    const name = `${gate.host}/bearer/app:1`;
    await env.ok(['tag', 'busybox', name]);
    const anon = await env.hull(['push', name], { env: isolated });
    assert.equal(anon.code, 125);
    assert.match(anon.stderr, /registry returned 401 UNAUTHORIZED/);
    assert.match(anon.stderr, /hint: run "hull login 127\.0\.0\.1:\d+"/);

    const bad = await env.hull(['login', '-u', 'alice', '-p', 'queen', gate.host], { env: isolated });
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /token server http:\/\/127\.0\.0\.1:\d+ returned 401/);
    const login = await env.hull(['login', '-u', 'alice', '-p', 'wonderland', gate.host], { env: isolated });
    assert.equal(login.code, 0, login.stderr);

    const before = gate.tokenRequests.length;
    const pushed = await env.hull(['push', name], { env: isolated });
    assert.equal(pushed.code, 0, pushed.stderr);
    const pushTokens = gate.tokenRequests.slice(before);
    assert.ok(pushTokens.every((t) => t.user === 'alice'));
    assert.ok(pushTokens.some((t) => t.scopes.includes('repository:bearer/app:pull,push')), JSON.stringify(pushTokens));
    assert.ok(pushTokens.length <= 2, `tokens are cached per scope, got ${pushTokens.length} token requests`);

    const fresh = createHullEnv();
    try {
      const start = gate.tokenRequests.length;
      const pulled = await fresh.hull(['pull', '-q', name], { env: { ...isolated, REGISTRY_AUTH_FILE: join(env.dir, 'nobody.json') } });
      assert.equal(pulled.code, 0, pulled.stderr);
      const pullTokens = gate.tokenRequests.slice(start);
      assert.deepEqual(pullTokens, [{ scopes: ['repository:bearer/app:pull'] }], 'one anonymous token for the whole pull');
      assert.equal(await fresh.ok(['run', '--rm', name, 'echo', 'bearer']), 'bearer\n');
    } finally {
      await fresh.cleanup();
    }
  });
});

describe('TLS with a CA made by the test', { skip: skip || (which('openssl') ? false : 'openssl is not installed') }, () => {
  let reg: ReferenceRegistry;
  let certDir: string;
  let caFile: string;
  let isolated: NodeJS.ProcessEnv;
  before(async () => {
    const port = await freePort();
    const dir = join(env.dir, 'tls');
    mkdirSync(dir);
    const certs = await makeTestCerts(dir, `127.0.0.1:${port}`);
    certDir = certs.certDir;
    caFile = certs.ca;
    reg = await startReferenceRegistry({ port, tls: certs, htpasswd: { username: 'tls', password: 'secret' } });
    isolated = { REGISTRY_AUTH_FILE: join(env.dir, 'tls-auth.json'), DOCKER_CONFIG: join(env.dir, 'no-docker') };
  });
  after(async () => reg?.close());

  test('an unknown CA is refused with a hint; certs.d makes it work; --tls-verify=false too', async () => {
    const name = `${reg.host}/tls/bb:1`;
    await env.ok(['tag', 'busybox', name]);
    const refused = await env.hull(['login', '-u', 'tls', '-p', 'secret', reg.host], { env: isolated });
    assert.equal(refused.code, 125);
    assert.match(refused.stderr, /TLS connection to 127\.0\.0\.1:\d+ failed/);
    assert.match(refused.stderr, /hint: put the registry's CA certificate in \/etc\/containers\/certs\.d\/127\.0\.0\.1:\d+\/ca\.crt/);

    assert.equal((await env.hull(['login', '--cert-dir', certDir, '-u', 'tls', '-p', 'secret', reg.host], { env: isolated })).code, 0);
    const pushed = await env.hull(['push', '--cert-dir', certDir, name], { env: isolated });
    assert.equal(pushed.code, 0, pushed.stderr);
    const fresh = createHullEnv();
    try {
      assert.equal((await fresh.hull(['pull', '-q', name], { env: isolated })).code, 125, 'no CA: refused');
      const pulled = await fresh.hull(['pull', '-q', '--cert-dir', certDir, name], { env: isolated });
      assert.equal(pulled.code, 0, pulled.stderr);
      await fresh.ok(['rmi', name]);
      const insecure = await fresh.hull(['pull', '-q', '--tls-verify=false', name], { env: isolated });
      assert.equal(insecure.code, 0, insecure.stderr);
      assert.equal(await fresh.ok(['run', '--rm', name, 'echo', 'tls']), 'tls\n');
    } finally {
      await fresh.cleanup();
    }
  });

  test('NODE_EXTRA_CA_CERTS is honoured (bin/hull defers it to the registry client)', async () => {
    const name = `${reg.host}/tls/bb:1`;
    const fresh = createHullEnv();
    try {
      const pulled = await fresh.hull(['pull', '-q', name], { env: { ...isolated, NODE_EXTRA_CA_CERTS: caFile } });
      assert.equal(pulled.code, 0, pulled.stderr);
    } finally {
      await fresh.cleanup();
    }
  });
});
