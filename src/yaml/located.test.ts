import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { lineAt, pathKey, pathText, quote, toLocatedValue, type LocatedOptions } from './located.js';

function read(text: string, extra: Partial<LocatedOptions> = {}) {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, uniqueKeys: true });
  const lines = new Map<string, number>();
  const fail = (problem: string, line: number, message: string) => new Error(`${problem} at ${line}: ${message}`);
  return { value: toLocatedValue(doc as Document, doc.contents, { lineCounter, lines, counter: { values: 0 }, fail, ...extra }), lines };
}

test('paths are spelled as messages spell them; strings quoted with control characters escaped', () => {
  assert.equal(pathText(['services', 'web', 'ports', 0, 'target']), 'services.web.ports[0].target');
  assert.equal(pathText(['spec', 'containers', 2]), 'spec.containers[2]');
  assert.equal(quote('a\x1b[31m"b'), '"a\\u001b[31m\\"b"');
});

test('every key and list item has its line; a path without one takes its nearest ancestor\'s', () => {
  const { value, lines } = read('a:\n  b:\n    - x\n    - y: 1\nc: 2\n');
  assert.deepEqual(value, { a: { b: ['x', { y: 1 }] }, c: 2 });
  assert.equal(lines.get(pathKey(['a'])), 1);
  assert.equal(lines.get(pathKey(['a', 'b', 1])), 4);
  assert.equal(lineAt(lines, ['a', 'b', 1, 'y']), 4);
  assert.equal(lineAt(lines, ['c', 'not-there']), 5);
  assert.equal(lineAt(lines, ['nowhere']), undefined);
});

test('aliases and << merge keys resolve; explicit keys win; lines are not recorded inside aliases', () => {
  const { value, lines } = read('base: &b\n  x: 1\n  y: 2\nuse:\n  <<: *b\n  y: 3\n');
  assert.deepEqual(value, { base: { x: 1, y: 2 }, use: { y: 3, x: 1 } });
  assert.equal(lines.get(pathKey(['use', 'x'])), undefined);
});

test('bad shapes and alias bombs are refused through the caller\'s error', () => {
  assert.throws(() => read('a: &a [1]\nb:\n  <<: *a\n'), /^Error: malformed at 3: a "<<" merge key/);
  assert.throws(() => read('? [1, 2]\n: v\n'), /^Error: malformed at 1: a key must be a string/);
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 7 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`)].join('\n');
  assert.throws(() => read(bomb), /^Error: too-many at 0: more than 1000000 values/);
});

test('the caller decides what scalars and tags stand for', () => {
  const { value } = read('mode: 0440\nkeep: !custom text\n', {
    scalar: (n) => (typeof n.source === 'string' && /^0[0-7]+$/.test(n.source) ? parseInt(n.source, 8) : n.value),
    tagged: (n, v) => (n.tag === '!custom' ? `tagged:${String(v)}` : v),
  });
  assert.deepEqual(value, { mode: 0o440, keep: 'tagged:text' });
});
