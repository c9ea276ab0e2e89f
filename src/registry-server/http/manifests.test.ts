// Spec behaviour of manifests, tags, catalog and referrers (distribution-spec spec.md).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { digestOf, makeImage, pushBlob, pushImage, request, startTestRegistry, type TestImage, type TestRegistry } from '../testing/harness.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

let reg: TestRegistry;
let img: TestImage;
before(async () => {
  reg = await startTestRegistry();
  img = await makeImage();
});
after(async () => {
  await reg.close();
});

function errCode(body: Buffer): string {
  return (JSON.parse(body.toString()) as { errors: { code: string }[] }).errors[0]!.code;
}

describe('manifests', () => {
  test('PUT by tag: 201 with Location and Docker-Content-Digest; GET and HEAD by tag and digest', async () => {
    const put = await pushImage(reg.url, 'm/app', img, 'v1');
    assert.equal(put.status, 201);
    assert.equal(put.headers.location, `/v2/m/app/manifests/${img.manifestDigest}`);
    assert.equal(put.headers['docker-content-digest'], img.manifestDigest);
    assert.equal(put.headers['oci-subject'], undefined);

    for (const ref of ['v1', img.manifestDigest]) {
      const get = await request(reg.url, 'GET', `/v2/m/app/manifests/${ref}`, { headers: { Accept: OCI_MANIFEST } });
      assert.equal(get.status, 200);
      assert.deepEqual(get.body, img.manifest);
      assert.equal(get.headers['content-type'], OCI_MANIFEST);
      assert.equal(get.headers['docker-content-digest'], img.manifestDigest);
      const head = await request(reg.url, 'HEAD', `/v2/m/app/manifests/${ref}`);
      assert.equal(head.status, 200);
      assert.equal(head.headers['content-length'], String(img.manifest.length));
      assert.equal(head.body.length, 0);
    }
  });

  test('content negotiation: a tag whose type the Accept header excludes is 404 MANIFEST_UNKNOWN', async () => {
    await pushImage(reg.url, 'm/neg', img, 'v1');
    const res = await request(reg.url, 'GET', '/v2/m/neg/manifests/v1', { headers: { Accept: DOCKER_MANIFEST } });
    assert.equal(res.status, 404);
    assert.equal(errCode(res.body), 'MANIFEST_UNKNOWN');
    const wildcard = await request(reg.url, 'GET', '/v2/m/neg/manifests/v1', { headers: { Accept: '*/*' } });
    assert.equal(wildcard.status, 200);
    const byDigest = await request(reg.url, 'GET', `/v2/m/neg/manifests/${img.manifestDigest}`, { headers: { Accept: DOCKER_MANIFEST } });
    assert.equal(byDigest.status, 200);
  });

  test('Docker schema2 manifest and manifest list, OCI index', async () => {
    const cfg = await pushBlob(reg.url, 'm/docker', '{"architecture":"amd64","os":"linux"}');
    const layer = await pushBlob(reg.url, 'm/docker', 'layer-bytes');
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST,
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: cfg, size: 37 },
      layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: layer, size: 11 }],
    });
    const put = await request(reg.url, 'PUT', '/v2/m/docker/manifests/s2', { body: manifest, headers: { 'Content-Type': DOCKER_MANIFEST } });
    assert.equal(put.status, 201);
    const md = digestOf(manifest);
    const list = JSON.stringify({ schemaVersion: 2, mediaType: DOCKER_LIST, manifests: [{ mediaType: DOCKER_MANIFEST, digest: md, size: manifest.length, platform: { architecture: 'amd64', os: 'linux' } }] });
    assert.equal((await request(reg.url, 'PUT', '/v2/m/docker/manifests/list', { body: list, headers: { 'Content-Type': DOCKER_LIST } })).status, 201);
    const got = await request(reg.url, 'GET', '/v2/m/docker/manifests/list', { headers: { Accept: `${DOCKER_LIST}, ${DOCKER_MANIFEST}` } });
    assert.equal(got.headers['content-type'], DOCKER_LIST);
    assert.equal(got.body.toString(), list);

    const index = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: DOCKER_MANIFEST, digest: md, size: manifest.length }] });
    assert.equal((await request(reg.url, 'PUT', '/v2/m/docker/manifests/idx', { body: index, headers: { 'Content-Type': OCI_INDEX } })).status, 201);

    const dangling = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: digestOf('nothing'), size: 7 }] });
    const refused = await request(reg.url, 'PUT', '/v2/m/docker/manifests/bad', { body: dangling, headers: { 'Content-Type': OCI_INDEX } });
    assert.equal(refused.status, 400);
    assert.equal(errCode(refused.body), 'MANIFEST_BLOB_UNKNOWN');
  });

  test('PUT by digest verifies the digest', async () => {
    await pushBlob(reg.url, 'm/bydigest', img.config);
    await pushBlob(reg.url, 'm/bydigest', img.layer);
    const ok = await request(reg.url, 'PUT', `/v2/m/bydigest/manifests/${img.manifestDigest}`, { body: img.manifest, headers: { 'Content-Type': OCI_MANIFEST } });
    assert.equal(ok.status, 201);
    const wrong = await request(reg.url, 'PUT', `/v2/m/bydigest/manifests/${digestOf('other')}`, { body: img.manifest, headers: { 'Content-Type': OCI_MANIFEST } });
    assert.equal(wrong.status, 400);
    assert.equal(errCode(wrong.body), 'DIGEST_INVALID');
  });

  test('DELETE by tag removes the tag; by digest removes the manifest and its tags', async () => {
    await pushImage(reg.url, 'm/del', img, 'a');
    await request(reg.url, 'PUT', '/v2/m/del/manifests/b', { body: img.manifest, headers: { 'Content-Type': OCI_MANIFEST } });
    assert.equal((await request(reg.url, 'DELETE', '/v2/m/del/manifests/a')).status, 202);
    assert.equal((await request(reg.url, 'GET', '/v2/m/del/manifests/a')).status, 404);
    assert.equal((await request(reg.url, 'GET', '/v2/m/del/manifests/b')).status, 200);
    assert.equal((await request(reg.url, 'DELETE', `/v2/m/del/manifests/${img.manifestDigest}`)).status, 202);
    const gone = await request(reg.url, 'GET', '/v2/m/del/manifests/b');
    assert.equal(gone.status, 404);
    assert.equal(errCode(gone.body), 'MANIFEST_UNKNOWN');
    assert.equal((await request(reg.url, 'DELETE', `/v2/m/del/manifests/${img.manifestDigest}`)).status, 404);
  });
});

