import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventLog, matchEvent } from './event-log.js';

test('events append as JSON lines and survive a torn last line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hull-events-'));
  try {
    const log = new EventLog(dir);
    log.emit('container', 'create', 'abc', { name: 'web', image: 'busybox' });
    log.emit('container', 'start', 'abc', { name: 'web' });
    appendFileSync(log.path, '{"Type":"contai');
    const events = log.read();
    assert.deepEqual(events.map((e) => e.Action), ['create', 'start']);
    assert.ok((events[1]?.timeNano ?? 0) >= (events[0]?.timeNano ?? 0));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('filters: same key ORs, different keys AND', () => {
  const e = { Type: 'container' as const, Action: 'die', Actor: { ID: 'abc123', Attributes: { name: 'web', exitCode: '3', tier: 'front' } }, time: 1, timeNano: 1e9 };
  assert.ok(matchEvent(e, { filters: [['event', 'start'], ['event', 'die']] }));
  assert.ok(!matchEvent(e, { filters: [['event', 'die'], ['type', 'image']] }));
  assert.ok(matchEvent(e, { filters: [['container', 'web'], ['label', 'tier=front']] }));
  assert.ok(matchEvent(e, { filters: [['container', 'abc']] }));
  assert.ok(!matchEvent(e, { since: 2000 }));
});
