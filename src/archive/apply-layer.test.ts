// applyLayer on well-formed layers: contents, metadata, compression, diffID.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { sha256 } from '../oci/digest.js';
import { buildTar, gzip } from '../testing/tar-builder.js';
import { applyLayer } from './apply-layer.js';
import { chunked, describeTree, makeSandbox } from './sandbox.js';

const isRoot = process.getuid?.() === 0;

function getfattr(p: string, name: string): string | undefined {
  const r = spawnSync('getfattr', ['-h', '--only-values', '-n', name, p], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : undefined;
}

test('applies files, directories and symlinks and returns the diffID of the tar', async () => {
  const s = makeSandbox();
  try {
    const tar = buildTar([
      { name: 'etc/', type: 'dir', mode: 0o755, mtime: 1_500_000_000 },
      { name: 'etc/hostname', data: 'box\n', mode: 0o644, mtime: 1_500_000_001 },
      { name: 'bin/sh', type: 'symlink', linkname: '/bin/busybox' },
      { name: 'deep/a/b/c', data: Buffer.alloc(100_000, 7) },
    ]);
    const r = await applyLayer(s.dir, chunked(tar, 777), { whiteouts: 'overlay' });
    assert.equal(r.diffID, sha256(tar));
    assert.equal(r.uncompressedSize, tar.length);
    assert.equal(r.entries, 4);
    assert.equal(fs.readFileSync(path.join(s.dir, 'etc/hostname'), 'utf8'), 'box\n');
    assert.equal(fs.readlinkSync(path.join(s.dir, 'bin/sh')), '/bin/busybox');
    assert.equal(fs.statSync(path.join(s.dir, 'deep/a/b/c')).size, 100_000);
    assert.equal(fs.statSync(path.join(s.dir, 'etc')).mtimeMs, 1_500_000_000_000);
    assert.equal(fs.statSync(path.join(s.dir, 'etc/hostname')).mtimeMs, 1_500_000_001_000);
  } finally {
    s.cleanup();
  }
});

test('plain, gzip and zstd layers give the same diffID and tree', async (t) => {
  const tar = buildTar([
    { name: 'a/', type: 'dir' },
    { name: 'a/b', data: 'hello'.repeat(1000) },
    { name: 'c', type: 'symlink', linkname: 'a/b' },
  ]);
  const z = spawnSync('zstd', ['-q', '-c'], { input: tar });
  const inputs: [string, Buffer][] = [
    ['plain', tar],
    ['gzip', gzip(tar)],
  ];
  if (z.error) t.diagnostic('zstd CLI not installed: zstd case skipped');
  else inputs.push(['zstd', z.stdout]);
  const results = [];
  for (const [kind, bytes] of inputs) {
    const s = makeSandbox();
    try {
      const r = await applyLayer(s.dir, chunked(bytes, 100), { whiteouts: 'delete', layer: kind });
      results.push({ diffID: r.diffID, tree: describeTree(s.dir) });
    } finally {
      s.cleanup();
    }
  }
  for (const r of results) assert.deepEqual(r, results[0]);
  assert.equal(results[0]?.diffID, sha256(tar));
});

test('the diffID covers trailing padding after the end-of-archive blocks', async () => {
  const s = makeSandbox();
  try {
    const tar = Buffer.concat([buildTar([{ name: 'f', data: 'x' }]), Buffer.alloc(10240 - 2048)]);
    const r = await applyLayer(s.dir, chunked(tar), { whiteouts: 'overlay' });
    assert.equal(r.diffID, sha256(tar));
    assert.equal(r.uncompressedSize, 10240);
  } finally {
    s.cleanup();
  }
});

test('preserves metadata: setuid, fifo, char device, hardlink pair, symlink, owner, mtime, xattr', { skip: !isRoot && 'needs root' }, async () => {
  const s = makeSandbox();
  try {
    const tar = buildTar([
      { name: 'usr/bin/', type: 'dir', mode: 0o755 },
      { name: 'usr/bin/su', data: 'su', mode: 0o4755, uid: 0, gid: 0 },
      { name: 'usr/bin/wall', data: 'wall', mode: 0o2755, uid: 1000, gid: 1000 },
      { name: 'tmp/', type: 'dir', mode: 0o1777, mtime: 1_400_000_000 },
      { name: 'run/fifo', type: 'fifo', mode: 0o600, uid: 1000, gid: 1000 },
      { name: 'dev/null', type: 'char', devmajor: 1, devminor: 3, mode: 0o666 },
      { name: 'dev/loop0', type: 'block', devmajor: 7, devminor: 0, mode: 0o660 },
      { name: 'home/u/file', data: 'data', mode: 0o640, uid: 1000, gid: 1000, mtime: 1_234_567_890, xattrs: { 'user.foo': 'bar' } },
      { name: 'home/u/link', type: 'link', linkname: 'home/u/file' },
      { name: 'home/u/sym', type: 'symlink', linkname: 'file', uid: 1000, gid: 1000 },
      { name: 'usr/bin/ping', data: 'ping', mode: 0o755, xattrs: { 'security.capability': Buffer.from('0100000200200000000000000000000000000000', 'hex') } },
    ]);
    await applyLayer(s.dir, chunked(tar), { whiteouts: 'overlay' });
    const st = (p: string): fs.Stats => fs.lstatSync(path.join(s.dir, p));
    assert.equal(st('usr/bin/su').mode & 0o7777, 0o4755);
    assert.equal(st('usr/bin/wall').mode & 0o7777, 0o2755);
    assert.equal(st('usr/bin/wall').uid, 1000);
    assert.equal(st('tmp').mode & 0o7777, 0o1777);
    assert.equal(st('tmp').mtimeMs, 1_400_000_000_000);
    assert.ok(st('run/fifo').isFIFO());
    assert.equal(st('run/fifo').uid, 1000);
    assert.ok(st('dev/null').isCharacterDevice());
    assert.equal(st('dev/null').rdev, (1 << 8) | 3);
    assert.equal(st('dev/null').mode & 0o7777, 0o666);
    assert.ok(st('dev/loop0').isBlockDevice());
    assert.equal(st('home/u/file').ino, st('home/u/link').ino);
    assert.equal(st('home/u/file').nlink, 2);
    assert.equal(st('home/u/file').mode & 0o7777, 0o640);
    assert.equal(st('home/u/file').uid, 1000);
    assert.equal(st('home/u/file').gid, 1000);
    assert.equal(st('home/u/file').mtimeMs, 1_234_567_890_000);
    assert.equal(fs.readlinkSync(path.join(s.dir, 'home/u/sym')), 'file');
    assert.equal(st('home/u/sym').uid, 1000);
    assert.equal(getfattr(path.join(s.dir, 'home/u/file'), 'user.foo'), 'bar');
    assert.ok(getfattr(path.join(s.dir, 'usr/bin/ping'), 'security.capability') !== undefined, 'file capability kept after chown');
    assert.equal(fs.readdirSync(s.dir).filter((n) => n.startsWith('.hull')).length, 0);
  } finally {
    s.cleanup();
  }
});

test('reads archives written by GNU tar (pax, xattrs, long names, hardlinks, devices)', { skip: !isRoot && 'needs root' }, async () => {
  const s = makeSandbox();
  const src = path.join(s.base, 'src');
  try {
    fs.mkdirSync(path.join(src, 'd', 'x'.repeat(120)), { recursive: true });
    const long = path.join(src, 'd', 'x'.repeat(120), 'y'.repeat(150));
    fs.writeFileSync(long, 'long');
    fs.linkSync(long, path.join(src, 'hard'));
    fs.writeFileSync(path.join(src, 'suid'), 'x');
    fs.chownSync(path.join(src, 'suid'), 1000, 1000);
    fs.chmodSync(path.join(src, 'suid'), 0o4711);
    fs.symlinkSync('d', path.join(src, 'sym'));
    spawnSync('mknod', [path.join(src, 'null'), 'c', '1', '3']);
    spawnSync('mkfifo', [path.join(src, 'fifo')]);
    spawnSync('setfattr', ['-n', 'user.foo', '-v', 'bar', path.join(src, 'suid')]);
    // whole seconds everywhere: the gnu format has no sub-second times
    spawnSync('find', [src, '-exec', 'touch', '-h', '-d', '@1300000000', '{}', '+']);
    for (const format of ['posix', 'gnu']) {
      const xattrs = format === 'posix' ? ['--xattrs', '--xattrs-include=*'] : [];
      const tar = spawnSync('tar', [...xattrs, `--format=${format}`, '-C', src, '-cf', '-', '.'], { maxBuffer: 1 << 26 });
      assert.equal(tar.status, 0, tar.stderr.toString());
      fs.rmSync(s.dir, { recursive: true });
      const r = await applyLayer(s.dir, chunked(tar.stdout), { whiteouts: 'delete', layer: format });
      assert.equal(r.diffID, sha256(tar.stdout));
      assert.deepEqual(describeTree(s.dir), describeTree(src), format);
      if (format === 'posix') assert.equal(getfattr(path.join(s.dir, 'suid'), 'user.foo'), 'bar');
    }
  } finally {
    s.cleanup();
  }
});

test('an aborted signal stops the apply', async () => {
  const s = makeSandbox();
  try {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(applyLayer(s.dir, chunked(buildTar([{ name: 'f', data: 'x' }])), { whiteouts: 'overlay', signal: ac.signal }), {
      name: 'AbortError',
    });
  } finally {
    s.cleanup();
  }
});
