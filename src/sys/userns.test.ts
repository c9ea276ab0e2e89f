import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getSubIds, parseIdMap, parseSubIds } from './userns.js';
import { isHullError } from '../errors.js';

test('subuid lines of the user, by name or uid; comments and bad lines skipped', () => {
  const text = '# ranges\nalice:100000:65536\nbob:165536:65536\n1001:300000:10\nalice:bad:1\nalice:400000:0\n';
  assert.deepEqual(parseSubIds(text, 'alice', 1001), [{ start: 100000, count: 65536 }, { start: 300000, count: 10 }]);
  assert.deepEqual(parseSubIds(text, 'carol', 1003), []);
});

test('no ranges: an error that names the file and gives the usermod fix', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hull-subid-'));
  try {
    writeFileSync(join(dir, 'subuid'), 'bob:100000:65536\n');
    writeFileSync(join(dir, 'subgid'), 'carol:100000:65536\n');
    assert.throws(() => getSubIds('carol', 1003, { subuid: join(dir, 'subuid'), subgid: join(dir, 'subgid') }), (err: unknown) => {
      assert.ok(isHullError(err, 'UNSUPPORTED'));
      assert.match(err.message, /no subordinate user IDs in .*subuid/);
      assert.match(err.hint ?? '', /usermod --add-subuids 100000-165535 --add-subgids 100000-165535 carol/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an ID map: who 0 is on the host and how many IDs are mapped', () => {
  assert.deepEqual(parseIdMap('         0       1001          1\n         1     100000      65535\n'), { zero: 1001, size: 65536 });
  assert.deepEqual(parseIdMap('0 0 4294967295'), { zero: 0, size: 4294967295 });
});
