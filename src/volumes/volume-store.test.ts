import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isHullError } from '../errors.js';
import { ANONYMOUS_LABEL, VolumeStore, checkVolumeName, diskUsage } from './volume-store.js';

function withRoot(fn: (root: string) => Promise<void>) {
  return async () => {
    const root = mkdtempSync(join(tmpdir(), 'hull-vol-'));
    try {
      await fn(root);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
}

test('checkVolumeName: docker rule', () => {
  for (const ok of ['ab', 'a1', 'my-vol', 'my.vol_2', '0abc']) assert.equal(checkVolumeName(ok), ok);
  for (const bad of ['a', '', '-ab', '.ab', '_ab', 'a/b', 'a b', 'a:b', '../x']) assert.throws(() => checkVolumeName(bad), (e) => isHullError(e, 'INVALID_ARGUMENT'), bad);
});

test('create, get, list, ensure is idempotent, on-disk format', withRoot(async (root) => {
  const store = new VolumeStore(root);
  assert.deepEqual(store.list(), []);
  const v = await store.create('data', { labels: { team: 'a' } });
  assert.equal(v.Name, 'data');
  assert.equal(v.Driver, 'local');
  assert.equal(v.Mountpoint, join(root, 'volumes/data/_data'));
  assert.deepEqual(v.Labels, { team: 'a' });
  assert.ok(existsSync(v.Mountpoint));
  const onDisk = JSON.parse(readFileSync(join(root, 'volumes/data/volume.json'), 'utf8'));
  assert.deepEqual(onDisk, { version: 1, ...v });
  assert.deepEqual(store.get('data'), v);
  const again = await store.ensure('data', { labels: { other: 'x' } });
  assert.deepEqual(again, { volume: v, created: false });
  const anon = await store.create();
  assert.match(anon.Name, /^[0-9a-f]{64}$/);
  assert.deepEqual(anon.Labels, { [ANONYMOUS_LABEL]: '' });
  assert.deepEqual(store.list().map((x) => x.Name).sort(), [anon.Name, 'data'].sort());
  assert.throws(() => store.get('nope'), (e) => isHullError(e, 'NOT_FOUND') && e.message === 'Cannot find volume "nope": no such volume');
  assert.equal(store.find('../etc'), undefined);
}));

test('a create killed before volume.json is skipped by list and completed by ensure', withRoot(async (root) => {
  const store = new VolumeStore(root);
  mkdirSync(join(root, 'volumes/half/_data'), { recursive: true });
  assert.deepEqual(store.list(), []);
  const { created } = await store.ensure('half');
  assert.equal(created, true);
  assert.equal(store.list().length, 1);
}));

test('remove refuses a volume in use; -f ignores missing ones', withRoot(async (root) => {
  const used = new Set(['busy']);
  const store = new VolumeStore(root, (n) => used.has(n));
  await store.create('busy');
  await store.create('idle');
  await assert.rejects(store.remove('busy'), (e) => isHullError(e, 'CONFLICT') && e.message === 'Cannot remove volume "busy": it is in use by a container');
  assert.equal((await store.remove('idle'))?.Name, 'idle');
  assert.ok(!existsSync(join(root, 'volumes/idle')));
  await assert.rejects(store.remove('idle'), (e) => isHullError(e, 'NOT_FOUND'));
  assert.equal(await store.remove('idle', { force: true }), undefined);
  used.clear();
  await store.remove('busy');
  assert.deepEqual(store.list(), []);
}));

test('prune: unused anonymous volumes by default, all unused with all; sizes; leftover trash swept', withRoot(async (root) => {
  const used = new Set<string>();
  const store = new VolumeStore(root, (n) => used.has(n));
  await store.create('named');
  const a1 = await store.create();
  const a2 = await store.create();
  used.add(a2.Name);
  writeFileSync(join(a1.Mountpoint, 'f'), 'x'.repeat(1000));
  mkdirSync(join(root, 'volumes/.trash-old-1234'));
  const first = await store.prune();
  assert.deepEqual(first, { removed: [a1.Name], spaceReclaimed: 1000 });
  assert.ok(!existsSync(join(root, 'volumes/.trash-old-1234')));
  const second = await store.prune({ all: true });
  assert.deepEqual(second.removed, ['named']);
  assert.deepEqual(store.list().map((v) => v.Name), [a2.Name]);
}));

test('diskUsage counts hard links once', withRoot(async (root) => {
  writeFileSync(join(root, 'a'), '12345');
  assert.equal(diskUsage(root), 5);
  assert.equal(diskUsage(join(root, 'missing')), 0);
}));
