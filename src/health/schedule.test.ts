import { test } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveProbe } from './health-config.js';
import { needsScheduler, nextProbeAt, planSchedule, type ScheduleEntry } from './schedule.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const probe = effectiveProbe({ Test: ['CMD', '/ok'], Interval: 10e9, StartPeriod: 30e9, StartInterval: 2e9 });
const running = (id: string, extra: Partial<ScheduleEntry> = {}): ScheduleEntry => ({ id, status: 'running', startedAt: new Date(T0).toISOString(), probe, ...extra });
const log = (endMs: number) => ({ Start: new Date(endMs - 10).toISOString(), End: new Date(endMs).toISOString(), ExitCode: 1, Output: '' });

test('the first probe falls due one start interval after the start, inside the start period', () => {
  assert.equal(nextProbeAt(running('a')), T0 + 2000);
  // Healthy already: the normal interval even inside the start period.
  assert.equal(nextProbeAt(running('a', { health: { Status: 'healthy', FailingStreak: 0, Log: [log(T0 + 2100)] } })), T0 + 12100);
  // Past the start period: the interval, counted from the end of the last probe.
  assert.equal(nextProbeAt(running('a', { health: { Status: 'starting', FailingStreak: 0, Log: [log(T0 + 31_000)] } })), T0 + 41_000);
});

test("probes of an earlier run do not count; stopped or unchecked containers need none", () => {
  assert.equal(nextProbeAt(running('a', { health: { Status: 'starting', FailingStreak: 0, Log: [log(T0 - 60_000)] } })), T0 + 2000);
  assert.equal(nextProbeAt(running('a', { status: 'exited' })), undefined);
  assert.equal(nextProbeAt(running('a', { status: 'paused' })), undefined);
  const { probe: _none, ...unchecked } = running('a');
  assert.equal(nextProbeAt(unchecked), undefined);
  assert.equal(needsScheduler([unchecked, running('b', { status: 'exited' })]), false);
  assert.equal(needsScheduler([running('b', { status: 'restarting', restartAt: T0 })]), true);
});

test('the plan: due jobs oldest first, the next wake-up, busy containers skipped', () => {
  const entries = [running('a'), running('b', { status: 'restarting', restartAt: T0 + 100 }), running('c', { startedAt: new Date(T0 + 5000).toISOString() })];
  assert.deepEqual(planSchedule(entries, T0 + 50), { due: [], nextAt: T0 + 100 });
  assert.deepEqual(planSchedule(entries, T0 + 2500), { due: [{ kind: 'restart', id: 'b', at: T0 + 100 }, { kind: 'probe', id: 'a', at: T0 + 2000 }], nextAt: T0 + 7000 });
  assert.deepEqual(planSchedule(entries, T0 + 2500, new Set(['a'])).due.map((j) => j.id), ['b']);
  assert.deepEqual(planSchedule([], T0), { due: [] });
});
