// Hostile and broken input: each refused with the spec's code, and nothing stored.
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { digestOf, makeImage, pushBlob, request, startTestRegistry, type TestRegistry } from '../testing/harness.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
let reg: TestRegistry;
before(async () => {
  reg = await startTestRegistry({ maxManifestBytes: 1024 });
});
after(async () => {
  await reg.close();
});

function errCode(body: Buffer): string {
  return (JSON.parse(body.toString()) as { errors: { code: string }[] }).errors[0]!.code;
}

async function blobFiles(): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(path.join(dir, e.name));
      else out.push(path.join(dir, e.name));
    }
  };
  await walk(path.join(reg.root, 'blobs'));
  return out;
}

test('a blob whose content does not match its digest is DIGEST_INVALID and not stored', async () => {
  const claimed = digestOf('the real content');
  const before = await blobFiles();
  const res = await request(reg.url, 'POST', `/v2/bad/blob/blobs/uploads/?digest=${claimed}`, { body: 'tampered content' });
  assert.equal(res.status, 400);
  assert.equal(errCode(res.body), 'DIGEST_INVALID');
  assert.deepEqual(await blobFiles(), before);
  assert.equal((await request(reg.url, 'HEAD', `/v2/bad/blob/blobs/${claimed}`)).status, 404);
  assert.equal((await request(reg.url, 'HEAD', `/v2/bad/blob/blobs/${digestOf('tampered content')}`)).status, 404);

  const loc = (await request(reg.url, 'POST', '/v2/bad/blob/blobs/uploads/')).headers.location!;
  await request(reg.url, 'PATCH', loc, { body: 'chunk' });
  const put = await request(reg.url, 'PUT', `${loc}?digest=${claimed}`);
  assert.equal(put.status, 400);
  assert.equal(errCode(put.body), 'DIGEST_INVALID');
  assert.equal((await request(reg.url, 'GET', loc)).status, 404, 'a failed upload is closed');
});

test('invalid digests are DIGEST_INVALID', async () => {
  for (const p of ['/v2/bad/d/blobs/sha256:abc', '/v2/bad/d/blobs/md5:0123', '/v2/bad/d/blobs/uploads/?digest=sha256:zz']) {
    const res = await request(reg.url, p.includes('uploads') ? 'POST' : 'GET', p, p.includes('uploads') ? { body: 'x' } : {});
    assert.equal(res.status, 400, p);
    assert.equal(errCode(res.body), 'DIGEST_INVALID', p);
  }
  const m = await request(reg.url, 'PUT', '/v2/bad/d/manifests/sha256:1234', { body: '{}', headers: { 'Content-Type': OCI_MANIFEST } });
  assert.equal(errCode(m.body), 'DIGEST_INVALID');
  const t = await request(reg.url, 'PUT', '/v2/bad/d/manifests/-tag', { body: '{}', headers: { 'Content-Type': OCI_MANIFEST } });
  assert.equal(errCode(t.body), 'TAG_INVALID');
});

test('GET and HEAD of a reference that is neither a tag nor a digest are 404 MANIFEST_UNKNOWN (conformance: .INVALID_MANIFEST_NAME)', async () => {
  for (const ref of ['.INVALID_MANIFEST_NAME', 'sha256:1234', '-tag']) {
    const get = await request(reg.url, 'GET', `/v2/bad/d/manifests/${ref}`);
    assert.equal(get.status, 404, ref);
    assert.equal(errCode(get.body), 'MANIFEST_UNKNOWN', ref);
    assert.equal((await request(reg.url, 'HEAD', `/v2/bad/d/manifests/${ref}`)).status, 404, ref);
  }
});

test('a manifest naming missing blobs is MANIFEST_BLOB_UNKNOWN and not stored', async () => {
  const img = await makeImage('missing');
  await pushBlob(reg.url, 'bad/man', img.config); // the layer is never pushed
  const res = await request(reg.url, 'PUT', '/v2/bad/man/manifests/v1', { body: img.manifest, headers: { 'Content-Type': OCI_MANIFEST } });
  assert.equal(res.status, 400);
  assert.equal(errCode(res.body), 'MANIFEST_BLOB_UNKNOWN');
  assert.equal((await request(reg.url, 'GET', '/v2/bad/man/manifests/v1')).status, 404);
  assert.equal((await request(reg.url, 'GET', `/v2/bad/man/manifests/${img.manifestDigest}`)).status, 404);
});

