import { test } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveProbe, mergeHealthcheck, parseHealthFlags, parseHealthOnFailure, validateHealthcheck } from './health-config.js';

test('--health-* flags become docker\'s Healthcheck in nanoseconds', () => {
  assert.equal(parseHealthFlags({}), undefined);
  assert.deepEqual(parseHealthFlags({ cmd: 'wget -q localhost', interval: '5s', timeout: '1m30s', startPeriod: '500ms', startInterval: '1s', retries: '2' }), {
    Test: ['CMD-SHELL', 'wget -q localhost'], Interval: 5e9, Timeout: 90e9, StartPeriod: 5e8, StartInterval: 1e9, Retries: 2,
  });
  assert.deepEqual(parseHealthFlags({ interval: '10s' }), { Interval: 10e9 });
  assert.deepEqual(parseHealthFlags({ noHealthcheck: true }), { Test: ['NONE'] });
});

test('bad health flags are refused with the reason', () => {
  assert.throws(() => parseHealthFlags({ noHealthcheck: true, cmd: 'true' }), /conflict/);
  assert.throws(() => parseHealthFlags({ interval: 'soon' }), /--health-interval "soon": not a duration/);
  assert.throws(() => parseHealthFlags({ timeout: '-1s' }), /cannot be negative/);
  assert.throws(() => parseHealthFlags({ interval: '10us' }), /less than 1ms/);
  assert.throws(() => parseHealthFlags({ retries: '-1' }), /cannot be negative/);
  assert.throws(() => parseHealthFlags({ retries: 'x\u0007' }), /x\\u0007/);
  assert.throws(() => parseHealthFlags({ cmd: ' ' }), /empty/);
});

test("the API's Healthcheck shape is validated as docker's daemon does", () => {
  assert.deepEqual(validateHealthcheck({ Test: ['CMD', 'true'], Interval: 0, Retries: 0 }), { Test: ['CMD', 'true'], Interval: 0, Retries: 0 });
  assert.throws(() => validateHealthcheck({ Test: ['RUN', 'x'] }), /unknown test type/);
  assert.throws(() => validateHealthcheck({ Test: ['CMD'] }), /has no command/);
  assert.throws(() => validateHealthcheck({ Test: 'true' }), /list of strings/);
  assert.throws(() => validateHealthcheck({ Interval: 999 }), /less than 1ms/);
  assert.throws(() => validateHealthcheck({ Timeout: 1.5 }), /whole number/);
  assert.throws(() => validateHealthcheck({ Retries: -2 }), /negative/);
});

test("the image's HEALTHCHECK fills what the container leaves empty", () => {
  const image = { Test: ['CMD', '/ok'], Interval: 10e9, Retries: 5 };
  assert.deepEqual(mergeHealthcheck(undefined, image), image);
  assert.deepEqual(mergeHealthcheck({ Interval: 2e9 }, image), { Test: ['CMD', '/ok'], Interval: 2e9, Retries: 5 });
  assert.deepEqual(mergeHealthcheck({ Test: ['NONE'] }, image), { Test: ['NONE'], Interval: 10e9, Retries: 5 });
  assert.equal(mergeHealthcheck(undefined, undefined), undefined);
});

test('the probe to run: defaults applied, CMD-SHELL through /bin/sh, NONE is no probe', () => {
  assert.deepEqual(effectiveProbe({ Test: ['CMD-SHELL', 'exit 0'] }), { argv: ['/bin/sh', '-c', 'exit 0'], intervalMs: 30000, timeoutMs: 30000, startPeriodMs: 0, startIntervalMs: 5000, retries: 3 });
  assert.deepEqual(effectiveProbe({ Test: ['CMD', '/ok', '-v'], Interval: 1e9, Timeout: 2e9, StartPeriod: 3e9, StartInterval: 5e8, Retries: 1 })?.argv, ['/ok', '-v']);
  assert.equal(effectiveProbe({ Test: ['NONE'] }), undefined);
  assert.equal(effectiveProbe({ Interval: 1e9 }), undefined);
  assert.equal(effectiveProbe(undefined), undefined);
});

test('--health-on-failure takes podman\'s four actions', () => {
  for (const a of ['none', 'kill', 'restart', 'stop'] as const) assert.equal(parseHealthOnFailure(a), a);
  assert.throws(() => parseHealthOnFailure('reboot'), /unknown action/);
});
