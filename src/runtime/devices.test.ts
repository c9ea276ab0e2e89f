import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { isHullError } from '../errors.js';
import type { RuntimeSpec } from '../oci/runtime-spec.js';
import { applyDevices, deviceFromStat, deviceNumbers, listHostDevices, parseDeviceFlag, resolveDevice, resolveDevices } from './devices.js';

test('parseDeviceFlag: docker grammar', () => {
  const cases: Array<[string, ReturnType<typeof parseDeviceFlag>]> = [
    ['/dev/fuse', { hostPath: '/dev/fuse', containerPath: '/dev/fuse', permissions: 'rwm' }],
    ['/dev/fuse:/dev/f', { hostPath: '/dev/fuse', containerPath: '/dev/f', permissions: 'rwm' }],
    ['/dev/fuse:r', { hostPath: '/dev/fuse', containerPath: '/dev/fuse', permissions: 'r' }],
    ['/dev/sdc:/dev/xvdc:rw', { hostPath: '/dev/sdc', containerPath: '/dev/xvdc', permissions: 'rw' }],
    ['/dev/./null:/dev/n//x:mrw', { hostPath: '/dev/null', containerPath: '/dev/n/x', permissions: 'mrw' }],
  ];
  for (const [flag, want] of cases) assert.deepEqual(parseDeviceFlag(flag), want, flag);
  for (const [flag, re] of [['dev/fuse', /host path must be absolute/], ['/dev/a:b', /container path must be absolute/], ['/dev/a:/b:rwx', /"rwx" is not a permission set/], ['/dev/a:/b:rr', /not a permission set/], ['/a:/b:r:w', /too many/]] as const) {
    assert.throws(() => parseDeviceFlag(flag), (e) => isHullError(e, 'INVALID_ARGUMENT') && e.message.startsWith(`Cannot use --device "${flag}"`) && re.test(e.message), flag);
  }
});

test('deviceNumbers: Linux dev_t encoding', () => {
  assert.deepEqual(deviceNumbers(0x0103), { major: 1, minor: 3 }); // /dev/null
  assert.deepEqual(deviceNumbers(0x0ae5), { major: 10, minor: 229 }); // /dev/fuse
  assert.deepEqual(deviceNumbers((259 << 8) | 0 | (0x12 << 20)), { major: 259, minor: 0x12 << 8 }); // minor above 255
});

const charStat = { rdev: 0x0ae5, mode: 0o20666, uid: 0, gid: 0, isCharacterDevice: () => true, isBlockDevice: () => false };

test('deviceFromStat: spec device and allow rule', () => {
  assert.deepEqual(deviceFromStat({ hostPath: '/dev/fuse', containerPath: '/dev/fuse', permissions: 'rw' }, charStat), {
    device: { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 },
    rule: { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' },
  });
  assert.throws(() => deviceFromStat({ hostPath: '/etc/passwd', containerPath: '/x', permissions: 'r' }, { ...charStat, isCharacterDevice: () => false }), /not a character or block device/);
});

test('resolveDevice / resolveDevices on this host', () => {
  const nul = resolveDevice('/dev/null:/dev/mynull:r');
  assert.deepEqual(nul.device, { path: '/dev/mynull', type: 'c', major: 1, minor: 3, fileMode: statSync('/dev/null').mode & 0o7777, uid: 0, gid: 0 });
  assert.deepEqual(nul.rule, { allow: true, type: 'c', major: 1, minor: 3, access: 'r' });
  assert.throws(() => resolveDevice('/dev/nope-hull'), (e) => isHullError(e, 'NOT_FOUND') && /no such device on this host/.test(e.message));
  assert.throws(() => resolveDevice('/etc/hostname'), /not a character or block device/);
  const all = listHostDevices();
  assert.ok(all.some((d) => d.path === '/dev/null' && d.major === 1 && d.minor === 3));
  assert.ok(!all.some((d) => d.path.startsWith('/dev/pts/') || d.path === '/dev/console' || d.path === '/dev/ptmx'));
  assert.equal(resolveDevices('/dev/null').length, 1);
});

test('applyDevices adds nodes and allow rules after the default deny', () => {
  const spec = { ociVersion: '1.0.2', process: { user: { uid: 0, gid: 0 }, args: ['sh'], env: [], cwd: '/' }, root: { path: '/r' }, mounts: [], linux: { namespaces: [], resources: { devices: [{ allow: false, access: 'rwm' }] } } } satisfies RuntimeSpec;
  const fuse = deviceFromStat({ hostPath: '/dev/fuse', containerPath: '/dev/fuse', permissions: 'rwm' }, charStat);
  const out = applyDevices(spec, [fuse]);
  assert.deepEqual(out.linux.devices, [fuse.device]);
  assert.deepEqual(out.linux.resources?.devices, [{ allow: false, access: 'rwm' }, fuse.rule]);
  assert.equal(applyDevices(spec, []), spec);
});
