// Operation: config loading, graceful shutdown, upload purge, garbage collection.
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { loadRegistryConfig, runRegistryGc } from './index.js';
import { digestOf, makeImage, pushBlob, pushImage, request, startTestRegistry, tempDir } from './testing/harness.js';

describe('config', () => {
  test('YAML file, relative paths, durations, then flag overrides', async () => {
    const dir = await tempDir('hull-cfg-');
    const file = path.join(dir, 'registry.yaml');
    await fs.writeFile(
      file,
      ['http:', '  addr: 127.0.0.1:5055', '  maxManifestBytes: 1000', 'storage:', '  root: data', '  uploadPurgeAge: 2h', '  delete: false', 'auth:', '  htpasswd: users', '  anonymousPull: true', '  token: {expiresIn: 60}', 'gc: {grace: 10m}', ''].join('\n'),
    );
    const c = await loadRegistryConfig(file);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 5055);
    assert.equal(c.root, path.join(dir, 'data'));
    assert.equal(c.maxManifestBytes, 1000);
    assert.equal(c.uploadPurgeAgeMs, 7_200_000);
    assert.equal(c.deleteEnabled, false);
    assert.equal(c.auth.htpasswd, path.join(dir, 'users'));
    assert.equal(c.auth.anonymousPull, true);
    assert.equal(c.auth.token?.expiresInSec, 60);
    assert.equal(c.gcGraceMs, 600_000);
    const o = await loadRegistryConfig(file, { addr: '[::1]:0', root: '/srv/r', uploadPurgeAge: '30m' });
    assert.equal(o.host, '::1');
    assert.equal(o.port, 0);
    assert.equal(o.root, '/srv/r');
    assert.equal(o.uploadPurgeAgeMs, 1_800_000);
    await fs.rm(dir, { recursive: true });
  });

  test('storage.s3, proxy and notifications as a user writes them; mistakes are named', async () => {
    const dir = await tempDir('hull-cfg-');
    const file = path.join(dir, 'registry.yaml');
    const write = (lines: string[]): Promise<void> => fs.writeFile(file, lines.join('\n'));
    await write([
      'storage:',
      '  automaticMount: true',
      '  s3: {bucket: reg, region: eu-west-1, regionendpoint: "http://127.0.0.1:7480", rootdirectory: /hull, accesskey: A, secretkey: S, redirect: true, redirectexpiry: 10m}',
      'proxy: {remoteurl: "https://registry-1.docker.io", username: u, password: p, ttl: 1h}',
      'notifications:',
      '  endpoints:',
      '    - {name: audit, url: "http://hooks.local/x", headers: {Authorization: [Bearer t]}, timeout: 2s, backoff: 500ms, ignore: {actions: [pull]}}',
    ]);
    const c = await loadRegistryConfig(file);
    assert.equal(c.automaticMount, true);
    assert.deepEqual(c.s3, { bucket: 'reg', region: 'eu-west-1', endpoint: 'http://127.0.0.1:7480', rootDirectory: '/hull', accessKeyId: 'A', secretAccessKey: 'S', partSize: 8 * 1024 * 1024, redirectExpiresIn: 600 });
    assert.deepEqual(c.proxy, { remoteUrl: 'https://registry-1.docker.io', username: 'u', password: 'p', ttlMs: 3_600_000 });
    assert.deepEqual(c.notifications, [{ name: 'audit', url: 'http://hooks.local/x', headers: { Authorization: ['Bearer t'] }, timeoutMs: 2000, backoffMs: 500, ignoredActions: ['pull'], ignoredMediaTypes: [], maxQueue: 10_000 }]);
    await write(['storage: {s3: {region: x}}']);
    await assert.rejects(loadRegistryConfig(file), /storage.s3.bucket is required/);
    await write(['storage: {s3: {bucket: b, accesskey: only}}']);
    await assert.rejects(loadRegistryConfig(file), /both accesskey and secretkey/);
    await write(['storage: {s3: {bucket: b, chunksize: 1000}}']);
    await assert.rejects(loadRegistryConfig(file), /chunksize/);
    await write(['proxy: {remoteurl: "ftp://x"}']);
    await assert.rejects(loadRegistryConfig(file), /proxy.remoteurl/);
    await write(['notifications: {endpoints: [{url: nope}]}']);
    await assert.rejects(loadRegistryConfig(file), /notifications.endpoints\[0\].url/);
    await fs.rm(dir, { recursive: true });
  });

  test('errors name the problem', async () => {
    await assert.rejects(loadRegistryConfig('/nonexistent/registry.yaml'), { code: 'NOT_FOUND' });
    await assert.rejects(loadRegistryConfig(undefined, { addr: 'nope' }), /HOST:PORT/);
    await assert.rejects(loadRegistryConfig(undefined, { tlsCert: '/x.crt' }), /both a certificate and a key/);
  });
});