describe('tags and catalog', () => {
  test('tags/list is sorted, paginated by n and last, with a Link header', async () => {
    for (const t of ['c', 'a', 'b', 'e', 'd']) await pushImage(reg.url, 'list/app', img, t);
    const all = await request(reg.url, 'GET', '/v2/list/app/tags/list');
    assert.deepEqual(all.json(), { name: 'list/app', tags: ['a', 'b', 'c', 'd', 'e'] });
    assert.equal(all.headers.link, undefined);
    const p1 = await request(reg.url, 'GET', '/v2/list/app/tags/list?n=2');
    assert.deepEqual(p1.json<{ tags: string[] }>().tags, ['a', 'b']);
    assert.equal(p1.headers.link, '</v2/list/app/tags/list?n=2&last=b>; rel="next"');
    const p2 = await request(reg.url, 'GET', '/v2/list/app/tags/list?n=2&last=b');
    assert.deepEqual(p2.json<{ tags: string[] }>().tags, ['c', 'd']);
    const p3 = await request(reg.url, 'GET', '/v2/list/app/tags/list?n=2&last=d');
    assert.deepEqual(p3.json<{ tags: string[] }>().tags, ['e']);
    assert.equal(p3.headers.link, undefined);
    const none = await request(reg.url, 'GET', '/v2/list/nothing/tags/list');
    assert.equal(none.status, 404);
    assert.equal(errCode(none.body), 'NAME_UNKNOWN');
  });

  test('_catalog lists repositories with pagination', async () => {
    await pushImage(reg.url, 'cat/a', img, 'x');
    await pushImage(reg.url, 'cat/b', img, 'x');
    const all = await request(reg.url, 'GET', '/v2/_catalog');
    const repos = all.json<{ repositories: string[] }>().repositories;
    assert.ok(repos.includes('cat/a') && repos.includes('cat/b'));
    assert.deepEqual([...repos].sort(), repos);
    const page = await request(reg.url, 'GET', '/v2/_catalog?n=1&last=cat/a');
    assert.deepEqual(page.json<{ repositories: string[] }>().repositories, ['cat/b']);
    assert.equal(page.headers.link, `</v2/_catalog?n=1&last=${encodeURIComponent('cat/b')}>; rel="next"`);
  });
});

