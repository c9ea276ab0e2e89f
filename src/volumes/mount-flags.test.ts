import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isHullError } from '../errors.js';
import { parseMountFlag, parseTmpfsFlag, parseVolumeFlag, type MountRequest } from './mount-flags.js';

const bind = (source: string, target: string, extra: Partial<MountRequest> = {}) => ({ type: 'bind', source, target, readonly: false, createSource: true, recursive: true, mode: '', ...extra });
const vol = (name: string | undefined, target: string, extra: Partial<MountRequest> = {}) => ({ type: 'volume', ...(name === undefined ? {} : { name }), target, readonly: false, noCopy: false, mode: '', ...extra });

test('parseVolumeFlag: golden vectors', () => {
  const cases: Array<[string, unknown]> = [
    ['/data', vol(undefined, '/data')],
    ['/data:ro', vol(undefined, '/data', { readonly: true, mode: 'ro' })],
    ['/data/', vol(undefined, '/data')],
    ['/host/dir:/data', bind('/host/dir', '/data')],
    ['/host/dir:/data:ro', bind('/host/dir', '/data', { readonly: true, mode: 'ro' })],
    ['/host//dir/:/data:rw,z', bind('/host/dir', '/data', { mode: 'rw,z' })],
    ['/host:/data:ro,rshared', bind('/host', '/data', { readonly: true, propagation: 'rshared', mode: 'ro,rshared' })],
    ['myvol:/data', vol('myvol', '/data')],
    ['my.vol_2-x:/data:ro', vol('my.vol_2-x', '/data', { readonly: true, mode: 'ro' })],
    ['myvol:/data:nocopy', vol('myvol', '/data', { noCopy: true, mode: 'nocopy' })],
    ['myvol:/data:Z', vol('myvol', '/data', { mode: 'Z' })],
  ];
  for (const [flag, want] of cases) assert.deepEqual(parseVolumeFlag(flag), want, flag);
});

test('parseVolumeFlag refuses what docker refuses', () => {
  const bad: Array<[string, RegExp]> = [
    ['data', /the target "data" must be an absolute path/],
    ['/a:/', /the target cannot be "\/"/],
    ['/a:/b:c:d', /too many/],
    ['/a:/b:rx', /unknown option "rx"/],
    ['/a:/b:ro,rw', /at most one of ro and rw/],
    ['/a:/b:shared,slave', /at most one propagation/],
    ['./dir:/data', /"\.\/dir" is a relative path/],
    ['dir/sub:/data', /relative path/],
    ['~/dir:/data', /relative path/],
    [':/data', /the source is empty/],
    ['x:/data', /Cannot use volume name "x"/],
    ['vol:/data:shared', /applies to host directories/],
    ['/a:/data:nocopy', /nocopy applies to volumes/],
  ];
  for (const [flag, re] of bad) assert.throws(() => parseVolumeFlag(flag), (e) => isHullError(e, 'INVALID_ARGUMENT') && re.test(e.message), flag);
});

test('parseMountFlag: golden vectors', () => {
  const cases: Array<[string, unknown]> = [
    ['type=bind,source=/a,target=/b', bind('/a', '/b', { createSource: false })],
    ['type=bind,src=/a,dst=/b,readonly', bind('/a', '/b', { createSource: false, readonly: true })],
    ['type=bind,src=/a,destination=/b,ro=true,bind-propagation=rslave', bind('/a', '/b', { createSource: false, readonly: true, propagation: 'rslave' })],
    ['type=bind,src=/a,target=/b,readonly=false,bind-nonrecursive', bind('/a', '/b', { createSource: false, recursive: false })],
    ['type=volume,source=data,target=/d', vol('data', '/d')],
    ['source=data,target=/d,volume-nocopy,volume-label=a=b,volume-label=c,volume-driver=local,volume-opt=type=nfs', vol('data', '/d', { noCopy: true, labels: { a: 'b', c: '' } })],
    ['type=volume,target=/d', vol(undefined, '/d')],
    ['type=tmpfs,target=/t', { type: 'tmpfs', target: '/t', options: ['nosuid', 'nodev', 'noexec'] }],
    ['type=tmpfs,dst=/t,tmpfs-size=64m,tmpfs-mode=1770', { type: 'tmpfs', target: '/t', options: ['nosuid', 'nodev', 'noexec', 'size=67108864', 'mode=1770'], size: 67108864, mode: 0o1770 }],
    ['type=bind,source=/a,target=/b,consistency=cached', bind('/a', '/b', { createSource: false })],
  ];
  for (const [flag, want] of cases) assert.deepEqual(parseMountFlag(flag), want, flag);
});

test('parseMountFlag refuses bad combinations', () => {
  const bad: Array<[string, RegExp]> = [
    ['type=npipe,source=/a,target=/b', /mount type "npipe" is not supported/],
    ['type=bind,target=/b', /type=bind needs a source/],
    ['type=bind,source=rel,target=/b', /must be an absolute path/],
    ['type=bind,source=/a', /the target \(path in the container\) is missing/],
    ['type=tmpfs,source=/a,target=/b', /type=tmpfs takes no source/],
    ['type=volume,source=v1,target=/b,bind-propagation=shared', /"bind-propagation" cannot be used with type=volume/],
    ['type=bind,source=/a,target=/b,volume-nocopy', /"volume-nocopy" cannot be used with type=bind/],
    ['type=bind,source=/a,target=/b,tmpfs-size=1m', /"tmpfs-size" cannot be used with type=bind/],
    ['type=bind,source=/a,target=/b,readonly=maybe', /"readonly" takes true or false/],
    ['type=bind,source=/a,target=/b,bind-propagation=weird', /unknown bind-propagation/],
    ['type=volume,source=v1,target=/b,volume-driver=nfs', /volume driver "nfs" is not available/],
    ['type=tmpfs,target=/t,tmpfs-mode=999', /not an octal mode/],
    ['type=tmpfs,target=/t,tmpfs-size=lots', /Cannot use --mount tmpfs-size "lots"/],
    ['type=bind,source=/a,target=/b,colour=red', /unknown option "colour"/],
    ['type=bind,source=,target=/b', /"source" needs a value/],
  ];
  for (const [flag, re] of bad) assert.throws(() => parseMountFlag(flag), (e) => isHullError(e, 'INVALID_ARGUMENT') && re.test(e.message), flag);
});

test('parseTmpfsFlag: defaults then the user options', () => {
  assert.deepEqual(parseTmpfsFlag('/run'), { type: 'tmpfs', target: '/run', options: ['nosuid', 'nodev', 'noexec'] });
  assert.deepEqual(parseTmpfsFlag('/run:rw,size=64m,exec'), { type: 'tmpfs', target: '/run', options: ['nosuid', 'nodev', 'noexec', 'rw', 'size=64m', 'exec'], size: 64 * 1024 ** 2 });
  assert.deepEqual(parseTmpfsFlag('/run:mode=700,size=50%'), { type: 'tmpfs', target: '/run', options: ['nosuid', 'nodev', 'noexec', 'mode=700', 'size=50%'], mode: 0o700 });
  assert.throws(() => parseTmpfsFlag('run'), /Cannot use --tmpfs "run": the target "run" must be an absolute path/);
  assert.throws(() => parseTmpfsFlag('/run:size=big'), /expected a size/);
  assert.throws(() => parseTmpfsFlag('/run:mode=rwx'), /"mode=rwx" is not an octal mode/);
});
