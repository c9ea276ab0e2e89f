import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchContainer, parseFilters } from './filters.js';
import type { ContainerRecord } from './record.js';

const r = {
  Id: 'abc123' + '0'.repeat(58),
  Name: 'web-1',
  ImageId: 'sha256:' + 'f'.repeat(64),
  Config: { Image: 'busybox', Labels: { tier: 'front', team: 'x' } },
  State: { Status: 'exited', ExitCode: 3 },
} as unknown as ContainerRecord;

test('ps filters follow docker: same key ORs, different keys AND', () => {
  const yes = ['status=exited', 'exited=3', 'name=web', 'id=abc', 'label=tier', 'label=tier=front', 'ancestor=busybox', 'ancestor=ffff'];
  for (const f of yes) assert.ok(matchContainer(r, parseFilters([f])), f);
  assert.ok(!matchContainer(r, parseFilters(['status=running'])));
  assert.ok(matchContainer(r, parseFilters(['status=running', 'status=exited'])));
  assert.ok(!matchContainer(r, parseFilters(['status=exited', 'label=tier=back'])));
  assert.throws(() => parseFilters(['color=red']), /unknown filter/);
});

test('label filters AND, as docker and compose expect', () => {
  assert.ok(matchContainer(r, parseFilters(['label=tier=front', 'label=team=x'])));
  assert.ok(!matchContainer(r, parseFilters(['label=tier=front', 'label=team=y'])));
});
