// Diffs of a real overlayfs upper directory: changes made through a mount by the kernel itself.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { buildTar, type RawEntry } from '../testing/tar-builder.js';
import { applyLayer } from './apply-layer.js';
import { listChanges, writeOverlayDiff } from './diff.js';
import { chunked, describeTree, makeSandbox } from './sandbox.js';

const BASE: RawEntry[] = [
  { name: 'etc/', type: 'dir' },
  { name: 'etc/hosts', data: 'old' },
  { name: 'etc/gone', data: 'x' },
  { name: 'keep', data: 'k' },
  { name: 'var/', type: 'dir' },
  { name: 'var/cache/', type: 'dir' },
  { name: 'var/cache/a', data: 'a' },
  { name: 'var/cache/b', data: 'b' },
  { name: 'olddir/', type: 'dir' },
  { name: 'olddir/f', data: 'f' },
];

// The kernel's overlay, and fuse-overlayfs (which may write its markers differently: a user.* xattr,
// a .wh..wh..opq file): the same changes must read the same.
const MOUNTERS: Array<[string, (lower: string, upper: string, work: string, merged: string) => string[]]> = [
  ['the kernel', (l, u, w, m) => ['mount', '-t', 'overlay', 'overlay', '-o', `lowerdir=${l},upperdir=${u},workdir=${w}`, m]],
  ['fuse-overlayfs', (l, u, w, m) => ['fuse-overlayfs', '-o', `lowerdir=${l},upperdir=${u},workdir=${w}`, m]],
];

for (const [who, mountArgv] of MOUNTERS) test(`writeOverlayDiff and listChanges read what ${who} wrote in an upper directory`, { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
  const s = makeSandbox();
  const [lower, upper, work, merged, replay] = ['lower', 'upper', 'work', 'merged', 'replay'].map((n) => path.join(s.base, n)) as [string, string, string, string, string];
  let mounted = false;
  try {
    await applyLayer(lower, chunked(buildTar(BASE)), { whiteouts: 'overlay' });
    for (const d of [upper, work, merged]) fs.mkdirSync(d);
    const [cmd, ...args] = mountArgv(lower, upper, work, merged);
    const m = spawnSync(cmd as string, args, { encoding: 'utf8' });
    assert.equal(m.status, 0, m.stderr);
    mounted = true;
    // Changes as a container would make them.
    fs.writeFileSync(path.join(merged, 'etc/hosts'), 'new');
    fs.rmSync(path.join(merged, 'etc/gone'));
    fs.rmSync(path.join(merged, 'var/cache'), { recursive: true });
    fs.mkdirSync(path.join(merged, 'var/cache')); // recreated: overlay makes it opaque
    fs.writeFileSync(path.join(merged, 'var/cache/c'), 'c');
    fs.rmSync(path.join(merged, 'olddir'), { recursive: true });
    fs.mkdirSync(path.join(merged, 'new/deep'), { recursive: true });
    fs.writeFileSync(path.join(merged, 'new/deep/file'), 'n');

    assert.deepEqual(await listChanges(upper, [lower]), [
      { kind: 'C', path: '/etc' },
      { kind: 'D', path: '/etc/gone' },
      { kind: 'C', path: '/etc/hosts' },
      { kind: 'A', path: '/new' },
      { kind: 'A', path: '/new/deep' },
      { kind: 'A', path: '/new/deep/file' },
      { kind: 'D', path: '/olddir' },
      { kind: 'C', path: '/var' },
      { kind: 'C', path: '/var/cache' },
      { kind: 'D', path: '/var/cache/a' },
      { kind: 'D', path: '/var/cache/b' },
      { kind: 'A', path: '/var/cache/c' },
    ]);

    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await writeOverlayDiff(upper, out);
    const diff = Buffer.concat(chunks);
    const names = spawnSync('tar', ['-tf', '-'], { input: diff, encoding: 'utf8' }).stdout.trim().split('\n');
    assert.ok(names.includes('etc/.wh.gone'), names.join(' '));
    assert.ok(names.includes('var/cache/.wh..wh..opq'), names.join(' '));
    assert.ok(!names.some((n) => n.includes('.hull-whiteout')));

    // Replaying base + diff in delete mode must give the merged view.
    await applyLayer(replay, chunked(buildTar(BASE)), { whiteouts: 'delete' });
    await applyLayer(replay, chunked(diff), { whiteouts: 'delete' });
    // overlayfs reports nlink 1 for merged directories, so directory link counts are left out.
    const noDirLinks = (lines: string[]): string[] => lines.map((l) => l.replace(/^(\S+ d \S+ \S+) n\d+/, '$1'));
    // A fresh mount: FUSE caches attributes, so fuse-overlayfs's view may still show a file's
    // mtime from its creation rather than from the write that followed it.
    spawnSync('umount', [merged]);
    mounted = false;
    const again = spawnSync(cmd as string, args, { encoding: 'utf8' });
    assert.equal(again.status, 0, again.stderr);
    mounted = true;
    assert.deepEqual(noDirLinks(describeTree(replay)), noDirLinks(describeTree(merged)));
  } finally {
    if (mounted) spawnSync('umount', [merged]);
    s.cleanup();
  }
});
