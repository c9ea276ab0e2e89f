// Authentication and authorization through the server: htpasswd Basic, Bearer tokens, access rules.
import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeImage, pushImage, request, startTestRegistry, tempDir, type TestRegistry } from '../testing/harness.js';
import { globToRegExp, parseAccessRules, AccessPolicy } from './access.js';
import { TokenIssuer, parseScopes } from './token.js';

function basic(user: string, pass: string): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` };
}

async function writeAuthFiles(): Promise<{ htpasswd: string; access: string }> {
  const dir = await tempDir('hull-auth-');
  const htpasswd = path.join(dir, 'htpasswd');
  await fs.writeFile(htpasswd, `alice:${bcrypt.hashSync('wonderland', 4)}\nbob:${bcrypt.hashSync('builder', 4)}\n`);
  const access = path.join(dir, 'access.yaml');
  await fs.writeFile(
    access,
    ['- account: alice', '  repository: "**"', '  actions: ["*"]', '- account: bob', '  repository: "bob/*"', '  actions: [pull, push]', '- account: "*"', '  repository: "public/**"', '  actions: [pull]', '- account: anonymous', '  repository: "open/*"', '  actions: [pull]', ''].join('\n'),
  );
  return { htpasswd, access };
}

describe('access rules', () => {
  test('globs: * stays within a component, ** crosses them', () => {
    assert.ok(globToRegExp('team/*').test('team/app'));
    assert.ok(!globToRegExp('team/*').test('team/a/b'));
    assert.ok(globToRegExp('team/**').test('team/a/b'));
    assert.ok(!globToRegExp('team.x/*').test('teamyx/a'));
  });
  test('policy unions matching rules; anonymous only matches "anonymous" rules', () => {
    const rules = parseAccessRules('- {account: bob, repository: "bob/*", actions: [pull, push]}\n- {account: "*", repository: "**", actions: [pull]}\n');
    const p = new AccessPolicy(rules, { authEnabled: true, anonymousPull: false });
    assert.deepEqual([...p.allowed('bob', 'bob/app')].sort(), ['pull', 'push']);
    assert.deepEqual([...p.allowed('carol', 'bob/app')], ['pull']);
    assert.deepEqual([...p.allowed(undefined, 'bob/app')], []);
    assert.throws(() => parseAccessRules('- {account: x, repository: y, actions: [fly]}'), /unknown action/);
  });
  test('tokens: signed, verified, expiring, tamper-evident', async () => {
    const issuer = await TokenIssuer.create({ issuer: 'i', service: 's', expiresInSec: 60 });
    const { token } = issuer.issue('alice', parseScopes(['repository:a/b:pull,push']));
    const claims = issuer.verify(token);
    assert.equal(claims?.sub, 'alice');
    assert.deepEqual(claims?.access, [{ type: 'repository', name: 'a/b', actions: ['pull', 'push'] }]);
    assert.equal(issuer.verify(token, Math.floor(Date.now() / 1000) + 3600), undefined);
    const [h, p, s] = token.split('.');
    const forged = Buffer.from(p!, 'base64url').toString().replace('alice', 'mallo');
    assert.equal(issuer.verify(`${h}.${Buffer.from(forged).toString('base64url')}.${s}`), undefined);
    const other = await TokenIssuer.create({ issuer: 'i', service: 's', expiresInSec: 60 });
    assert.equal(other.verify(token), undefined);
  });
});

describe('htpasswd Basic auth', () => {
  let reg: TestRegistry;
  before(async () => {
    const files = await writeAuthFiles();
    reg = await startTestRegistry({ htpasswd: files.htpasswd, access: files.access });
  });
  after(async () => {
    await reg.close();
  });

  test('/v2/ without credentials is 401 with a Basic challenge; wrong password 401; right 200', async () => {
    const anon = await request(reg.url, 'GET', '/v2/');
    assert.equal(anon.status, 401);
    assert.match(String(anon.headers['www-authenticate']), /^Basic realm=/);
    assert.equal((await request(reg.url, 'GET', '/v2/', { headers: basic('alice', 'nope') })).status, 401);
    assert.equal((await request(reg.url, 'GET', '/v2/', { headers: basic('mallory', 'x') })).status, 401);
    assert.equal((await request(reg.url, 'GET', '/v2/', { headers: basic('alice', 'wonderland') })).status, 200);
  });

  test('per-repository rights: push where allowed, 403 elsewhere, nothing stored', async () => {
    const img = await makeImage('auth');
    assert.equal((await pushImage(reg.url, 'bob/app', img, 'v1', basic('bob', 'builder'))).status, 201);
    const denied = await request(reg.url, 'POST', '/v2/alice/app/blobs/uploads/', { headers: basic('bob', 'builder') });
    assert.equal(denied.status, 403);
    assert.equal(JSON.parse(denied.body.toString()).errors[0].code, 'DENIED');
    assert.equal((await request(reg.url, 'DELETE', `/v2/bob/app/manifests/v1`, { headers: basic('bob', 'builder') })).status, 403);
    assert.equal((await request(reg.url, 'GET', '/v2/bob/app/manifests/v1', { headers: basic('alice', 'wonderland') })).status, 200);
    const anon = await request(reg.url, 'GET', '/v2/bob/app/manifests/v1');
    assert.equal(anon.status, 401);
    assert.ok(anon.headers['www-authenticate']);
  });

  test('anonymous pull only where a rule says so; catalog shows only what the caller may pull', async () => {
    const img = await makeImage('open');
    await pushImage(reg.url, 'open/app', img, 'v1', basic('alice', 'wonderland'));
    assert.equal((await request(reg.url, 'GET', '/v2/open/app/manifests/v1')).status, 200);
    assert.equal((await request(reg.url, 'POST', '/v2/open/app/blobs/uploads/')).status, 401);
    const bobCat = await request(reg.url, 'GET', '/v2/_catalog', { headers: basic('bob', 'builder') });
    assert.deepEqual(bobCat.json<{ repositories: string[] }>().repositories, ['bob/app']);
    const aliceCat = await request(reg.url, 'GET', '/v2/_catalog', { headers: basic('alice', 'wonderland') });
    assert.deepEqual(aliceCat.json<{ repositories: string[] }>().repositories, ['bob/app', 'open/app']);
  });

  test('a mount from a repository the caller may not pull falls back to an upload', async () => {
    const img = await makeImage('secret-mount');
    await pushImage(reg.url, 'secret/app', img, 'v1', basic('alice', 'wonderland'));
    const { digestOf } = await import('../testing/harness.js');
    const res = await request(reg.url, 'POST', `/v2/bob/steal/blobs/uploads/?mount=${digestOf(img.layer)}&from=secret/app`, { headers: basic('bob', 'builder') });
    assert.equal(res.status, 202);
  });

  test('automatic mount (no from) finds only repositories the caller may pull', async () => {
    const files = await writeAuthFiles();
    const auto = await startTestRegistry({ htpasswd: files.htpasswd, access: files.access, automaticMount: true });
    try {
      const { digestOf } = await import('../testing/harness.js');
      const secret = await makeImage('auto-secret');
      await pushImage(auto.url, 'secret/app', secret, 'v1', basic('alice', 'wonderland'));
      const stolen = await request(auto.url, 'POST', `/v2/bob/steal/blobs/uploads/?mount=${digestOf(secret.layer)}`, { headers: basic('bob', 'builder') });
      assert.equal(stolen.status, 202, 'bob may not read secret/app, so nothing is mounted');
      const shared = await makeImage('auto-shared');
      await pushImage(auto.url, 'bob/base', shared, 'v1', basic('bob', 'builder'));
      const mounted = await request(auto.url, 'POST', `/v2/bob/app2/blobs/uploads/?mount=${digestOf(shared.layer)}`, { headers: basic('bob', 'builder') });
      assert.equal(mounted.status, 201);
    } finally {
      await auto.close();
    }
  });
});

describe('Bearer token auth', () => {
  let reg: TestRegistry;
  before(async () => {
    const files = await writeAuthFiles();
    reg = await startTestRegistry({ htpasswd: files.htpasswd, access: files.access, token: true });
  });
  after(async () => {
    await reg.close();
  });

  async function token(scope: string, headers: Record<string, string> = {}): Promise<string> {
    const res = await request(reg.url, 'GET', `/token?service=hull-registry&scope=${encodeURIComponent(scope)}`, { headers });
    assert.equal(res.status, 200, res.body.toString());
    return res.json<{ token: string }>().token;
  }

  test('challenge names the realm, service and scope', async () => {
    const res = await request(reg.url, 'GET', '/v2/bob/app/tags/list');
    assert.equal(res.status, 401);
    const challenge = String(res.headers['www-authenticate']);
    assert.match(challenge, new RegExp(`^Bearer realm="${reg.url}/token",service="hull-registry",scope="repository:bob/app:pull"`));
  });

  test('a token grants only the intersection of requested and allowed scopes', async () => {
    const bobs = await token('repository:bob/app:pull,push,delete', basic('bob', 'builder'));
    const img = await makeImage('token');
    const auth = { Authorization: `Bearer ${bobs}` };
    assert.equal((await pushImage(reg.url, 'bob/app', img, 'v1', auth)).status, 201);
    const del = await request(reg.url, 'DELETE', '/v2/bob/app/manifests/v1', { headers: auth });
    assert.equal(del.status, 401, 'delete was not granted');
    assert.match(String(del.headers['www-authenticate']), /scope="repository:bob\/app:delete"/);
    const other = await request(reg.url, 'GET', '/v2/alice/app/tags/list', { headers: auth });
    assert.equal(other.status, 401);
  });

  test('bad credentials at /token are 401; forged tokens are 401; anonymous tokens carry anonymous rights', async () => {
    const res = await request(reg.url, 'GET', '/token?scope=repository:bob/app:pull', { headers: basic('bob', 'wrong') });
    assert.equal(res.status, 401);
    assert.equal((await request(reg.url, 'GET', '/v2/', { headers: { Authorization: 'Bearer a.b.c' } })).status, 401);
    const anon = await token('repository:open/x:pull repository:bob/app:pull');
    const claims = JSON.parse(Buffer.from(anon.split('.')[1]!, 'base64url').toString()) as { access: { name: string }[] };
    assert.deepEqual(claims.access.map((a) => a.name), ['open/x']);
  });
});
