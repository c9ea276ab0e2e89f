import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isHullError } from '../errors.js';
import { VolumeStore } from './volume-store.js';

test('a volume\'s content is replaced by the given files, with their modes; nothing leaves the volume', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'hull-volfiles-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const store = new VolumeStore(root);
  const v = await store.create('cfg');
  mkdirSync(join(v.Mountpoint, 'old'));
  // A symlink left in the volume must not lead a write outside it.
  symlinkSync('/etc', join(v.Mountpoint, 'conf'));
  await store.replaceFiles('cfg', [
    { path: 'app.conf', data: Buffer.from('a=1\n'), mode: 0o644 },
    { path: 'conf/nested/key', data: Buffer.from('secret'), mode: 0o400 },
  ]);
  assert.deepEqual(readdirSync(v.Mountpoint).sort(), ['app.conf', 'conf']);
  assert.equal(readFileSync(join(v.Mountpoint, 'app.conf'), 'utf8'), 'a=1\n');
  assert.equal(statSync(join(v.Mountpoint, 'conf/nested/key')).mode & 0o777, 0o400);
  assert.equal(statSync(join(v.Mountpoint, 'conf')).isDirectory(), true);
  assert.equal(existsSync('/etc/nested/key'), false);
  assert.deepEqual(readdirSync(join(root, 'volumes', 'cfg')).sort(), ['_data', 'volume.json']);
  for (const bad of ['../escape', '/abs', 'a/../../b', '']) {
    await assert.rejects(store.replaceFiles('cfg', [{ path: bad, data: Buffer.from('x'), mode: 0o644 }]), (err: unknown) => isHullError(err, 'INVALID_ARGUMENT'));
  }
  // A refused write leaves the content as it was.
  assert.equal(readFileSync(join(v.Mountpoint, 'app.conf'), 'utf8'), 'a=1\n');
  await assert.rejects(store.replaceFiles('nope', []), (err: unknown) => isHullError(err, 'NOT_FOUND'));
});