describe('lifecycle', () => {
  test('close() lets an in-flight upload finish, then refuses new connections', async () => {
    const reg = await startTestRegistry();
    const loc = (await request(reg.url, 'POST', '/v2/life/app/blobs/uploads/')).headers.location!;
    const u = new URL(reg.url);
    const body = Buffer.alloc(256 * 1024, 7);
    const inFlight = new Promise<number>((resolve, reject) => {
      const req = http.request({ host: u.hostname, port: u.port, method: 'PUT', path: `${loc}?digest=${digestOf(body)}`, headers: { 'Content-Length': String(body.length) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.write(body.subarray(0, 1024), () => {
        const closed = reg.close();
        req.end(body.subarray(1024));
        void closed;
      });
    });
    assert.equal(await inFlight, 201);
    await reg.close();
    await assert.rejects(request(reg.url, 'GET', '/v2/'));
  });

  test('abandoned upload sessions are purged after the configured age', async () => {
    const reg = await startTestRegistry({ root: await tempDir(), uploadPurgeAge: '1h' });
    const loc = (await request(reg.url, 'POST', '/v2/purge/app/blobs/uploads/')).headers.location!;
    const id = loc.split('/').pop()!;
    const fresh = (await request(reg.url, 'POST', '/v2/purge/app/blobs/uploads/')).headers.location!;
    const dir = path.join(reg.root, 'repositories', 'purge', 'app', '_uploads', id);
    const old = new Date(Date.now() - 2 * 3_600_000);
    await fs.utimes(dir, old, old);
    await reg.close();
    const again = await startTestRegistry({ root: reg.root, uploadPurgeAge: '1h' });
    for (let i = 0; i < 100 && (await fs.stat(dir).catch(() => undefined)); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal((await request(again.url, 'GET', loc)).status, 404);
    assert.equal((await request(again.url, 'GET', fresh)).status, 204, 'a young session survives');
    await again.close();
    await fs.rm(reg.root, { recursive: true, force: true });
  });
});

describe('garbage collection', () => {
  test('dry run reports, then a run sweeps unreferenced blobs and (optionally) untagged manifests', async () => {
    const reg = await startTestRegistry({ root: await tempDir() });
    const kept = await makeImage('kept');
    const dropped = await makeImage('dropped');
    await pushImage(reg.url, 'gc/app', kept, 'v1');
    await pushImage(reg.url, 'gc/app', dropped, 'old');
    await request(reg.url, 'DELETE', '/v2/gc/app/manifests/old'); // untagged now
    const orphan = await pushBlob(reg.url, 'gc/app', 'orphan blob, no manifest');
    await reg.close();

    const config = await loadRegistryConfig(undefined, { root: reg.root });
    config.gcGraceMs = 0;
    // Object stores keep whole seconds, so GC counts its start's second as young: start "a second later".
    const now = Date.now() + 1000;
    const dry = await runRegistryGc(config, { dryRun: true, deleteUntagged: false, now });
    assert.deepEqual(dry.blobsDeleted, [orphan]);
    assert.equal(dry.manifestsDeleted.length, 0);

    const graced = await runRegistryGc({ ...config, gcGraceMs: 3_600_000 }, { dryRun: false, deleteUntagged: true });
    assert.equal(graced.blobsDeleted.length, 0, 'fresh blobs are inside the grace window');

    const untagged = await runRegistryGc(config, { dryRun: false, deleteUntagged: true, now });
    assert.deepEqual(untagged.manifestsDeleted, [{ repository: 'gc/app', digest: dropped.manifestDigest }]);
    assert.ok(untagged.blobsDeleted.includes(orphan));
    assert.ok(untagged.blobsDeleted.includes(digestOf(dropped.layer)));
    assert.ok(!untagged.blobsDeleted.includes(digestOf(kept.layer)));

    const after = await startTestRegistry({ root: reg.root });
    const got = await request(after.url, 'GET', '/v2/gc/app/manifests/v1');
    assert.equal(got.status, 200);
    assert.equal((await request(after.url, 'GET', `/v2/gc/app/blobs/${digestOf(kept.layer)}`)).status, 200);
    assert.equal((await request(after.url, 'GET', `/v2/gc/app/blobs/${orphan}`)).status, 404);
    assert.equal((await request(after.url, 'GET', `/v2/gc/app/manifests/${dropped.manifestDigest}`)).status, 404);
    await after.close();
    await fs.rm(reg.root, { recursive: true, force: true });
  });
});
