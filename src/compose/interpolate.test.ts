import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InterpolationError, interpolateString } from './interpolate.js';
import { parseDotenv } from './dotenv.js';
import { formatDuration, parseDuration, splitShellWords, toBytes } from './units.js';

const ENV: Record<string, string> = { SET: 'value', EMPTY: '', FOO: 'foo' };
const lookup = (n: string) => ENV[n];
const run = (t: string) => interpolateString(t, lookup).value;

// The table of compose-spec interpolation.md: VAR has a value / is empty / is not set.
test('interpolation follows the table of the Compose Specification', () => {
  const cases: [string, string, string, string][] = [
    ['${X}', 'value', '', ''],
    ['${X:-default}', 'value', 'default', 'default'],
    ['${X-default}', 'value', '', 'default'],
    ['${X:+replacement}', 'replacement', '', ''],
    ['${X+replacement}', 'replacement', 'replacement', ''],
  ];
  for (const [tpl, set, empty, unset] of cases) {
    assert.equal(run(tpl.replace('X', 'SET')), set, `${tpl} with a value`);
    assert.equal(run(tpl.replace('X', 'EMPTY')), empty, `${tpl} empty`);
    assert.equal(run(tpl.replace('X', 'UNSET')), unset, `${tpl} unset`);
  }
  assert.equal(run('${EMPTY?error}'), '');
  assert.equal(run('${SET:?error}'), 'value');
});

test('required variables fail with the message given', () => {
  assert.throws(() => run('${UNSET:?please set UNSET}'), (e: InterpolationError) => e.kind === 'required' && e.message === 'required variable UNSET is missing a value: please set UNSET');
  assert.throws(() => run('${EMPTY:?}'), { message: 'required variable EMPTY is missing a value' });
  assert.throws(() => run('${UNSET?}'), { message: 'required variable UNSET is missing a value' });
});

test('nesting, $$, bare names and lone dollars', () => {
  assert.equal(run('${UNSET:-${FOO}}'), 'foo');
  assert.equal(run('${UNSET:-${UNSET2:-default}}'), 'default');
  assert.equal(run('${UNSET-$FOO}-x'), 'foo-x');
  assert.equal(run('$$VAR_NOT_INTERPOLATED'), '$VAR_NOT_INTERPOLATED');
  assert.equal(run('$FOO/bar $SET'), 'foo/bar value');
  assert.equal(run('cost: 5$ and $1'), 'cost: 5$ and $1');
  assert.equal(run('${UNSET:-a}}'), 'a}');
  assert.deepEqual(interpolateString('$NOPE ${NOPE2}', lookup).unset, ['NOPE', 'NOPE2']);
});

test('malformed templates are refused', () => {
  for (const bad of ['${', '${FOO', '${}', '${1A}', '${FOO/a/b}', '${FOO:x}']) {
    assert.throws(() => run(bad), (e: InterpolationError) => e.kind === 'syntax', bad);
  }
});

test('.env files: quotes, comments, export, interpolation of earlier lines', () => {
  const text = [
    '# a comment',
    'export A=1',
    'B = two words  # trailing comment',
    "C='literal $A # not a comment'",
    'D="line\\nbreak ${A}"',
    'E=${A}-${UNSET:-dflt}',
    'F="multi',
    'line"',
    'G=',
    'SET',
    'ABSENT',
    'H=a#b',
  ].join('\n');
  assert.deepEqual(parseDotenv(text, '.env', lookup), {
    A: '1',
    B: 'two words',
    C: 'literal $A # not a comment',
    D: 'line\nbreak 1',
    E: '1-dflt',
    F: 'multi\nline',
    G: '',
    SET: 'value',
    H: 'a#b',
  });
  assert.throws(() => parseDotenv('A=1\n1BAD=2', '/p/.env'), { message: 'Cannot read env file "/p/.env": line 2: invalid variable name "1BAD"' });
  assert.throws(() => parseDotenv('A="open', '.env'), /line 1: unterminated double-quoted value/);
});

test('durations print as Go prints them; sizes use binary units', () => {
  assert.equal(formatDuration(parseDuration('90s')), '1m30s');
  assert.equal(formatDuration(parseDuration('1h')), '1h0m0s');
  assert.equal(formatDuration(parseDuration('1.5s')), '1.5s');
  assert.equal(formatDuration(parseDuration('500ms')), '500ms');
  assert.equal(formatDuration(parseDuration(10)), '10s');
  assert.throws(() => parseDuration('10 parsecs'));
  assert.equal(toBytes('512m'), 512 * 1024 * 1024);
  assert.equal(toBytes('1gb'), 1024 ** 3);
  assert.equal(toBytes(1000), 1000);
  assert.throws(() => toBytes('lots'));
});

test('a command string splits into words like a shell, without expansion', () => {
  assert.deepEqual(splitShellWords(`sh -c 'echo "$HOME"; exit 3'`), ['sh', '-c', 'echo "$HOME"; exit 3']);
  assert.deepEqual(splitShellWords('a "b c" d\\ e ""'), ['a', 'b c', 'd e', '']);
  assert.throws(() => splitShellWords("echo 'open"));
});
