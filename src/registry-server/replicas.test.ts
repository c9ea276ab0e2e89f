// Stateless replicas: two registry server processes on one S3 bucket (a real radosgw), and
// presigned redirects. One radosgw for the whole file.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { loadRegistryConfig, runRegistryGc } from './index.js';
import { digestOf, makeImage, pushBlob, pushImage, request, startTestRegistry, tempDir } from './testing/harness.js';
import { radosgwAvailable, startRadosgw, type Radosgw } from './testing/radosgw.js';
import { createTestBucket } from './testing/s3.js';
import type { S3DriverOptions } from './storage/s3-driver.js';

const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'serve-entry.js');
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const available = await radosgwAvailable();
let rgw: Radosgw | undefined;
let dir: string;
before(async () => {
  if (!available) return;
  rgw = await startRadosgw();
  dir = await tempDir('hull-replicas-');
});
after(async () => {
  await rgw?.stop();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

/** A config file for `storage.s3` as a user writes it. */
async function writeConfig(s3: S3DriverOptions, extra: Record<string, unknown> = {}): Promise<string> {
  const file = path.join(dir, `config-${randomBytes(4).toString('hex')}.yaml`);
  const storage = { s3: { bucket: s3.bucket, region: s3.region, regionendpoint: s3.endpoint, rootdirectory: '/hull', accesskey: s3.accessKeyId, secretkey: s3.secretAccessKey, ...extra } };
  await fs.writeFile(file, stringify({ http: { addr: '127.0.0.1:0' }, storage }));
  return file;
}

interface Replica {
  url: string;
  child: ChildProcess;
}

function startReplica(config: string): Promise<Replica> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ENTRY, '--config', config], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`replica exited early with ${code}`)));
  });
}

async function stopReplica(r: Replica): Promise<void> {
  const exited = new Promise((res) => r.child.once('exit', res));
  r.child.kill('SIGTERM');
  await exited;
}

const skip = available ? false : 'Ceph is not installed (scripts/setup.sh installs it)';

