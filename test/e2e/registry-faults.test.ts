/**
 * Faults injected by a proxy between hull and the reference registry: a layer download cut
 * halfway resumes with a Range request; a flipped byte is refused and leaves the store as it was;
 * 429 with Retry-After is waited out, on pull and on push.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import { join } from 'node:path';
import { createHullEnv, hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';
import { haveReferenceRegistry, startReferenceRegistry, type ReferenceRegistry } from '../../src/registry-client/testing/reference-registry.js';
import { startFaultProxy } from '../../src/registry-client/testing/proxy.js';

const skip = haveReferenceRegistry() ? false : 'docker-registry is not installed (scripts/setup.sh installs it)';
let env: HullEnv;
let reg: ReferenceRegistry;
let layer: { digest: string; size: number };
const REPO = 'faults/busybox';

function getJson(url: string, accept: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers: { Accept: accept } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
    }).on('error', reject);
  });
}

/** What a user or the next command could see of a store. */
function storeSnapshot(root: string): string {
  const list = (p: string) => (existsSync(p) ? readdirSync(p).sort() : []);
  return JSON.stringify({
    blobs: list(join(root, 'content/blobs/sha256')),
    ingest: list(join(root, 'content/ingest')),
    images: existsSync(join(root, 'images.json')) ? readFileSync(join(root, 'images.json'), 'utf8') : '',
    layers: list(join(root, 'snapshots/overlay/layers')).concat(list(join(root, 'snapshots/copy/layers'))),
  });
}

before(async () => {
  if (skip) return;
  env = await hullWithBusybox();
  reg = await startReferenceRegistry();
  await env.ok(['push', 'busybox', `${reg.host}/${REPO}:1`]);
  const manifest = (await getJson(`${reg.url}/v2/${REPO}/manifests/1`, 'application/vnd.oci.image.manifest.v1+json')) as { layers: Array<{ digest: string; size: number }> };
  layer = manifest.layers[0] as { digest: string; size: number };
  assert.ok(layer.size > 500_000, 'the busybox layer is big enough to cut in the middle');
});
after(async () => {
  await env?.cleanup();
  await reg?.close();
});

test('a layer download cut halfway resumes with a Range request', { skip }, async (t) => {
  const proxy = await startFaultProxy(reg.port, { cutBlob: { digest: layer.digest, afterBytes: Math.floor(layer.size / 2) } });
  t.after(() => proxy.close());
  const fresh = createHullEnv();
  t.after(() => fresh.cleanup());
  const r = await fresh.hull(['pull', `${proxy.host}/${REPO}:1`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Retrying blob sha256:[a-f0-9]{12} from byte \d+/);
  const gets = proxy.requests.filter((q) => q.method === 'GET' && q.path.endsWith(layer.digest));
  assert.equal(gets.length, 2, JSON.stringify(gets));
  const resumedAt = Number(/^bytes=(\d+)-$/.exec(gets[1]?.range ?? '')?.[1]);
  assert.ok(resumedAt > 0 && resumedAt <= layer.size / 2, `resumed at ${gets[1]?.range}`);
  assert.equal(await fresh.ok(['run', '--rm', `${proxy.host}/${REPO}:1`, 'echo', 'resumed']), 'resumed\n');
  assert.deepEqual(readdirSync(join(fresh.root, 'content/ingest')), []);
});

test('a corrupted byte is refused: no image, no blob, no ingest file', { skip }, async (t) => {
  const proxy = await startFaultProxy(reg.port, { corruptBlob: { digest: layer.digest, offset: Math.floor(layer.size / 3) } });
  t.after(() => proxy.close());
  const fresh = createHullEnv();
  t.after(() => fresh.cleanup());
  await fresh.ok(['images']);
  const before = storeSnapshot(fresh.root);
  const r = await fresh.hull(['pull', `${proxy.host}/${REPO}:1`]);
  assert.equal(r.code, 125);
  assert.match(r.stderr, new RegExp(`^Error: Cannot pull "127\\.0\\.0\\.1:\\d+/${REPO}:1": layer ${layer.digest}: content has digest sha256:[a-f0-9]{64}, expected ${layer.digest}`, 'm'));
  assert.match(r.stderr, /^hint: the registry sent different bytes/m);
  assert.equal(storeSnapshot(fresh.root), before);
  assert.equal(await fresh.ok(['images', '-q']), '');
});

test('429 with Retry-After is waited out on pull and on push', { skip }, async (t) => {
  const proxy = await startFaultProxy(reg.port, { rateLimit: { path: /\/manifests\/|\/blobs\/uploads\//, times: 2, retryAfter: '1' } });
  t.after(() => proxy.close());
  const fresh = createHullEnv();
  t.after(() => fresh.cleanup());
  const r = await fresh.hull(['pull', `${proxy.host}/${REPO}:1`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Retrying manifest 1 in 1\.0s: registry returned 429/);
  assert.equal(proxy.requests.filter((q) => q.status === 429).length, 2);
  assert.equal(await fresh.ok(['run', '--rm', `${proxy.host}/${REPO}:1`, 'echo', 'waited']), 'waited\n');

  const limited = await startFaultProxy(reg.port, { rateLimit: { path: /\/blobs\/uploads\//, times: 1, retryAfter: '0' } });
  t.after(() => limited.close());
  await env.ok(['import', '--change', 'ENV PUSHED=1', (await import('../../src/testing/hull-cli.js')).busyboxTarball(), 'to-push']);
  const pushed = await env.hull(['push', 'to-push', `${limited.host}/faults/pushed:1`]);
  assert.equal(pushed.code, 0, pushed.stderr);
  assert.equal(limited.requests.filter((q) => q.status === 429).length, 1);
});

test('429 without end is reported with a hint once the attempts are spent', { skip }, async (t) => {
  const proxy = await startFaultProxy(reg.port, { rateLimit: { path: /\/manifests\//, times: 100, retryAfter: '0' } });
  t.after(() => proxy.close());
  const r = await env.hull(['pull', `${proxy.host}/${REPO}:1`]);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /registry returned 429 TOOMANYREQUESTS \(slow down\)/);
  assert.match(r.stderr, /hint: the registry limits requests/);
  assert.equal(proxy.requests.filter((q) => q.status === 429).length, 5, 'bounded attempts');
});
