/**
 * The StorageDriver contract (storage/driver.ts) as one suite, run against every driver:
 * describeDriverConformance('filesystem', open) in storage/fs-driver.test.ts, and the S3 driver on
 * a real radosgw in storage/s3-driver.test.ts. `open()` returns a driver on the same storage each
 * time it is called (a second call stands for a second replica); tests use distinct paths.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, test } from 'node:test';
import type { StorageDriver } from '../storage/driver.js';

async function readAll(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function append(driver: StorageDriver, p: string, data: Buffer, chunk = 64 * 1024): Promise<void> {
  const w = await driver.writer(p);
  const pieces: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunk) pieces.push(data.subarray(i, i + chunk));
  await pipeline(Readable.from(pieces), w.writable());
  await w.commit();
}

async function content(driver: StorageDriver, p: string, start?: number, end?: number): Promise<Buffer | undefined> {
  const r = await driver.reader(p);
  if (!r) return undefined;
  return readAll(r.stream(start, end));
}

export function describeDriverConformance(name: string, open: () => Promise<StorageDriver>): void {
  void describe(`StorageDriver conformance: ${name}`, () => {
    void test('small files: absent, written whole, replaced, parents created', async () => {
      const d = await open();
      assert.equal(await d.getContent('/c1/none'), undefined);
      await d.putContent('/c1/a/b/file', 'first');
      assert.equal((await d.getContent('/c1/a/b/file'))?.toString(), 'first');
      await d.putContent('/c1/a/b/file', new Uint8Array(Buffer.from('second')), { durable: false });
      assert.equal((await d.getContent('/c1/a/b/file'))?.toString(), 'second');
      await d.putContent('/c1/empty', '');
      assert.equal((await d.getContent('/c1/empty'))?.length, 0);
    });

    void test('stat and list: sizes, directories, sorted names, absent paths', async () => {
      const d = await open();
      const before = Date.now();
      await d.putContent('/c2/dir/b', 'bb');
      await d.putContent('/c2/dir/a', 'a');
      await d.putContent('/c2/dir/sub/x', 'xxx');
      const f = await d.stat('/c2/dir/b');
      assert.equal(f?.size, 2);
      assert.equal(f?.isDir, false);
      // Object stores keep whole seconds.
      assert.ok(f!.modTime.getTime() >= before - 1000, 'modTime is the time of the write');
      assert.equal((await d.stat('/c2/dir'))?.isDir, true);
      assert.equal(await d.stat('/c2/nothing'), undefined);
      assert.deepEqual(await d.list('/c2/dir'), ['a', 'b', 'sub']);
      assert.deepEqual(await d.list('/c2/nothing'), []);
    });

    void test('writer appends; commits accumulate; a second driver (replica) resumes at the stored size', async () => {
      const d = await open();
      const one = randomBytes(100_000);
      const two = randomBytes(70_000);
      const w0 = await d.writer('/c3/up');
      assert.equal(w0.startSize, 0);
      await pipeline(Readable.from([one]), w0.writable());
      await w0.commit({ durable: false });
      assert.equal((await d.stat('/c3/up'))?.size, one.length);
      const replica = await open();
      const w1 = await replica.writer('/c3/up');
      assert.equal(w1.startSize, one.length);
      await pipeline(Readable.from([two]), w1.writable());
      await w1.commit();
      assert.deepEqual(await content(d, '/c3/up'), Buffer.concat([one, two]));
      assert.deepEqual(await d.getContent('/c3/up'), Buffer.concat([one, two]));
    });

    void test('writer on a file made by putContent appends to its bytes', async () => {
      const d = await open();
      await d.putContent('/c3b/f', 'head-');
      await append(d, '/c3b/f', Buffer.from('tail'));
      assert.equal((await content(d, '/c3b/f'))?.toString(), 'head-tail');
    });

    void test('cancel discards the appended bytes; the file is as before', async () => {
      const d = await open();
      await append(d, '/c4/up', Buffer.from('kept'));
      const w = await d.writer('/c4/up');
      await pipeline(Readable.from([randomBytes(50_000)]), w.writable());
      await w.cancel();
      assert.equal((await d.stat('/c4/up'))?.size, 4);
      assert.equal((await content(d, '/c4/up'))?.toString(), 'kept');
      const next = await d.writer('/c4/up');
      assert.equal(next.startSize, 4);
      await next.cancel();
    });

    void test('commit after a failed pipeline keeps a prefix of what was sent', async () => {
      const d = await open();
      const data = randomBytes(300_000);
      const w = await d.writer('/c5/up');
      const source = Readable.from(
        (async function* () {
          yield data.subarray(0, 150_000);
          yield data.subarray(150_000);
          throw new Error('client went away');
        })(),
        { objectMode: false },
      );
      await assert.rejects(pipeline(source, w.writable()), /client went away/);
      await w.commit({ durable: false });
      const kept = (await content(d, '/c5/up'))!;
      assert.ok(kept.length <= data.length);
      assert.deepEqual(kept, data.subarray(0, kept.length));
    });

    void test('reader: ranges within and across appended pieces; close without a stream', async () => {
      const d = await open();
      const a = randomBytes(5000);
      const b = randomBytes(7000);
      await append(d, '/c6/f', a);
      await append(d, '/c6/f', b);
      const all = Buffer.concat([a, b]);
      const r = await d.reader('/c6/f');
      assert.equal(r?.size, all.length);
      await r!.close();
      assert.deepEqual(await content(d, '/c6/f', 10, 19), all.subarray(10, 20));
      assert.deepEqual(await content(d, '/c6/f', 4990, 5009), all.subarray(4990, 5010));
      assert.deepEqual(await content(d, '/c6/f', 6000), all.subarray(6000));
      assert.equal(await d.reader('/c6/missing'), undefined);
    });

    void test('move: multi-piece source becomes one whole file at dst, replacing it; src is gone', async () => {
      const d = await open();
      // Over the S3 minimum part size, in pieces of both sizes, so composition takes every path.
      const big = randomBytes(6 * 1024 * 1024 + 123);
      const small = randomBytes(1000);
      await d.putContent('/c7/up', '');
      await append(d, '/c7/up', small);
      await append(d, '/c7/up', big, 1024 * 1024);
      await append(d, '/c7/up', small);
      await d.putContent('/c7/blobs/x', 'old');
      await d.move('/c7/up', '/c7/blobs/x');
      const got = (await content(d, '/c7/blobs/x'))!;
      assert.equal(got.length, big.length + 2 * small.length);
      assert.deepEqual(got, Buffer.concat([small, big, small]));
      assert.equal(await d.stat('/c7/up'), undefined);
      assert.equal((await d.stat('/c7/blobs/x'))?.size, got.length);
      await append(d, '/c7/one', Buffer.from('single'));
      await d.move('/c7/one', '/c7/deep/new/dir/y');
      assert.equal((await d.getContent('/c7/deep/new/dir/y'))?.toString(), 'single');
      await d.putContent('/c7/empty', '');
      await d.move('/c7/empty', '/c7/blobs/e');
      assert.equal((await d.stat('/c7/blobs/e'))?.size, 0);
    });

    void test('delete: files, trees, absent paths', async () => {
      const d = await open();
      await d.putContent('/c8/t/a', '1');
      await d.putContent('/c8/t/b/c', '2');
      await append(d, '/c8/t/u', Buffer.from('upload'));
      await d.putContent('/c8/keep', '3');
      await d.delete('/c8/t/a');
      assert.equal(await d.stat('/c8/t/a'), undefined);
      await d.delete('/c8/t');
      assert.equal(await d.stat('/c8/t'), undefined);
      assert.deepEqual(await d.list('/c8'), ['keep']);
      await d.delete('/c8/never');
      // A new file by a deleted upload's name starts empty.
      const w = await d.writer('/c8/t/u');
      assert.equal(w.startSize, 0);
      await w.cancel();
    });

    void test('paths that could escape the root are refused', async () => {
      const d = await open();
      for (const p of ['relative', '/a/../b', '/a/./b']) await assert.rejects(d.putContent(p, 'x'), /storage path/);
    });
  });
}
