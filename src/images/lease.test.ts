import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { HullError } from '../errors.js';
import { FsContentStore } from '../content/store.js';
import { ImageStore } from './image-store.js';
import { Lease, listLeaseEntries, withLease } from './lease.js';
import { deadOwnerToken } from '../testing/dead-owner.js';

const isInternal = (e: unknown) => e instanceof HullError && e.code === 'INTERNAL';

test('a blob or an image record is written only through a held lease', async () => {
  const root = mkdtempSync(join(tmpdir(), 'hull-lease-'));
  try {
    const content = new FsContentStore(root);
    const images = new ImageStore(root);
    const lease = await Lease.acquire(root, 'test');
    const writer = content.writer(lease);
    const { digest } = writer.putBytes(Buffer.from('{}'));
    assert.equal(content.has(digest), true);
    await images.add({ id: digest, manifest: digest, manifestMediaType: 'application/vnd.oci.image.manifest.v1+json', created: '2026-01-01T00:00:00Z' }, [], lease);
    lease.release();
    assert.throws(() => writer.putBytes(Buffer.from('[]')), isInternal);
    await assert.rejects(writer.ingest(Readable.from([Buffer.from('x')])), isInternal);
    await assert.rejects(images.add({ id: digest, manifest: digest, manifestMediaType: '', created: '' }, [], lease), isInternal);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('taking a lease removes dead leases and the ingest files of dead processes; live ones stay', async () => {
  const root = mkdtempSync(join(tmpdir(), 'hull-lease-'));
  try {
    const content = new FsContentStore(root);
    const dead = await deadOwnerToken();
    const { writeFileSync, mkdirSync } = await import('node:fs');
    mkdirSync(join(root, 'leases'), { recursive: true });
    writeFileSync(join(root, 'leases', `${dead}-ab.json`), '{}');
    writeFileSync(join(content.dir, 'ingest', `${dead}-cd`), 'half');
    await withLease(root, 'test', {}, async (lease) => {
      assert.deepEqual(listLeaseEntries(root).map((l) => l.name), [`${lease.id}.json`]);
      assert.deepEqual(readdirSync(join(content.dir, 'ingest')), []);
    });
    assert.deepEqual(listLeaseEntries(root), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