describe('two replicas on one bucket', { skip }, () => {
  let a: Replica;
  let b: Replica;
  let configFile: string;
  before(async () => {
    if (!available) return;
    configFile = await writeConfig(await createTestBucket(rgw!));
    [a, b] = await Promise.all([startReplica(configFile), startReplica(configFile)]);
  });
  after(async () => {
    if (a) await stopReplica(a);
    if (b) await stopReplica(b);
  });

  test('a chunked upload started on one replica finishes on the other', async () => {
    const data = randomBytes(700 * 1024);
    const start = await request(a.url, 'POST', '/v2/rep/app/blobs/uploads/');
    assert.equal(start.status, 202);
    const loc = start.headers.location!;
    const first = await request(a.url, 'PATCH', loc, { body: data.subarray(0, 300 * 1024), headers: { 'Content-Range': `0-${300 * 1024 - 1}` } });
    assert.equal(first.status, 202);
    const status = await request(b.url, 'GET', loc);
    assert.equal(status.status, 204);
    assert.equal(status.headers.range, `0-${300 * 1024 - 1}`, 'the other replica knows how far the upload got');
    const second = await request(b.url, 'PATCH', loc, { body: data.subarray(300 * 1024), headers: { 'Content-Range': `${300 * 1024}-${data.length - 1}` } });
    assert.equal(second.status, 202);
    const put = await request(b.url, 'PUT', `${loc}?digest=${digestOf(data)}`);
    assert.equal(put.status, 201);
    for (const r of [a, b]) {
      const got = await request(r.url, 'GET', `/v2/rep/app/blobs/${digestOf(data)}`);
      assert.equal(got.status, 200);
      assert.equal(digestOf(got.body), digestOf(data));
    }
    assert.equal((await request(a.url, 'GET', loc)).status, 404, 'the finished session is gone for both');
  });

  test('a manifest pushed to one replica is served by the other at once; a tag moved on one moves on both', async () => {
    const img = await makeImage('replicated');
    assert.equal((await pushImage(a.url, 'rep/img', img, 'v1')).status, 201);
    const got = await request(b.url, 'GET', '/v2/rep/img/manifests/v1', { headers: { Accept: OCI_MANIFEST } });
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, img.manifest);
    const img2 = await makeImage('replicated, second');
    assert.equal((await pushImage(b.url, 'rep/img', img2, 'v1')).status, 201);
    assert.equal((await request(a.url, 'HEAD', '/v2/rep/img/manifests/v1', { headers: { Accept: OCI_MANIFEST } })).headers['docker-content-digest'], img2.manifestDigest);
    const tags = await request(a.url, 'GET', '/v2/rep/img/tags/list');
    assert.deepEqual(tags.json<{ tags: string[] }>().tags, ['v1']);
  });

  // The race is made on purpose: GC's hooks pause it after the mark (pushes then land between the
  // mark and the sweep) and again after it published its intent and looked again (a push then
  // references a blob the sweep is about to delete). GC's clock is set a minute ahead with no grace,
  // so the grace window protects nothing here: what survives, survives by the re-mark and the fence.
  test('GC while both replicas serve: garbage goes, nothing pushed or re-referenced during the run is lost', async () => {
    const ok = async (p: Promise<{ status: number; body: Buffer }>, status = 201): Promise<void> => {
      const res = await p;
      assert.equal(res.status, status, res.body.toString());
    };
    const manifestPut = (url: string, repo: string, img: { manifest: Buffer }, tag: string): Promise<{ status: number; body: Buffer }> =>
      request(url, 'PUT', `/v2/${repo}/manifests/${tag}`, { body: img.manifest, headers: { 'Content-Type': OCI_MANIFEST } });
    const kept = await makeImage('tagged before gc');
    await ok(pushImage(a.url, 'rep/gc', kept, 'stay'));
    const untagged = await makeImage('untagged before gc');
    const retagged = await makeImage('untagged before gc, tagged during it');
    for (const img of [untagged, retagged]) {
      await ok(pushImage(a.url, 'rep/gc', img, 'tmp'));
      await ok(request(a.url, 'DELETE', '/v2/rep/gc/manifests/tmp'), 202);
    }
    const garbage = await Promise.all([0, 1, 2].map((i) => pushBlob(a.url, 'rep/gc', `garbage ${i} ${randomBytes(8).toString('hex')}`)));
    // Blobs stored but unreferenced at the mark, referenced again while GC runs.
    const skipped = await makeImage('blobs already stored, the client skips them');
    const mounted = await makeImage('blobs mounted into another repository');
    const late = await makeImage('referenced while the sweep deletes');
    for (const img of [skipped, mounted, late]) for (const blob of [img.config, img.layer]) await pushBlob(b.url, 'rep/gc', blob);
    // An upload in progress when GC starts, finished on the other replica while it runs.
    const chunked = await makeImage(`chunked ${randomBytes(256 * 1024).toString('hex')}`);
    await pushBlob(a.url, 'rep/chunked', chunked.config);
    const session = await request(a.url, 'POST', '/v2/rep/chunked/blobs/uploads/');
    const loc = session.headers.location!;
    const half = Math.floor(chunked.layer.length / 2);
    await ok(request(a.url, 'PATCH', loc, { body: chunked.layer.subarray(0, half), headers: { 'Content-Range': `0-${half - 1}` } }), 202);
    const flights = await Promise.all(Array.from({ length: 6 }, (_, i) => makeImage(`in flight ${i}`)));

    let latePush: Promise<{ status: number; body: Buffer }> | undefined;
    const config = await loadRegistryConfig(configFile);
    const report = await runRegistryGc(
      { ...config, gcGraceMs: 0 },
      {
        dryRun: false,
        deleteUntagged: true,
        now: Date.now() + 60_000,
        hooks: {
          afterMark: async () => {
            await Promise.all(flights.map((img, i) => ok(pushImage(i % 2 ? a.url : b.url, i === 5 ? 'rep/gc' : `rep/flight${i}`, img, 'v1'))));
            await ok(manifestPut(b.url, 'rep/gc', skipped, 'skipped'));
            await ok(manifestPut(a.url, 'rep/gc', retagged, 'again'));
            for (const blob of [mounted.config, mounted.layer]) await ok(request(b.url, 'POST', `/v2/rep/mounted/blobs/uploads/?mount=${digestOf(blob)}&from=rep/gc`));
            await ok(manifestPut(a.url, 'rep/mounted', mounted, 'v1'));
            await ok(request(b.url, 'PATCH', loc, { body: chunked.layer.subarray(half), headers: { 'Content-Range': `${half}-${chunked.layer.length - 1}` } }), 202);
            await ok(request(b.url, 'PUT', `${loc}?digest=${digestOf(chunked.layer)}`));
            await ok(manifestPut(a.url, 'rep/chunked', chunked, 'v1'));
          },
          beforeSweep: async () => {
            // The push writes its tag, then must notice the sweep; GC goes on once the tag is visible.
            latePush = manifestPut(b.url, 'rep/gc', late, 'late');
            for (const deadline = Date.now() + 60_000; (await request(a.url, 'HEAD', '/v2/rep/gc/manifests/late', { headers: { Accept: OCI_MANIFEST } })).status !== 200; ) {
              assert.ok(Date.now() < deadline, 'the late push never wrote its tag');
              await new Promise((r) => setTimeout(r, 50));
            }
          },
        },
      },
    );
    assert.equal(report.incomplete, false);
    for (const d of garbage) {
      assert.ok(report.blobsDeleted.includes(d), `garbage ${d} swept`);
      assert.equal((await request(b.url, 'GET', `/v2/rep/gc/blobs/${d}`)).status, 404);
    }
    assert.deepEqual(
      report.manifestsDeleted.filter((m) => m.repository === 'rep/gc'),
      [{ repository: 'rep/gc', digest: untagged.manifestDigest }],
    );
    assert.equal((await request(a.url, 'GET', `/v2/rep/gc/blobs/${digestOf(untagged.layer)}`)).status, 404);

    // The push that referenced blobs being swept was refused cleanly, leaving no tag; a retry works.
    const refused = await latePush!;
    assert.equal(refused.status, 400, refused.body.toString());
    assert.match(refused.body.toString(), /MANIFEST_BLOB_UNKNOWN/);
    assert.equal((await request(a.url, 'HEAD', '/v2/rep/gc/manifests/late')).status, 404, 'the refused push left no tag');
    await ok(pushImage(a.url, 'rep/gc', late, 'late'));

    const survivors: [string, string, Awaited<ReturnType<typeof makeImage>>][] = [
      ['rep/gc', 'stay', kept],
      ['rep/gc', 'again', retagged],
      ['rep/gc', 'skipped', skipped],
      ['rep/gc', 'late', late],
      ['rep/mounted', 'v1', mounted],
      ['rep/chunked', 'v1', chunked],
      ...flights.map((img, i): [string, string, typeof img] => [i === 5 ? 'rep/gc' : `rep/flight${i}`, 'v1', img]),
    ];
    for (const [repo, tag, img] of survivors) {
      for (const r of [a, b]) {
        const m = await request(r.url, 'GET', `/v2/${repo}/manifests/${tag}`, { headers: { Accept: OCI_MANIFEST } });
        assert.equal(m.status, 200, `${repo}:${tag} survived`);
        assert.deepEqual(m.body, img.manifest);
        for (const blob of [img.config, img.layer]) assert.equal(digestOf((await request(r.url, 'GET', `/v2/${repo}/blobs/${digestOf(blob)}`)).body), digestOf(blob), `${repo}:${tag} blob`);
      }
    }
  });
});

describe('blob redirects to presigned URLs', { skip }, () => {
  test('GET answers 307 to the bucket; HEAD and unknown blobs are answered locally', async () => {
    const s3 = await createTestBucket(rgw!);
    const reg = await startTestRegistry({}, (c) => {
      c.s3 = { ...s3, redirectExpiresIn: 300 };
    });
    try {
      const data = randomBytes(64 * 1024);
      const d = await pushBlob(reg.url, 'redir/app', data);
      const res = await request(reg.url, 'GET', `/v2/redir/app/blobs/${d}`);
      assert.equal(res.status, 307);
      assert.ok(res.headers.location!.startsWith(rgw!.endpoint));
      const direct = await fetch(res.headers.location!);
      assert.equal(digestOf(Buffer.from(await direct.arrayBuffer())), d);
      assert.equal((await request(reg.url, 'HEAD', `/v2/redir/app/blobs/${d}`)).status, 200);
      assert.equal((await request(reg.url, 'GET', `/v2/redir/app/blobs/${digestOf('absent')}`)).status, 404);
      assert.equal((await request(reg.url, 'GET', `/v2/redir/other/blobs/${d}`)).status, 404, 'no redirect for a repository without the blob');
    } finally {
      await reg.close();
    }
  });
});