test('a blob pushed to another repository does not satisfy a manifest', async () => {
  const img = await makeImage('elsewhere');
  await pushBlob(reg.url, 'bad/elsewhere', img.config);
  await pushBlob(reg.url, 'bad/elsewhere', img.layer);
  const res = await request(reg.url, 'PUT', '/v2/bad/here/manifests/v1', { body: img.manifest, headers: { 'Content-Type': OCI_MANIFEST } });
  assert.equal(errCode(res.body), 'MANIFEST_BLOB_UNKNOWN');
});

test('invalid manifests: not JSON, wrong type, type mismatch', async () => {
  const cases: [string, string][] = [
    ['not json', OCI_MANIFEST],
    [JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: {}, layers: [] }), OCI_MANIFEST],
    [JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] }), OCI_MANIFEST],
    [JSON.stringify({ schemaVersion: 2, manifests: [] }), 'text/plain'],
  ];
  for (const [body, ct] of cases) {
    const res = await request(reg.url, 'PUT', '/v2/bad/inv/manifests/v1', { body, headers: { 'Content-Type': ct } });
    assert.equal(res.status, 400, body);
    assert.equal(errCode(res.body), 'MANIFEST_INVALID', body);
  }
});

test('an oversized manifest is 413 and not stored', async () => {
  const big = JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, annotations: { pad: 'x'.repeat(2000) } });
  const res = await request(reg.url, 'PUT', '/v2/bad/big/manifests/v1', { body: big, headers: { 'Content-Type': OCI_MANIFEST } });
  assert.equal(res.status, 413);
  assert.equal(errCode(res.body), 'MANIFEST_INVALID');
  assert.equal((await request(reg.url, 'GET', '/v2/bad/big/manifests/v1')).status, 404);
});

test('path traversal in repository names is NAME_INVALID and touches nothing outside the root', async () => {
  const attempts = [
    '/v2/../etc/manifests/latest',
    '/v2/a/../../b/manifests/latest',
    '/v2/%2e%2e/%2e%2e/etc/blobs/uploads/',
    '/v2/a%2f..%2f..%2fx/manifests/latest',
    '/v2/.hidden/tags/list',
    '/v2/UPPER/tags/list',
    '/v2/a//b/tags/list',
  ];
  for (const p of attempts) {
    const res = await request(reg.url, p.endsWith('uploads/') ? 'POST' : 'GET', p);
    assert.equal(res.status, 400, p);
    assert.equal(errCode(res.body), 'NAME_INVALID', p);
  }
  const entries = await fs.readdir(path.dirname(reg.root));
  assert.ok(!entries.includes('etc'));
});

test('guessed, reused and foreign upload ids are BLOB_UPLOAD_UNKNOWN', async () => {
  const guessed = await request(reg.url, 'PATCH', `/v2/bad/up/blobs/uploads/${'0'.repeat(32)}`, { body: 'x' });
  assert.equal(guessed.status, 404);
  assert.equal(errCode(guessed.body), 'BLOB_UPLOAD_UNKNOWN');
  const malformed = await request(reg.url, 'GET', '/v2/bad/up/blobs/uploads/..');
  assert.ok(malformed.status === 404 || malformed.status === 400);

  const loc = (await request(reg.url, 'POST', '/v2/bad/up/blobs/uploads/')).headers.location!;
  const id = loc.split('/').pop()!;
  assert.match(id, /^[0-9a-f]{32}$/);
  const foreign = await request(reg.url, 'PATCH', `/v2/bad/other/blobs/uploads/${id}`, { body: 'x' });
  assert.equal(foreign.status, 404);
  assert.equal(errCode(foreign.body), 'BLOB_UPLOAD_UNKNOWN');
  const foreignPut = await request(reg.url, 'PUT', `/v2/bad/other/blobs/uploads/${id}?digest=${digestOf('')}`);
  assert.equal(errCode(foreignPut.body), 'BLOB_UPLOAD_UNKNOWN');
  assert.equal((await request(reg.url, 'HEAD', `/v2/bad/other/blobs/${digestOf('')}`)).status, 404);

  assert.equal((await request(reg.url, 'PUT', `${loc}?digest=${digestOf('')}`)).status, 201);
  const reused = await request(reg.url, 'PUT', `${loc}?digest=${digestOf('')}`);
  assert.equal(errCode(reused.body), 'BLOB_UPLOAD_UNKNOWN');
});
