import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addKeepIdUser, findHostUser, outerId, viewIdMapOf } from './keep-id.js';
import { fuseOverlayMount } from '../snapshots/fuse-mount.js';
import type { ContainerRecord } from './record.js';
import type { RootlessRuntime } from '../runtime/rootless.js';

const passwd = 'root:x:0:0:root:/root:/bin/bash\nalice:x:1001:1001:Alice,,,:/home/alice:/bin/sh\n';

test('findHostUser: the name and home from the host passwd; a made-up name when absent or odd', () => {
  assert.deepEqual(findHostUser(1001, 1001, passwd), { name: 'alice', uid: 1001, gid: 1001, home: '/home/alice', shell: '/bin/sh' });
  assert.equal(findHostUser(1002, 1002, passwd).name, 'user1002');
  assert.equal(findHostUser(7, 7, 'ev:il\n:x:7:7::/h:/bin/sh\n').name, 'user7');
});

test('addKeepIdUser appends passwd and group entries once, makes the home, leaves an image that has the uid alone', () => {
  const root = mkdtempSync(join(tmpdir(), 'hull-keepid-'));
  try {
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh'); // no final newline
    writeFileSync(join(root, 'etc/group'), 'root:x:0:\n');
    const user = findHostUser(1001, 1001, passwd);
    assert.equal(addKeepIdUser(root, user), '1001:1001');
    addKeepIdUser(root, user);
    assert.equal(readFileSync(join(root, 'etc/passwd'), 'utf8'), 'root:x:0:0:root:/root:/bin/sh\nalice:*:1001:1001:alice:/home/alice:/bin/sh\n');
    assert.equal(readFileSync(join(root, 'etc/group'), 'utf8'), 'root:x:0:\nalice:x:1001:\n');
    assert.ok(statSync(join(root, 'home/alice')).isDirectory());
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('addKeepIdUser never writes through a symlinked /etc/passwd to the host', () => {
  const root = mkdtempSync(join(tmpdir(), 'hull-keepid-'));
  const outside = join(root, '..', `${root.split('/').pop()}-outside`);
  try {
    mkdirSync(join(root, 'etc'));
    writeFileSync(outside, 'host\n');
    symlinkSync(outside, join(root, 'etc/passwd'));
    addKeepIdUser(root, findHostUser(1001, 1001, passwd));
    assert.equal(readFileSync(outside, 'utf8'), 'host\n');
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { force: true });
  }
});

test('a keep-id view is shifted by the container\'s own map: fuse-overlayfs options, and IDs as hull sees them', () => {
  const r: RootlessRuntime = { uid: 1001, gid: 1001, uidSize: 65536, gidSize: 65536, cgroupV2: false, cgroupLimits: false };
  const keepId = { HostConfig: { UsernsMode: 'keep-id' } } as unknown as ContainerRecord;
  assert.equal(viewIdMapOf({ HostConfig: {} } as unknown as ContainerRecord, r), undefined);
  assert.equal(viewIdMapOf(keepId, undefined), undefined, 'root has no keep-id');
  const map = viewIdMapOf(keepId, r);
  assert.ok(map);
  // fuse-overlayfs(1): DISK:SHOWN:COUNT. Image root (0) is shown as 1, which the container's map turns back into 0.
  const options = fuseOverlayMount(['lowerdir=/l'], map).options;
  assert.deepEqual(options, ['lowerdir=/l', 'uidmapping=0:1:1001:1001:0:1:1002:1002:64534', 'gidmapping=0:1:1001:1001:0:1:1002:1002:64534']);
  assert.equal(outerId(map.uid, 0), 1);
  assert.equal(outerId(map.uid, 1001), 0, 'the user is the namespace\'s root');
  assert.equal(outerId(map.uid, 1234), 1234);
});
