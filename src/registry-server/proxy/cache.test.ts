// Pull-through cache: a hull registry (with Basic auth) as the upstream of another in proxy mode.
import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { digestOf, makeImage, pushImage, request, startTestRegistry, tempDir, type TestImage, type TestRegistry } from '../testing/harness.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const auth = { Authorization: `Basic ${Buffer.from('up:secret').toString('base64')}` };

function errCode(body: Buffer): string {
  return (JSON.parse(body.toString()) as { errors: { code: string }[] }).errors[0]!.code;
}

async function pull(url: string, repo: string, ref: string, img: TestImage): Promise<void> {
  const m = await request(url, 'GET', `/v2/${repo}/manifests/${ref}`, { headers: { Accept: OCI_MANIFEST } });
  assert.equal(m.status, 200, m.body.toString());
  assert.deepEqual(m.body, img.manifest);
  assert.equal(m.headers['docker-content-digest'], img.manifestDigest);
  for (const blob of [img.config, img.layer]) {
    const b = await request(url, 'GET', `/v2/${repo}/blobs/${digestOf(blob)}`);
    assert.equal(b.status, 200);
    assert.deepEqual(b.body, blob);
  }
}

describe('pull-through cache', () => {
  let dir: string;
  let upstream: TestRegistry;
  let upstreamRoot: string;
  let cache: TestRegistry;
  const img = { a: undefined as unknown as TestImage, b: undefined as unknown as TestImage };

  before(async () => {
    dir = await tempDir('hull-proxy-');
    const htpasswd = path.join(dir, 'htpasswd');
    await fs.writeFile(htpasswd, `up:${bcrypt.hashSync('secret', 4)}\n`);
    upstreamRoot = path.join(dir, 'upstream');
    upstream = await startTestRegistry({ htpasswd, root: upstreamRoot });
    img.a = await makeImage('cached a');
    img.b = await makeImage('cached b');
    assert.equal((await pushImage(upstream.url, 'lib/app', img.a, 'v1', auth)).status, 201);
    assert.equal((await pushImage(upstream.url, 'lib/other', img.b, 'v1', auth)).status, 201);
    cache = await startTestRegistry({}, (c) => {
      c.proxy = { remoteUrl: upstream.url, username: 'up', password: 'secret', ttlMs: 0 };
    });
  });
  after(async () => {
    await cache.close();
    await upstream.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('a miss is fetched from the upstream, verified, stored and served; the second pull is local', async () => {
    await pull(cache.url, 'lib/app', 'v1', img.a);
    await pull(cache.url, 'lib/app', img.a.manifestDigest, img.a);
    const stored = await fs.readdir(path.join(cache.root, 'blobs', 'sha256', digestOf(img.a.layer).slice(7, 9)));
    assert.ok(stored.includes(digestOf(img.a.layer).slice(7)), 'the layer is in the cache storage');
  });

  test('a tag moved upstream is followed once the ttl has passed (ttl 0 here)', async () => {
    const moved = await makeImage('moved tag');
    await pushImage(upstream.url, 'lib/app', moved, 'v2', auth);
    await pull(cache.url, 'lib/app', 'v2', moved);
    const newer = await makeImage('moved again');
    await pushImage(upstream.url, 'lib/app', newer, 'v2', auth);
    await pull(cache.url, 'lib/app', 'v2', newer);
  });

  test('content the upstream lacks is 404 with the usual codes', async () => {
    const m = await request(cache.url, 'GET', '/v2/lib/app/manifests/nope');
    assert.equal(m.status, 404);
    assert.equal(errCode(m.body), 'MANIFEST_UNKNOWN');
    const b = await request(cache.url, 'GET', `/v2/lib/app/blobs/${digestOf('never pushed')}`);
    assert.equal(b.status, 404);
    assert.equal(errCode(b.body), 'BLOB_UNKNOWN');
  });

  test('pushes and deletes are refused with a clear error', async () => {
    const post = await request(cache.url, 'POST', '/v2/lib/app/blobs/uploads/');
    assert.equal(post.status, 405);
    assert.equal(errCode(post.body), 'UNSUPPORTED');
    assert.match(post.body.toString(), /pull-through cache/);
    const put = await request(cache.url, 'PUT', '/v2/lib/app/manifests/v9', { body: img.a.manifest, headers: { 'Content-Type': OCI_MANIFEST } });
    assert.equal(put.status, 405);
    assert.equal((await request(cache.url, 'DELETE', `/v2/lib/app/manifests/${img.a.manifestDigest}`)).status, 405);
    assert.equal((await request(upstream.url, 'GET', '/v2/lib/app/manifests/v9', { headers: auth })).status, 404);
  });

  test('wrong upstream credentials are a 5xx naming the upstream, not a missing image', async () => {
    const wrong = await startTestRegistry({}, (c) => {
      c.proxy = { remoteUrl: upstream.url, username: 'up', password: 'wrong', ttlMs: 0 };
    });
    try {
      const m = await request(wrong.url, 'GET', '/v2/lib/app/manifests/v1');
      assert.equal(m.status, 503);
      assert.equal(errCode(m.body), 'UNAVAILABLE');
      assert.match(m.body.toString(), /refused the cache's credentials/);
    } finally {
      await wrong.close();
    }
  });

  test('upstream down: cached content is still served (even a stale tag), missing content is 503', async () => {
    await pull(cache.url, 'lib/app', 'v1', img.a);
    await upstream.close();
    try {
      await pull(cache.url, 'lib/app', 'v1', img.a);
      const missing = await request(cache.url, 'GET', '/v2/lib/other/manifests/v1');
      assert.equal(missing.status, 503);
      assert.equal(errCode(missing.body), 'UNAVAILABLE');
      assert.match(missing.body.toString(), new RegExp(`upstream \\\\"${upstream.url.replace(/[.]/g, '\\.')}\\\\"`));
      const blob = await request(cache.url, 'GET', `/v2/lib/other/blobs/${digestOf(img.b.layer)}`);
      assert.equal(blob.status, 503);
    } finally {
      upstream = await startTestRegistry({ root: upstreamRoot, htpasswd: path.join(dir, 'htpasswd') });
    }
  });
});
