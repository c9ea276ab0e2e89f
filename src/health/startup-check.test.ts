import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activeProbe } from './active-probe.js';
import { applyProbeResult, applyStartupResult, startingHealth, type HealthLogEntry } from './health-state.js';

const at = (s: number, code: number): HealthLogEntry => ({ Start: new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString(), End: new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString(), ExitCode: code, Output: '' });
const startedAt = new Date(Date.UTC(2026, 0, 1)).toISOString();
const ctx = { probe: { retries: 2, startPeriodMs: 0 }, startedAt };

test('the startup check runs until it passes in this run, then the regular one', () => {
  const checks = { Healthcheck: { Test: ['CMD', 'live'] }, StartupHealthcheck: { Test: ['CMD', 'started'], Retries: 2 } };
  const fresh = startingHealth(undefined, true);
  assert.deepEqual(fresh, { Status: 'starting', FailingStreak: 0, Log: [], StartupPassed: false });
  assert.deepEqual(activeProbe(checks, fresh)?.probe.argv, ['started']);
  assert.equal(activeProbe(checks, fresh)?.startup, true);
  assert.deepEqual(activeProbe(checks, { ...fresh, StartupPassed: true })?.probe.argv, ['live']);
  assert.equal(activeProbe({ Healthcheck: { Test: ['CMD', 'live'] } }, startingHealth(undefined))?.startup, false);
  assert.equal(activeProbe({ StartupHealthcheck: { Test: ['CMD', 'x'] } }, { ...fresh, StartupPassed: true }), undefined);
});

test('startup failures in a row restart; a pass ends the startup phase (healthy when nothing follows)', () => {
  const one = applyStartupResult(startingHealth(undefined, true), at(1, 1), ctx, true);
  assert.deepEqual([one.failed, one.health.FailingStreak, one.health.Status], [false, 1, 'starting']);
  assert.equal(applyStartupResult(one.health, at(2, 1), ctx, true).failed, true);
  const passed = applyStartupResult(one.health, at(2, 0), ctx, true);
  assert.deepEqual([passed.failed, passed.health.StartupPassed, passed.health.FailingStreak, passed.health.Status, passed.changedTo], [false, true, 0, 'starting', undefined]);
  const alone = applyStartupResult(one.health, at(2, 0), ctx, false);
  assert.deepEqual([alone.health.Status, alone.changedTo], ['healthy', 'healthy']);
  // Failures inside the start period do not count.
  const early = applyStartupResult(startingHealth(undefined, true), at(1, 1), { ...ctx, probe: { retries: 1, startPeriodMs: 5000 } }, true);
  assert.deepEqual([early.failed, early.health.FailingStreak, early.health.Log.length], [false, 0, 1]);
});

test('the regular check keeps the startup phase ended', () => {
  const after = applyProbeResult({ ...startingHealth(undefined, true), StartupPassed: true }, at(3, 1), ctx);
  assert.equal(after.health.StartupPassed, true);
});
