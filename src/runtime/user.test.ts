import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGroup, parsePasswd, resolveUserSpec } from './user.js';
import { isHullError } from '../errors.js';

const PASSWD = parsePasswd('root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n# comment\nbroken line\n');
const GROUP = parseGroup('root:x:0:\nstaff:x:50:app,other\napp:x:1000:\nwheel:x:10:root\n');

// Golden table: -u value -> uid, gid, supplementary gids, home.
const CASES: Array<[string, [number, number, number[], string]]> = [
  ['0', [0, 0, [10], '/root']],
  ['root', [0, 0, [10], '/root']],
  ['app', [1000, 1000, [50], '/home/app']],
  ['app:staff', [1000, 50, [], '/home/app']],
  ['1000:0', [1000, 0, [], '/home/app']],
  ['4242', [4242, 0, [], '/']],
  ['4242:4343', [4242, 4343, [], '/']],
];

test('user specs resolve like docker', () => {
  for (const [spec, [uid, gid, extra, home]] of CASES) {
    assert.deepEqual(resolveUserSpec(spec, PASSWD, GROUP), { uid, gid, additionalGids: extra, home }, spec);
  }
});

test('unknown user or group names are refused', () => {
  assert.throws(() => resolveUserSpec('ghost', PASSWD, GROUP), (e) => isHullError(e, 'INVALID_ARGUMENT') && /ghost/.test(e.message));
  assert.throws(() => resolveUserSpec('app:ghosts', PASSWD, GROUP), (e) => isHullError(e) && /ghosts/.test(e.message));
});
