/**
 * `hull system check`: finds missing and corrupt blobs and missing layers, repairs what it can,
 * and a pull or load heals an image it marked damaged. A store of 100 images is checked (the time
 * is printed, not asserted).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';
import { systemCheck } from '../../src/testing/crash-harness.js';
import { openEngine } from '../../src/engine/engine.js';
import { withLease } from '../../src/images/lease.js';
import { readImage } from '../../src/images/read-image.js';
import { encodeJson } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/media-types.js';
import type { Digest } from '../../src/oci/digest.js';

let env: HullEnv;
let archive = '';
before(async () => {
  env = await hullWithBusybox();
  archive = join(env.dir, 'bb.tar');
  await env.ok(['save', '-o', archive, 'busybox']);
});
after(async () => env.cleanup());

function manifestOf(name: string): { layer: Digest; config: Digest } {
  const engine = openEngine({ root: env.root, runroot: env.runroot });
  const { manifest } = readImage(engine.content, engine.images.get(name));
  return { layer: manifest.layers[0]?.digest as Digest, config: manifest.config.digest };
}

const blobFile = (d: Digest) => join(env.root, 'content/blobs/sha256', d.slice(7));

test('a missing blob: reported, the image marked damaged by --repair, and healed by a load', async () => {
  const clean = await systemCheck(env);
  assert.equal(clean.code, 0, clean.text);
  const { layer } = manifestOf('busybox');
  rmSync(blobFile(layer));
  const found = await systemCheck(env);
  assert.equal(found.code, 1);
  assert.deepEqual(found.findings.map((f) => [f.kind, f.area, f.subject]), [['damage', 'image', 'docker.io/library/busybox:latest']]);
  assert.match(found.findings[0]?.problem ?? '', /1 of its blobs are missing/);
  const text = await env.hull(['system', 'check']);
  assert.match(text.stdout, /Damaged \(1\):\n {2}image docker\.io\/library\/busybox:latest: 1 of its blobs are missing/);
  assert.equal((await env.hull(['system', 'check', '--repair'])).code, 0);
  const record = JSON.parse(readFileSync(join(env.root, 'images.json'), 'utf8')) as { images: Record<string, { damaged?: string }> };
  assert.match(Object.values(record.images)[0]?.damaged ?? '', /missing/);
  await env.ok(['load', '-i', archive]);
  assert.equal((await systemCheck(env)).code, 0);
  const healed = JSON.parse(readFileSync(join(env.root, 'images.json'), 'utf8')) as { images: Record<string, { damaged?: string }> };
  assert.equal(Object.values(healed.images)[0]?.damaged, undefined);
  assert.equal(await env.ok(['run', '--rm', '--network', 'none', 'busybox', 'echo', 'ok']), 'ok\n');
});

test('a corrupt blob is found only with --verify-blobs; repair deletes it, and a load heals the image', async () => {
  const { config } = manifestOf('busybox');
  const file = blobFile(config);
  const bytes = readFileSync(file);
  chmodSync(file, 0o644);
  writeFileSync(file, Buffer.from(bytes.toString().replace('"os":"linux"', '"os":"linuz"')));
  chmodSync(file, 0o444);
  assert.equal((await systemCheck(env)).code, 0, 'without --verify-blobs only presence is checked');
  const found = await systemCheck(env, ['--verify-blobs']);
  assert.equal(found.code, 1);
  assert.match(found.findings[0]?.problem ?? '', /do not match their digest/);
  assert.equal((await env.hull(['system', 'check', '--repair', '--verify-blobs'])).code, 0);
  assert.equal(readdirSync(join(env.root, 'content/blobs/sha256')).includes(config.slice(7)), false);
  await env.ok(['load', '-i', archive]);
  assert.equal((await systemCheck(env, ['--verify-blobs'])).code, 0);
});

test('a missing unpacked layer is unpacked again from its blobs by --repair', async () => {
  const layers = join(env.root, 'snapshots/overlay/layers');
  for (const l of readdirSync(layers)) rmSync(join(layers, l), { recursive: true });
  const found = await systemCheck(env);
  assert.match(found.findings.map((f) => f.problem).join('\n'), /unpacked layers are missing/);
  assert.equal((await env.hull(['system', 'check', '--repair'])).code, 0);
  assert.equal((await systemCheck(env)).code, 0);
  assert.equal(await env.ok(['run', '--rm', '--network', 'none', 'busybox', 'echo', 'ok']), 'ok\n');
});

test('a store of 100 images checks clean (the time is printed)', async () => {
  const engine = openEngine({ root: env.root, runroot: env.runroot });
  const base = engine.images.get('busybox');
  const { manifest, config } = readImage(engine.content, base);
  await withLease(env.root, 'test', {}, async (lease) => {
    const w = engine.content.writer(lease);
    const store = new (await import('../../src/images/image-store.js')).ImageStore(env.root);
    for (let i = 0; i < 100; i++) {
      const c = encodeJson({ ...config, config: { ...config.config, Labels: { n: String(i) } } });
      w.putBytes(c.bytes);
      const m = encodeJson({ ...manifest, config: { ...manifest.config, digest: c.digest, size: c.bytes.length } });
      w.putBytes(m.bytes);
      await store.add({ id: c.digest, manifest: m.digest, manifestMediaType: MediaType.OciManifest, created: new Date().toISOString() }, [`many:${i}`], lease);
    }
  });
  const t0 = Date.now();
  const r = await env.hull(['system', 'check']);
  console.log(`hull system check of ${r.stdout.split('\n')[0]}: ${Date.now() - t0} ms (process start included)`);
  assert.equal(r.code, 0, r.stdout);
  assert.match(r.stdout, /^Checked 101 images and 0 containers\.$/m);
});
