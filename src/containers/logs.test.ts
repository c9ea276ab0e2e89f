import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseK8sLog } from './logs.js';

test('parseK8sLog: whole lines, partials joined, a terminal\'s \\r kept', () => {
  const text = [
    '2026-12-07T17:12:31.000000001+00:00 stdout F hi\r',
    '2026-12-07T17:12:31.000000002+00:00 stderr P par',
    '2026-12-07T17:12:31.000000003+00:00 stderr F tial',
    'not a record',
  ].join('\n');
  assert.deepEqual(parseK8sLog(text).map((r) => [r.stream, r.text]), [['stdout', 'hi\r\n'], ['stderr', 'partial\n']]);
});
