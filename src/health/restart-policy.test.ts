import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isHullError } from '../errors.js';
import { checkAutoRemove, formatRestartPolicy, nextBackoff, parseRestartPolicy, planRestart, restoresAtBoot, validateRestartPolicy, type ExitFacts } from './restart-policy.js';

test('--restart values parse as docker parses them', () => {
  assert.deepEqual(parseRestartPolicy('no'), { Name: 'no', MaximumRetryCount: 0 });
  assert.deepEqual(parseRestartPolicy('always'), { Name: 'always', MaximumRetryCount: 0 });
  assert.deepEqual(parseRestartPolicy('unless-stopped'), { Name: 'unless-stopped', MaximumRetryCount: 0 });
  assert.deepEqual(parseRestartPolicy('on-failure'), { Name: 'on-failure', MaximumRetryCount: 0 });
  assert.deepEqual(parseRestartPolicy('on-failure:3'), { Name: 'on-failure', MaximumRetryCount: 3 });
  assert.deepEqual(parseRestartPolicy('on-failure:'), { Name: 'on-failure', MaximumRetryCount: 0 });
});

test('bad --restart values are refused with the reason', () => {
  const cases: Array<[string, RegExp]> = [
    ['sometimes', /unknown policy/],
    [':3', /no policy before the colon/],
    ['on-failure:x', /whole number/],
    ['on-failure:-1', /cannot be negative/],
    ['always:2', /only be used with on-failure/],
    ['no:1', /only be used with on-failure/],
    ['al\u001bways', /al\\u001bways/],
  ];
  for (const [value, message] of cases) {
    assert.throws(() => parseRestartPolicy(value), (err: unknown) => isHullError(err, 'INVALID_ARGUMENT') && message.test(err.message), value);
  }
});

test("the API's HostConfig.RestartPolicy: an empty name is no, a wrong shape is refused", () => {
  assert.deepEqual(validateRestartPolicy(undefined), { Name: 'no', MaximumRetryCount: 0 });
  assert.deepEqual(validateRestartPolicy({ Name: '', MaximumRetryCount: 0 }), { Name: 'no', MaximumRetryCount: 0 });
  assert.deepEqual(validateRestartPolicy({ Name: 'on-failure', MaximumRetryCount: 5 }), { Name: 'on-failure', MaximumRetryCount: 5 });
  assert.throws(() => validateRestartPolicy({ Name: 'always', MaximumRetryCount: 1 }), /only be used with on-failure/);
  assert.throws(() => validateRestartPolicy({ Name: 'on-failure', MaximumRetryCount: 1.5 }), /whole number/);
  assert.throws(() => validateRestartPolicy({ Name: 7 }), /unknown policy/);
  assert.throws(() => validateRestartPolicy('always'), /not an object/);
});

test('--rm with a restart policy conflicts; the text form round-trips', () => {
  assert.throws(() => checkAutoRemove(parseRestartPolicy('always'), true, 'web'), /--rm and --restart always conflict/);
  checkAutoRemove(parseRestartPolicy('no'), true, 'web');
  for (const v of ['no', 'always', 'unless-stopped', 'on-failure', 'on-failure:4']) assert.equal(formatRestartPolicy(parseRestartPolicy(v)), v);
});

test("docker's back-off: 100 ms, doubled, capped at a minute, reset after a 10 s run", () => {
  const delays: number[] = [];
  let d = 0;
  for (let i = 0; i < 12; i++) delays.push((d = nextBackoff(d, 50)));
  assert.deepEqual(delays, [100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000]);
  assert.equal(nextBackoff(60_000, 10_000), 100);
  assert.equal(nextBackoff(60_000, 9_999), 60_000);
});

const exit = (f: Partial<ExitFacts>): ExitFacts => ({ policy: parseRestartPolicy('no'), exitCode: 1, restartCount: 0, stoppedByUser: false, ranForMs: 5, previousDelayMs: 0, ...f });

test('on-failure restarts a failing container exactly MAX times, never after exit 0', () => {
  const policy = parseRestartPolicy('on-failure:3');
  let count = 0;
  let restarts = 0;
  for (;;) {
    const d = planRestart(exit({ policy, restartCount: count }));
    if (!d.restart) break;
    count = d.restartCount;
    restarts++;
  }
  assert.equal(restarts, 3);
  assert.equal(planRestart(exit({ policy, exitCode: 0 })).restart, false);
  assert.equal(planRestart(exit({ policy: parseRestartPolicy('on-failure'), restartCount: 1000 })).restart, true);
});

test('always and unless-stopped restart whatever the code, unless the user stopped it; no never does', () => {
  for (const p of ['always', 'unless-stopped']) {
    assert.deepEqual(planRestart(exit({ policy: parseRestartPolicy(p), exitCode: 0 })), { restart: true, delayMs: 100, restartCount: 1 });
    assert.equal(planRestart(exit({ policy: parseRestartPolicy(p), exitCode: 137, stoppedByUser: true })).restart, false);
  }
  assert.equal(planRestart(exit({ policy: parseRestartPolicy('on-failure'), stoppedByUser: true })).restart, false);
  assert.equal(planRestart(exit({ policy: parseRestartPolicy('no') })).restart, false);
  assert.equal(planRestart(exit({ policy: parseRestartPolicy('always'), previousDelayMs: 400 })).delayMs, 800);
});

test('at boot: always comes back even after a stop, unless-stopped only if not stopped', () => {
  assert.equal(restoresAtBoot(parseRestartPolicy('always'), true), true);
  assert.equal(restoresAtBoot(parseRestartPolicy('unless-stopped'), false), true);
  assert.equal(restoresAtBoot(parseRestartPolicy('unless-stopped'), true), false);
  assert.equal(restoresAtBoot(parseRestartPolicy('on-failure'), false), false);
  assert.equal(restoresAtBoot(parseRestartPolicy('no'), false), false);
});
