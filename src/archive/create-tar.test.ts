// writeTarFromDir: round trip through applyLayer, determinism, digests, and GNU tar reading it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { sha256 } from '../oci/digest.js';
import { buildTar, type RawEntry } from '../testing/tar-builder.js';
import { applyLayer } from './apply-layer.js';
import { writeTarFromDir, type WriteTarOptions } from './create-tar.js';
import { chunked, describeTree, makeSandbox } from './sandbox.js';

const isRoot = process.getuid?.() === 0;

const RICH: RawEntry[] = [
  { name: 'bin/', type: 'dir', mode: 0o755, mtime: 1_500_000_000 },
  { name: 'bin/su', data: 'su', mode: 0o4755 },
  { name: 'bin/wall', data: 'wall', mode: 0o2755, uid: 1000, gid: 5 },
  { name: 'tmp/', type: 'dir', mode: 0o1777 },
  { name: 'dev/null', type: 'char', devmajor: 1, devminor: 3, mode: 0o666 },
  { name: 'dev/sda', type: 'block', devmajor: 8, devminor: 0, mode: 0o660, gid: 6 },
  { name: 'run/fifo', type: 'fifo', mode: 0o600 },
  { name: 'home/u/file', data: 'data'.repeat(300), mode: 0o640, uid: 1000, gid: 1000, xattrs: { 'user.foo': 'bar', 'user.bin': Buffer.from([0, 1, 2, 255]) } },
  { name: 'home/u/link', type: 'link', linkname: 'home/u/file' },
  { name: 'home/u/sym', type: 'symlink', linkname: '../../etc/passwd', uid: 1000, gid: 1000 },
  { name: `long/${'n'.repeat(150)}/${'f'.repeat(200)}`, data: 'long', pax: { mtime: '1600000000.25' } },
  { name: 'biguid', data: 'x', pax: { uid: '3000000', gid: '3000001' } },
  { name: 'empty', data: '' },
  { name: 'big', data: Buffer.alloc(3 * 1024 * 1024 + 17, 9) },
];

async function collect(dir: string, opts: WriteTarOptions = {}): Promise<{ bytes: Buffer; r: Awaited<ReturnType<typeof writeTarFromDir>> }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const r = await writeTarFromDir(dir, out, opts);
  return { bytes: Buffer.concat(chunks), r };
}

function xattrDump(dir: string): string {
  return spawnSync('getfattr', ['-R', '-P', '-h', '-d', '-m', '-', '-e', 'hex', '.'], { cwd: dir, encoding: 'utf8' }).stdout;
}

test('round trip: applyLayer(writeTarFromDir(tree)) reproduces the tree, metadata and xattrs included', { skip: !isRoot && 'needs root' }, async () => {
  const s = makeSandbox();
  const copy = path.join(s.base, 'copy');
  try {
    await applyLayer(s.dir, chunked(buildTar(RICH)), { whiteouts: 'delete' });
    const { bytes, r } = await collect(s.dir);
    assert.equal(r.digest, sha256(bytes));
    assert.equal(r.diffID, r.digest);
    assert.equal(r.size, bytes.length);
    const back = await applyLayer(copy, chunked(bytes), { whiteouts: 'delete' });
    assert.equal(back.diffID, r.diffID);
    assert.deepEqual(describeTree(copy), describeTree(s.dir));
    assert.equal(xattrDump(copy), xattrDump(s.dir));
    assert.equal(fs.lstatSync(path.join(copy, 'home/u/file')).ino, fs.lstatSync(path.join(copy, 'home/u/link')).ino);
    assert.equal(fs.lstatSync(path.join(copy, 'biguid')).uid, 3_000_000);
    assert.equal(fs.lstatSync(path.join(copy, `long/${'n'.repeat(150)}/${'f'.repeat(200)}`)).mtimeMs, 1_600_000_000_250);
  } finally {
    s.cleanup();
  }
});

test('output is deterministic, and gzip reports the digest of the gzip and the diffID of the tar', async () => {
  const s = makeSandbox();
  try {
    await applyLayer(s.dir, chunked(buildTar(RICH.filter((e) => e.type !== 'char' && e.type !== 'block'))), { whiteouts: 'delete' });
    const a = await collect(s.dir);
    const b = await collect(s.dir);
    assert.ok(a.bytes.equals(b.bytes));
    const z = await collect(s.dir, { compression: 'gzip' });
    assert.equal(z.r.digest, sha256(z.bytes));
    assert.equal(z.r.diffID, a.r.diffID);
    assert.equal(sha256(gunzipSync(z.bytes)), a.r.diffID);
    const names = spawnSync('tar', ['-tf', '-'], { input: a.bytes, encoding: 'utf8' }).stdout.trim().split('\n');
    assert.deepEqual(names.slice(0, 4), ['big', 'biguid', 'bin/', 'bin/su']);
  } finally {
    s.cleanup();
  }
});

test('GNU tar extracts what writeTarFromDir wrote to the same tree', { skip: !isRoot && 'needs root' }, async () => {
  const s = makeSandbox();
  const viaTar = path.join(s.base, 'viatar');
  try {
    await applyLayer(s.dir, chunked(buildTar(RICH)), { whiteouts: 'delete' });
    const { bytes } = await collect(s.dir);
    fs.mkdirSync(viaTar);
    const x = spawnSync('tar', ['--xattrs', '--xattrs-include=*', '--same-owner', '-xpf', '-', '-C', viaTar], { input: bytes, encoding: 'utf8' });
    assert.equal(x.status, 0, x.stderr);
    assert.deepEqual(describeTree(viaTar), describeTree(s.dir));
  } finally {
    s.cleanup();
  }
});
