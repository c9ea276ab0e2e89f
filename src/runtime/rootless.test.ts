import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyRootless, keepIdMappings, type RootlessRuntime } from './rootless.js';
import { generateSpec } from './spec.js';

const r: RootlessRuntime = { uid: 1001, gid: 1001, uidSize: 65536, gidSize: 65536, cgroupV2: false, cgroupLimits: false };
const base = () => generateSpec({ id: 'c1', rootfs: '/r', args: ['true'], env: [], cwd: '/', user: { uid: 0, gid: 0 }, hostname: 'h', terminal: false, etcFiles: { hosts: '/h', hostname: '/hn', resolvConf: '/rc' }, hostLimits: {} });

test('keep-id maps the user to itself and container root to the first subordinate ID (podman\'s map)', () => {
  assert.deepEqual(keepIdMappings(1001, 65536), [
    { containerID: 0, hostID: 1, size: 1001 },
    { containerID: 1001, hostID: 0, size: 1 },
    { containerID: 1002, hostID: 1002, size: 64534 },
  ]);
  assert.deepEqual(keepIdMappings(0, 10), [{ containerID: 0, hostID: 0, size: 10 }]);
});

test('without cgroup limits the spec names no cgroup and no resources (runc skips cgroups then)', () => {
  const spec = applyRootless(base(), r);
  assert.equal(spec.linux.cgroupsPath, undefined);
  assert.equal(spec.linux.resources, undefined);
  assert.equal(spec.linux.namespaces.some((n) => n.type === 'user'), false);
});

test('keep-id adds a user namespace; the process user stays the one resolved (root for --user 0)', () => {
  const spec = applyRootless(base(), r, { keepId: true });
  assert.ok(spec.linux.namespaces.some((n) => n.type === 'user'));
  assert.equal(spec.process.user.uid, base().process.user.uid);
  assert.equal(spec.linux.uidMappings?.length, 3);
});
