import { test } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveProbe } from './health-config.js';
import { Scheduler } from './scheduler.js';
import type { Job, ScheduleEntry } from './schedule.js';

// The loop's deps are plain functions over an in-memory list: the loop is what is tested here;
// the real records, probes and restarts are tested through hull in test/e2e.
function store(entries: ScheduleEntry[]) {
  const ran: Job[] = [];
  return {
    ran,
    deps: {
      entries: () => entries.map((e) => ({ ...e })),
      run: async (job: Job) => {
        ran.push(job);
        const e = entries.find((x) => x.id === job.id);
        if (!e) return;
        if (job.kind === 'restart') {
          e.status = 'running';
          e.startedAt = new Date().toISOString();
          delete e.restartAt;
        } else {
          const now = new Date().toISOString();
          e.health = { Status: 'healthy', FailingStreak: 0, Log: [...(e.health?.Log ?? []), { Start: now, End: now, ExitCode: 0, Output: '' }] };
        }
      },
    },
  };
}

test('runs what is due, then hands over when the next job is far away', async () => {
  const s = store([
    { id: 'r', status: 'restarting', startedAt: new Date().toISOString(), restartAt: Date.now() },
    { id: 'p', status: 'running', startedAt: new Date(Date.now() - 7200_000).toISOString(), probe: effectiveProbe({ Test: ['CMD', '/ok'], Interval: 3600e9 }) },
  ]);
  const exit = await new Scheduler(s.deps).run({ signal: new AbortController().signal });
  assert.deepEqual(s.ran.map((j) => `${j.kind} ${j.id}`).sort(), ['probe p', 'restart r']);
  assert.equal(exit.reason, 'handover');
  assert.ok(exit.reason === 'handover' && exit.wakeAt > Date.now() + 3000_000);
});

test('returns idle when nothing needs it, aborted when its signal fires', async () => {
  assert.deepEqual(await new Scheduler(store([]).deps).run({ signal: new AbortController().signal }), { reason: 'idle' });
  const s = store([{ id: 'p', status: 'running', startedAt: new Date().toISOString(), probe: effectiveProbe({ Test: ['CMD', '/ok'], Interval: 3600e9 }) }]);
  const ac = new AbortController();
  const running = new Scheduler(s.deps).run({ signal: ac.signal, handoverAfterMs: 7200_000 });
  ac.abort();
  assert.deepEqual(await running, { reason: 'aborted' });
});

test('a wake-up makes it see a job that appeared while it slept; a failing job is reported, not fatal', async () => {
  const entries: ScheduleEntry[] = [{ id: 'far', status: 'running', startedAt: new Date().toISOString(), probe: effectiveProbe({ Test: ['CMD', '/ok'], Interval: 3600e9 }) }];
  const s = store(entries);
  const errors: string[] = [];
  const scheduler = new Scheduler({ ...s.deps, run: async (job) => { if (job.id === 'bad') throw new Error('boom'); await s.deps.run(job); }, onError: (job, err) => errors.push(`${job.id}: ${(err as Error).message}`) });
  const ac = new AbortController();
  const running = scheduler.run({ signal: ac.signal, handoverAfterMs: 7200_000 });
  entries.push({ id: 'bad', status: 'restarting', startedAt: new Date().toISOString(), restartAt: Date.now() });
  entries.push({ id: 'new', status: 'restarting', startedAt: new Date().toISOString(), restartAt: Date.now() });
  scheduler.wake();
  while (!s.ran.some((j) => j.id === 'new')) await new Promise((r) => setTimeout(r, 10));
  ac.abort();
  await running;
  assert.deepEqual(errors.slice(0, 1), ['bad: boom']);
});
