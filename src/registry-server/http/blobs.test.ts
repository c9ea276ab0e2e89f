// Spec behaviour of blob and upload endpoints (distribution-spec spec.md#pulling-blobs, #pushing-blobs).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { digestOf, pushBlob, request, startTestRegistry, type TestRegistry } from '../testing/harness.js';

let reg: TestRegistry;
before(async () => {
  reg = await startTestRegistry();
});
after(async () => {
  await reg.close();
});

function errCode(body: Buffer): string {
  return (JSON.parse(body.toString()) as { errors: { code: string }[] }).errors[0]!.code;
}

describe('GET /v2/', () => {
  test('answers 200 {} with the API version header', async () => {
    const res = await request(reg.url, 'GET', '/v2/');
    assert.equal(res.status, 200);
    assert.equal(res.headers['docker-distribution-api-version'], 'registry/2.0');
    assert.deepEqual(res.json(), {});
  });
  test('unknown endpoints are 404 with the JSON error shape', async () => {
    const res = await request(reg.url, 'GET', '/v2/a/b/nothing/here');
    assert.equal(res.status, 404);
    assert.ok(Array.isArray(res.json<{ errors: unknown[] }>().errors));
  });
  test('a wrong method is 405 UNSUPPORTED', async () => {
    const res = await request(reg.url, 'POST', '/v2/a/manifests/x');
    assert.equal(res.status, 405);
    assert.equal(errCode(res.body), 'UNSUPPORTED');
  });
});

describe('blobs', () => {
  test('monolithic POST ?digest= then GET, HEAD and ranges', async () => {
    const data = Buffer.from('0123456789abcdef');
    const d = digestOf(data);
    const post = await request(reg.url, 'POST', `/v2/lib/one/blobs/uploads/?digest=${d}`, { body: data });
    assert.equal(post.status, 201);
    assert.equal(post.headers.location, `/v2/lib/one/blobs/${d}`);
    assert.equal(post.headers['docker-content-digest'], d);

    const head = await request(reg.url, 'HEAD', `/v2/lib/one/blobs/${d}`);
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], '16');
    assert.equal(head.headers['docker-content-digest'], d);
    assert.equal(head.body.length, 0);

    const get = await request(reg.url, 'GET', `/v2/lib/one/blobs/${d}`);
    assert.equal(get.status, 200);
    assert.deepEqual(get.body, data);

    const part = await request(reg.url, 'GET', `/v2/lib/one/blobs/${d}`, { headers: { Range: 'bytes=2-5' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], 'bytes 2-5/16');
    assert.equal(part.body.toString(), '2345');

    const suffix = await request(reg.url, 'GET', `/v2/lib/one/blobs/${d}`, { headers: { Range: 'bytes=-3' } });
    assert.equal(suffix.body.toString(), 'def');

    const bad = await request(reg.url, 'GET', `/v2/lib/one/blobs/${d}`, { headers: { Range: 'bytes=100-200' } });
    assert.equal(bad.status, 416);
    assert.equal(bad.headers['content-range'], 'bytes */16');
  });

  test('a blob is not readable through another repository', async () => {
    const d = await pushBlob(reg.url, 'lib/private', 'secret bytes');
    const res = await request(reg.url, 'GET', `/v2/lib/other/blobs/${d}`);
    assert.equal(res.status, 404);
    assert.equal(errCode(res.body), 'BLOB_UNKNOWN');
  });

  test('DELETE unlinks the blob from the repository: 202, then 404', async () => {
    const d = await pushBlob(reg.url, 'lib/del', 'to be deleted');
    const del = await request(reg.url, 'DELETE', `/v2/lib/del/blobs/${d}`);
    assert.equal(del.status, 202);
    assert.equal((await request(reg.url, 'HEAD', `/v2/lib/del/blobs/${d}`)).status, 404);
    assert.equal((await request(reg.url, 'DELETE', `/v2/lib/del/blobs/${d}`)).status, 404);
  });

  test('empty blob round-trips', async () => {
    const d = await pushBlob(reg.url, 'lib/empty', '');
    const get = await request(reg.url, 'GET', `/v2/lib/empty/blobs/${d}`);
    assert.equal(get.status, 200);
    assert.equal(get.headers['content-length'], '0');
  });
});