describe('referrers', () => {
  test('a manifest with subject gets OCI-Subject; referrers lists it, filtered by artifactType', async () => {
    await pushImage(reg.url, 'ref/app', img, 'v1');
    const empty = await pushBlob(reg.url, 'ref/app', '{}');
    const artifact = (type: string, note: string): string =>
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        artifactType: type,
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: empty, size: 2 },
        layers: [],
        subject: { mediaType: OCI_MANIFEST, digest: img.manifestDigest, size: img.manifest.length },
        annotations: { note },
      });
    const sig = artifact('application/vnd.example.sig', 'sig');
    const sbom = artifact('application/vnd.example.sbom', 'sbom');
    for (const a of [sig, sbom]) {
      const put = await request(reg.url, 'PUT', `/v2/ref/app/manifests/${digestOf(a)}`, { body: a, headers: { 'Content-Type': OCI_MANIFEST } });
      assert.equal(put.status, 201);
      assert.equal(put.headers['oci-subject'], img.manifestDigest);
    }
    const all = await request(reg.url, 'GET', `/v2/ref/app/referrers/${img.manifestDigest}`);
    assert.equal(all.status, 200);
    assert.equal(all.headers['content-type'], OCI_INDEX);
    const idx = all.json<{ schemaVersion: number; mediaType: string; manifests: { digest: string; artifactType: string; annotations: Record<string, string> }[] }>();
    assert.equal(idx.schemaVersion, 2);
    assert.equal(idx.mediaType, OCI_INDEX);
    assert.deepEqual(idx.manifests.map((m) => m.digest).sort(), [digestOf(sig), digestOf(sbom)].sort());
    assert.equal(all.headers['oci-filters-applied'], undefined);

    const filtered = await request(reg.url, 'GET', `/v2/ref/app/referrers/${img.manifestDigest}?artifactType=application/vnd.example.sbom`);
    assert.equal(filtered.headers['oci-filters-applied'], 'artifactType');
    const f = filtered.json<{ manifests: { digest: string; artifactType: string; annotations: Record<string, string> }[] }>();
    assert.equal(f.manifests.length, 1);
    assert.equal(f.manifests[0]!.artifactType, 'application/vnd.example.sbom');
    assert.deepEqual(f.manifests[0]!.annotations, { note: 'sbom' });

    const unknown = await request(reg.url, 'GET', `/v2/ref/app/referrers/${digestOf('no subject')}`);
    assert.equal(unknown.status, 200);
    assert.deepEqual(unknown.json<{ manifests: unknown[] }>().manifests, []);

    await request(reg.url, 'DELETE', `/v2/ref/app/manifests/${digestOf(sig)}`);
    const after = await request(reg.url, 'GET', `/v2/ref/app/referrers/${img.manifestDigest}`);
    assert.deepEqual(after.json<{ manifests: { digest: string }[] }>().manifests.map((m) => m.digest), [digestOf(sbom)]);
  });

  test('an invalid subject digest is 400', async () => {
    const res = await request(reg.url, 'GET', '/v2/ref/app/referrers/sha256:xyz');
    assert.equal(res.status, 400);
    assert.equal(errCode(res.body), 'DIGEST_INVALID');
  });
});

describe('operation endpoints', () => {
  test('/healthz and /metrics', async () => {
    assert.equal((await request(reg.url, 'GET', '/healthz')).status, 200);
    const m = await request(reg.url, 'GET', '/metrics');
    assert.equal(m.status, 200);
    const text = m.body.toString();
    assert.match(text, /hull_registry_requests_total\{method="GET",status="200"\} \d+/);
    assert.match(text, /hull_registry_storage_bytes \d+/);
    assert.match(text, /hull_registry_upload_sessions \d+/);
    assert.match(text, /hull_registry_received_bytes_total [1-9]\d*/);
  });

  test('access log entries are structured', () => {
    const entry = reg.logs.find((l) => l.msg === 'request' && l.method === 'PUT');
    assert.ok(entry);
    assert.equal(typeof entry.status, 'number');
    assert.equal(typeof entry.durationMs, 'number');
  });
});
