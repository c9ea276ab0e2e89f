import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyProbeResult, formatDuration, healthSuffix, rfc3339Micro, startingHealth, timeoutOutput, truncateOutput, type HealthLogEntry } from './health-state.js';

const startedAt = '2026-01-01T00:00:00Z';
const at = (s: number, code: number): HealthLogEntry => ({ Start: new Date(Date.parse(startedAt) + s * 1000).toISOString(), End: new Date(Date.parse(startedAt) + s * 1000 + 50).toISOString(), ExitCode: code, Output: '' });
const ctx = { probe: { retries: 2, startPeriodMs: 10_000 }, startedAt };

test('starting -> unhealthy after Retries failures past the start period -> healthy on a pass', () => {
  let h = startingHealth(undefined);
  // Inside the start period failures do not count.
  let u = applyProbeResult(h, at(1, 1), ctx);
  assert.deepEqual([u.health.Status, u.health.FailingStreak, u.changedTo], ['starting', 0, undefined]);
  h = u.health;
  u = applyProbeResult(h, at(11, 1), ctx);
  assert.deepEqual([u.health.Status, u.health.FailingStreak], ['starting', 1]);
  u = applyProbeResult(u.health, at(12, 1), ctx);
  assert.deepEqual([u.health.Status, u.health.FailingStreak, u.changedTo], ['unhealthy', 2, 'unhealthy']);
  u = applyProbeResult(u.health, at(13, 0), ctx);
  assert.deepEqual([u.health.Status, u.health.FailingStreak, u.changedTo], ['healthy', 0, 'healthy']);
  assert.equal(u.health.Log.length, 4);
});

test('a pass inside the start period makes it healthy; later failures count at once', () => {
  let u = applyProbeResult(startingHealth(undefined), at(1, 0), ctx);
  assert.equal(u.changedTo, 'healthy');
  u = applyProbeResult(u.health, at(2, 1), ctx);
  assert.deepEqual([u.health.Status, u.health.FailingStreak], ['healthy', 1]);
  u = applyProbeResult(u.health, at(3, -1), ctx);
  assert.deepEqual([u.health.Status, u.changedTo], ['unhealthy', 'unhealthy']);
});

test('the log keeps the last five results; a restart keeps it and starts over', () => {
  let h = startingHealth(undefined);
  for (let i = 0; i < 7; i++) h = applyProbeResult(h, at(20 + i, i % 2), ctx).health;
  assert.deepEqual(h.Log.map((l) => l.Start), [22, 23, 24, 25, 26].map((s) => at(s, 0).Start));
  assert.deepEqual(startingHealth(h), { Status: 'starting', FailingStreak: 0, Log: h.Log });
});

test('output is cut at 4096 bytes as docker cuts it; timeouts read as docker words them', () => {
  assert.equal(truncateOutput(Buffer.from('ok\n')), 'ok\n');
  const long = truncateOutput(Buffer.alloc(5000, 'a'));
  assert.equal(long.length, 4099);
  assert.ok(long.endsWith('a...'));
  assert.equal(timeoutOutput(30_000), 'Health check exceeded timeout (30s)');
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(formatDuration(500), '500ms');
  assert.equal(formatDuration(1500), '1.5s');
});

test("ps's suffix and RFC 3339 nanosecond times", () => {
  assert.equal(healthSuffix(undefined), '');
  assert.equal(healthSuffix(startingHealth(undefined)), ' (health: starting)');
  assert.equal(healthSuffix({ Status: 'healthy', FailingStreak: 0, Log: [] }), ' (healthy)');
  assert.equal(rfc3339Micro(Date.parse('2026-01-01T00:00:00.123Z') + 0.456), '2026-01-01T00:00:00.123456Z');
  assert.equal(rfc3339Micro(Date.parse('2026-01-01T00:00:00Z')), '2026-01-01T00:00:00Z');
  assert.equal(Date.parse(rfc3339Micro(Date.parse('2026-01-01T00:00:00.5Z'))), Date.parse('2026-01-01T00:00:00.5Z'));
});
