import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanSource, destinationFor, hasWildcard, matchWildcard, segmentRegExp } from './sources.js';
import { cacheKey } from './cache.js';
import { runEnv } from './run-step.js';
import { destIsDirectory } from './copy.js';

const dir = mkdtempSync(join(tmpdir(), 'hull-sources-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('wildcards follow filepath.Match: * and ? stop at /, classes, escapes', () => {
  assert.ok(segmentRegExp('*.txt').test('a.txt'));
  assert.ok(!segmentRegExp('*.txt').test('a.txt.bak'));
  assert.ok(segmentRegExp('file?.[ch]').test('file1.c'));
  assert.ok(!segmentRegExp('[^a]*').test('abc'));
  assert.ok(segmentRegExp('\\*').test('*'));
  assert.equal(hasWildcard('a/b.txt'), false);
  assert.equal(hasWildcard('a/\\*'), false);
  assert.equal(hasWildcard('src/*.js'), true);
});

test('sources are cleaned so .. stops at the root', () => {
  assert.deepEqual(cleanSource('../../etc/passwd'), ['etc', 'passwd']);
  assert.deepEqual(cleanSource('./a//b/./c/'), ['a', 'b', 'c']);
  assert.deepEqual(cleanSource('.'), []);
});

test('matchWildcard walks one segment at a time and leaves ignored paths out', () => {
  for (const f of ['src/a.js', 'src/b.js', 'src/c.ts', 'src/lib/d.js', 'docs/x.js']) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), f);
  }
  assert.deepEqual(matchWildcard(dir, 'src/*.js', () => false), ['src/a.js', 'src/b.js']);
  assert.deepEqual(matchWildcard(dir, '*/*.js', (rel) => rel === 'docs'), ['src/a.js', 'src/b.js']);
  assert.deepEqual(matchWildcard(dir, 'src/*/d.js', () => false), ['src/lib/d.js']);
  assert.deepEqual(matchWildcard(dir, 'nothing*', () => false), []);
});

test('destinations: a trailing slash or an existing directory receives the file inside it', () => {
  assert.equal(destinationFor('/app/', 'a.txt', true), '/app/a.txt');
  assert.equal(destinationFor('/app/renamed', 'a.txt', false), '/app/renamed');
  assert.ok(destIsDirectory('/app/'));
  assert.ok(destIsDirectory('.'));
  assert.ok(!destIsDirectory('/app'));
});

test('cache keys change with the parent, the instruction and the content', () => {
  const k = cacheKey('sha256:p', 'RUN a', '');
  assert.match(k, /^[a-f0-9]{64}$/);
  assert.notEqual(k, cacheKey('sha256:q', 'RUN a', ''));
  assert.notEqual(k, cacheKey('sha256:p', 'RUN b', ''));
  assert.notEqual(cacheKey('sha256:p', 'COPY', 'h1'), cacheKey('sha256:p', 'COPY', 'h2'));
});

test('RUN environment: ENV wins over build args, a default PATH when the image has none', () => {
  assert.deepEqual(runEnv(['A=env'], new Map([['A', 'arg'], ['B', 'arg']]), '/root', 'h'), ['HOSTNAME=h', 'HOME=/root', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'B=arg', 'A=env']);
  assert.deepEqual(runEnv(['PATH=/x', 'HOME=/home/me'], new Map(), '/root', 'h'), ['HOSTNAME=h', 'HOME=/home/me', 'PATH=/x']);
});