describe('uploads', () => {
  test('POST, PATCH chunks in order, GET status, PUT with digest', async () => {
    const start = await request(reg.url, 'POST', '/v2/up/chunked/blobs/uploads/');
    assert.equal(start.status, 202);
    const loc = start.headers.location!;
    assert.match(loc, /^\/v2\/up\/chunked\/blobs\/uploads\/[0-9a-f]{32}$/);
    assert.equal(start.headers.range, '0-0');

    const p1 = await request(reg.url, 'PATCH', loc, { body: 'hello ', headers: { 'Content-Range': '0-5', 'Content-Type': 'application/octet-stream' } });
    assert.equal(p1.status, 202);
    assert.equal(p1.headers.range, '0-5');
    assert.equal(p1.headers.location, loc);

    const status = await request(reg.url, 'GET', loc);
    assert.equal(status.status, 204);
    assert.equal(status.headers.range, '0-5');

    const outOfOrder = await request(reg.url, 'PATCH', loc, { body: 'xx', headers: { 'Content-Range': '10-11' } });
    assert.equal(outOfOrder.status, 416);
    assert.equal(errCode(outOfOrder.body), 'BLOB_UPLOAD_INVALID');

    const p2 = await request(reg.url, 'PATCH', loc, { body: 'world', headers: { 'Content-Range': '6-10' } });
    assert.equal(p2.status, 202);
    assert.equal(p2.headers.range, '0-10');

    const d = digestOf('hello world!');
    const put = await request(reg.url, 'PUT', `${loc}?digest=${d}`, { body: '!', headers: { 'Content-Range': '11-11' } });
    assert.equal(put.status, 201);
    assert.equal(put.headers.location, `/v2/up/chunked/blobs/${d}`);
    assert.equal(put.headers['docker-content-digest'], d);
    assert.equal((await request(reg.url, 'GET', `/v2/up/chunked/blobs/${d}`)).body.toString(), 'hello world!');

    const reuse = await request(reg.url, 'PATCH', loc, { body: 'again' });
    assert.equal(reuse.status, 404);
    assert.equal(errCode(reuse.body), 'BLOB_UPLOAD_UNKNOWN');
  });

  test('a chunk longer than its Content-Range is refused and cut back', async () => {
    const loc = (await request(reg.url, 'POST', '/v2/up/long/blobs/uploads/')).headers.location!;
    const res = await request(reg.url, 'PATCH', loc, { body: 'abcdef', headers: { 'Content-Range': '0-2' } });
    assert.equal(res.status, 416);
    assert.equal((await request(reg.url, 'GET', loc)).headers.range, '0-0');
  });

  test('streamed PATCH without Content-Range, then PUT without body', async () => {
    const loc = (await request(reg.url, 'POST', '/v2/up/stream/blobs/uploads/')).headers.location!;
    assert.equal((await request(reg.url, 'PATCH', loc, { body: 'abc' })).status, 202);
    assert.equal((await request(reg.url, 'PATCH', loc, { body: 'def' })).headers.range, '0-5');
    const put = await request(reg.url, 'PUT', `${loc}?digest=${digestOf('abcdef')}`);
    assert.equal(put.status, 201);
  });

  test('DELETE cancels: 204, then the session is unknown', async () => {
    const loc = (await request(reg.url, 'POST', '/v2/up/cancel/blobs/uploads/')).headers.location!;
    assert.equal((await request(reg.url, 'DELETE', loc)).status, 204);
    assert.equal((await request(reg.url, 'GET', loc)).status, 404);
  });

  test('PUT without digest is 400 DIGEST_INVALID', async () => {
    const loc = (await request(reg.url, 'POST', '/v2/up/nodigest/blobs/uploads/')).headers.location!;
    const res = await request(reg.url, 'PUT', loc);
    assert.equal(res.status, 400);
    assert.equal(errCode(res.body), 'DIGEST_INVALID');
  });

  test('cross-repository mount: 201 when the source has it, 202 session otherwise', async () => {
    const d = await pushBlob(reg.url, 'mnt/src', 'shared layer');
    const ok = await request(reg.url, 'POST', `/v2/mnt/dst/blobs/uploads/?mount=${d}&from=mnt/src`);
    assert.equal(ok.status, 201);
    assert.equal(ok.headers.location, `/v2/mnt/dst/blobs/${d}`);
    assert.equal((await request(reg.url, 'GET', `/v2/mnt/dst/blobs/${d}`)).body.toString(), 'shared layer');

    const missing = await request(reg.url, 'POST', `/v2/mnt/dst2/blobs/uploads/?mount=${digestOf('nope')}&from=mnt/src`);
    assert.equal(missing.status, 202);
    assert.match(missing.headers.location!, /\/v2\/mnt\/dst2\/blobs\/uploads\//);
  });

  test('automatic content discovery: a mount without from is 201 only with automaticMount on and a readable holder', async () => {
    const d = await pushBlob(reg.url, 'auto/src', 'discoverable layer');
    // Off (the default): the spec's fallback, an upload session.
    const off = await request(reg.url, 'POST', `/v2/auto/dst/blobs/uploads/?mount=${d}`);
    assert.equal(off.status, 202);

    const auto = await startTestRegistry({ automaticMount: true });
    try {
      const ad = await pushBlob(auto.url, 'auto/src', 'discoverable layer');
      const on = await request(auto.url, 'POST', `/v2/auto/dst/blobs/uploads/?mount=${ad}`);
      assert.equal(on.status, 201);
      assert.equal(on.headers.location, `/v2/auto/dst/blobs/${ad}`);
      assert.equal((await request(auto.url, 'GET', `/v2/auto/dst/blobs/${ad}`)).body.toString(), 'discoverable layer');
      const absent = await request(auto.url, 'POST', `/v2/auto/dst/blobs/uploads/?mount=${digestOf('stored nowhere')}`);
      assert.equal(absent.status, 202);
    } finally {
      await auto.close();
    }
  });
});
