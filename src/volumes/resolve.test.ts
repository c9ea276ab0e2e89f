import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync, lstatSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isHullError } from '../errors.js';
import { parseMountFlag, parseTmpfsFlag, parseVolumeFlag } from './mount-flags.js';
import { populateVolume, resolveMounts } from './resolve.js';
import { VolumeStore } from './volume-store.js';

function withDir(fn: (dir: string) => Promise<void> | void) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hull-mounts-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('resolveMounts: binds, named, anonymous and image volumes, tmpfs; parents first; inspect shape', withDir(async (dir) => {
  const volumes = new VolumeStore(join(dir, 'root'));
  mkdirSync(join(dir, 'src'));
  const r = await resolveMounts([
    parseVolumeFlag(`${dir}/src:/data/sub:ro`),
    parseVolumeFlag('cache:/data'),
    parseVolumeFlag(`${dir}/made:/made`),
    parseTmpfsFlag('/run:size=1m'),
  ], { volumes, imageVolumes: ['/var/lib/db/', '/data'] });
  const cache = volumes.get('cache');
  const anon = r.anonymousVolumes[0] as string;
  assert.equal(r.anonymousVolumes.length, 1);
  assert.ok(existsSync(join(dir, 'made')), '-v creates a missing host directory');
  assert.deepEqual(r.specMounts, [
    { destination: '/data', type: 'bind', source: cache.Mountpoint, options: ['rbind', 'rw', 'rprivate'] },
    { destination: '/made', type: 'bind', source: `${dir}/made`, options: ['rbind', 'rw', 'rprivate'] },
    { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', 'size=1m'] },
    { destination: '/data/sub', type: 'bind', source: `${dir}/src`, options: ['rbind', 'ro', 'rprivate'] },
    { destination: '/var/lib/db', type: 'bind', source: volumes.get(anon).Mountpoint, options: ['rbind', 'rw', 'rprivate'] },
  ]);
  assert.deepEqual(r.inspectMounts[0], { Type: 'volume', Name: 'cache', Source: cache.Mountpoint, Destination: '/data', Driver: 'local', Mode: '', RW: true, Propagation: '' });
  assert.deepEqual(r.inspectMounts[3], { Type: 'bind', Source: `${dir}/src`, Destination: '/data/sub', Mode: 'ro', RW: false, Propagation: 'rprivate' });
  assert.deepEqual(r.volumesToPopulate.map((v) => [v.name, v.path]), [['cache', '/data'], [anon, '/var/lib/db']]);
}));

test('resolveMounts: --mount bind refuses a missing source; duplicate targets refused; nocopy not populated', withDir(async (dir) => {
  const volumes = new VolumeStore(join(dir, 'root'));
  await assert.rejects(resolveMounts([parseMountFlag(`type=bind,source=${dir}/none,target=/x`)], { volumes }), (e) => isHullError(e, 'NOT_FOUND') && e.message === `Cannot mount "${dir}/none": bind source path does not exist`);
  await assert.rejects(resolveMounts([parseVolumeFlag('/x'), parseTmpfsFlag('/x')], { volumes }), /Cannot mount "\/x": it is already the target of another mount/);
  const r = await resolveMounts([parseVolumeFlag('v1:/x:nocopy')], { volumes });
  assert.deepEqual(r.volumesToPopulate, []);
  assert.deepEqual(r.anonymousVolumes, []);
}));

test('populateVolume copies into an empty volume only, keeps owners and modes, never leaves the rootfs', withDir((dir) => {
  const rootfs = join(dir, 'rootfs');
  mkdirSync(join(rootfs, 'var/lib/app/sub'), { recursive: true });
  chmodSync(join(rootfs, 'var/lib/app'), 0o700);
  writeFileSync(join(rootfs, 'var/lib/app/sub/f'), 'image data');
  symlinkSync('/etc/passwd', join(rootfs, 'var/lib/app/link'));
  // A hostile image: its /escape points at the host's /etc.
  symlinkSync('/etc', join(rootfs, 'escape'));
  mkdirSync(join(rootfs, 'etc'));
  writeFileSync(join(rootfs, 'etc/only-in-image'), 'x');
  const vol = join(dir, 'vol');
  mkdirSync(vol);
  assert.equal(populateVolume(vol, rootfs, '/var/lib/app'), true);
  assert.equal(readFileSync(join(vol, 'sub/f'), 'utf8'), 'image data');
  assert.equal(readlinkSync(join(vol, 'link')), '/etc/passwd');
  assert.equal(statSync(vol).mode & 0o777, 0o700, 'the volume root takes the directory mode');
  writeFileSync(join(rootfs, 'var/lib/app/new'), 'later');
  assert.equal(populateVolume(vol, rootfs, '/var/lib/app'), false, 'not empty: left alone');
  assert.ok(!existsSync(join(vol, 'new')));
  const vol2 = join(dir, 'vol2');
  mkdirSync(vol2);
  assert.equal(populateVolume(vol2, rootfs, '/escape'), true);
  assert.deepEqual(lstatSync(join(vol2, 'only-in-image')).isFile(), true);
  assert.ok(!existsSync(join(vol2, 'passwd')), 'the host /etc was not copied');
  assert.equal(populateVolume(join(dir, 'vol3'), rootfs, '/missing'), false);
}));
