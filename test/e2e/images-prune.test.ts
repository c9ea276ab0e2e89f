/**
 * `hull image prune`, `hull system df`, `hull history` and docker's `rmi` rules: dangling images
 * and their blobs go, images in use stay, a live lease protects what it holds, and df's figures
 * are what is on disk.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxTarball, hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';
import { diskUsage } from '../../src/volumes/volume-store.js';
import { processStartTime } from '../../src/sys/lock.js';

let env: HullEnv;
before(async () => {
  env = await hullWithBusybox();
});
after(async () => env.cleanup());

const blobsDir = () => join(env.root, 'content/blobs/sha256');
const blobs = () => readdirSync(blobsDir()).sort();
const layersDir = () => (existsSync(join(env.root, 'snapshots/overlay/layers')) ? join(env.root, 'snapshots/overlay/layers') : join(env.root, 'snapshots/copy/layers'));
const id = async (ref: string) => (await env.ok(['inspect', '-f', '{{.Id}}', ref])).trim();

interface DfRow {
  Type: string;
  TotalCount: number;
  Active: number;
  Size: number;
  Reclaimable: number;
}

test('prune removes dangling images and their blobs, keeps images in use and what a live lease holds; df matches the disk', async () => {
  await env.ok(['import', busyboxTarball(), 'x']);
  const dangling = await id('x');
  await env.ok(['import', '-m', 'second', busyboxTarball(), 'x']); // x moves on: the first is now <none>
  const x = await id('x');
  assert.notEqual(dangling, x);
  await env.ok(['create', '--name', 'user', 'busybox', 'true']);
  const bb = await id('busybox');

  // A live lease (this test process) holding the dangling config keeps that blob through a prune.
  const leaseId = `${process.pid}-${processStartTime(process.pid)}-0badf00d`;
  mkdirSync(join(env.root, 'leases'), { recursive: true });
  writeFileSync(join(env.root, 'leases', `${leaseId}.json`), JSON.stringify({ version: 1, operation: 'test', created: Date.now(), digests: [dangling], chainIDs: [] }));
  let out = await env.ok(['image', 'prune', '-f']);
  assert.match(out, new RegExp(`deleted: ${dangling}`));
  assert.ok(blobs().includes(dangling.slice(7)), 'the leased blob stays');
  rmSync(join(env.root, 'leases', `${leaseId}.json`));
  out = await env.ok(['image', 'prune', '-f']);
  assert.match(out, /Total reclaimed space: [1-9]/);
  assert.ok(!blobs().includes(dangling.slice(7)), 'the blob goes once no lease holds it');
  assert.deepEqual((await env.ok(['images', '-q', '--no-trunc'])).trim().split('\n').sort(), [bb, x].sort());

  // -a: every image no container uses.
  out = await env.ok(['image', 'prune', '-a', '-f']);
  assert.match(out, /untagged: x:latest/);
  assert.equal((await env.ok(['images', '-q', '--no-trunc'])).trim(), bb);
  assert.ok(!blobs().includes(x.slice(7)));
  assert.ok(blobs().includes(bb.slice(7)), 'the image in use keeps its config');
  assert.equal(await env.ok(['start', '-a', 'user']), '');

  // df: the images row is every blob plus every unpacked layer on disk (all of them busybox's now).
  const df = JSON.parse(await env.ok(['system', 'df', '--format', 'json'])) as DfRow[];
  const images = df.find((r) => r.Type === 'Images');
  const onDisk = blobs().reduce((n, b) => n + readFileSync(join(blobsDir(), b)).length, 0) + readdirSync(layersDir()).reduce((n, l) => n + diskUsage(existsSync(join(layersDir(), l, 'diff')) ? join(layersDir(), l, 'diff') : join(layersDir(), l)), 0);
  assert.deepEqual(images, { Type: 'Images', TotalCount: 1, Active: 1, Size: onDisk, Reclaimable: 0, SizeHuman: images?.['SizeHuman' as keyof DfRow], ReclaimableHuman: '0B (0%)' });
  const containers = df.find((r) => r.Type === 'Containers');
  assert.equal(containers?.TotalCount, 1);
  assert.equal(containers?.Active, 0);
  assert.match(await env.ok(['system', 'df']), /^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE\nImages\s+1\s+1\s/);

  await env.ok(['rm', 'user']);
  await env.ok(['image', 'prune', '-a', '-f']);
  assert.equal((await env.ok(['images', '-q'])).trim(), '');
  assert.deepEqual(blobs(), []);
  assert.deepEqual(readdirSync(layersDir()), []);
  const empty = JSON.parse(await env.ok(['system', 'df', '--format', 'json'])) as DfRow[];
  assert.equal(empty[0]?.Size, 0);
  await env.ok(['import', busyboxTarball(), 'busybox']);
});

test('prune without -f asks, and does nothing when not confirmed', async () => {
  await env.ok(['import', busyboxTarball(), 'y']);
  await env.ok(['import', busyboxTarball(), 'y']);
  const before = blobs();
  const r = await env.hull(['image', 'prune'], { input: 'n\n' });
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Are you sure you want to continue\? \[y\/N\]/);
  assert.deepEqual(blobs(), before);
  assert.match((await env.hull(['image', 'prune'], { input: 'y\n' })).stdout, /deleted: sha256:/);
  await env.ok(['rmi', 'y']);
});

test('rmi: a name untags; an ID with several names refuses unless -f', async () => {
  await env.ok(['tag', 'busybox', 'two:1']);
  const bb = await id('busybox');
  const refused = await env.hull(['rmi', bb.slice(7, 19)]);
  assert.equal(refused.code, 125);
  assert.match(refused.stderr, /Cannot remove image ".*": it has 2 names/);
  assert.equal(await env.ok(['rmi', 'two:1']), 'Untagged: two:1\n');
  await env.ok(['tag', 'busybox', 'two:1']);
  const forced = await env.ok(['rmi', '-f', bb.slice(7, 19)]);
  assert.match(forced, /Untagged: busybox:latest\nUntagged: two:1\nDeleted: sha256:/);
  await env.ok(['import', busyboxTarball(), 'busybox']);
});

test('history lists steps newest first; empty_layer steps are 0B and only the top row has the ID', async () => {
  // A docker-archive whose config has a layer step and a config-only step, as docker builds write.
  const archive = join(env.dir, 'h.tar');
  await env.ok(['save', '-o', archive, 'busybox']);
  const d = join(env.dir, 'h');
  mkdirSync(d);
  execFileSync('tar', ['-xf', archive, '-C', d]);
  const manifest = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')) as Array<{ Config: string; RepoTags: string[] }>;
  const entry = manifest[0] as { Config: string; RepoTags: string[] };
  const config = JSON.parse(readFileSync(join(d, entry.Config), 'utf8')) as Record<string, unknown>;
  config.history = [
    { created: '2024-01-01T00:00:00Z', created_by: '/bin/sh -c #(nop) ADD file:0123456789abcdef0123456789abcdef in / ' },
    { created: '2024-01-01T00:00:01Z', created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true },
  ];
  const bytes = Buffer.from(JSON.stringify(config));
  const hex = createHash('sha256').update(bytes).digest('hex');
  rmSync(join(d, entry.Config));
  writeFileSync(join(d, `${hex}.json`), bytes);
  entry.Config = `${hex}.json`;
  entry.RepoTags = ['hist:1'];
  writeFileSync(join(d, 'manifest.json'), JSON.stringify(manifest));
  const edited = join(env.dir, 'h2.tar');
  execFileSync('tar', ['-cf', edited, '-C', d, '.']);
  await env.ok(['load', '-i', edited]);

  const rows = JSON.parse(await env.ok(['history', '--format', 'json', 'hist:1'])) as Array<{ ID: string; CreatedBy: string; SizeBytes: number; Size: string }>;
  assert.equal(rows.length, 2);
  assert.equal(rows[0]?.ID, hex.slice(0, 12));
  assert.equal(rows[0]?.CreatedBy, '/bin/sh -c #(nop)  CMD ["sh"]');
  assert.equal(rows[0]?.Size, '0B');
  assert.equal(rows[1]?.ID, '<missing>');
  assert.ok((rows[1]?.SizeBytes ?? 0) > 1_000_000, 'the layer step has the layer size');
  const table = await env.ok(['history', 'hist:1']);
  assert.match(table, /^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT\n/);
  assert.match(table, /<missing>\s+\S.*\/bin\/sh -c #\(nop\) ADD file:0123456789abcdef0…\s+[\d.]+[kM]B/);
  assert.match(await env.ok(['history', '--no-trunc', 'hist:1']), new RegExp(`sha256:${hex}`));
  await env.ok(['rmi', 'hist:1']);
});
