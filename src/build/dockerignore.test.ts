import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanPath, compileIgnore, loadIgnore, parseIgnoreFile, type IgnoreMatcher } from './dockerignore.js';
import { isHullError } from '../errors.js';

const matcher = (text: string): IgnoreMatcher => compileIgnore(parseIgnoreFile(text, '.dockerignore'), '.dockerignore');

function check(text: string, excluded: string[], included: string[]): void {
  const m = matcher(text);
  for (const path of excluded) assert.equal(m.excludes(path), true, `${JSON.stringify(text)} should exclude ${path}`);
  for (const path of included) assert.equal(m.excludes(path), false, `${JSON.stringify(text)} should keep ${path}`);
}

test('reading: comments in the first column, blanks trimmed, paths cleaned, leading / dropped', () => {
  const patterns = parseIgnoreFile('\uFEFF# comment\n\n  *.log  \n/build/\n./a//b/../c\n! keep.log\n #not-a-comment\r\n', 'x');
  assert.deepEqual(
    patterns.map((p) => `${p.exception ? '!' : ''}${p.pattern}@${p.line}`),
    ['*.log@3', 'build@4', 'a/c@5', '!keep.log@6', '#not-a-comment@7'],
  );
});

test('a lone ! is refused with the line', () => {
  assert.throws(() => parseIgnoreFile('a\n!\n', '.dockerignore'), (err: unknown) => isHullError(err, 'INVALID_ARGUMENT') && /line 2: illegal exclusion pattern/.test(err.message));
});

test('an unclosed [ is a bad pattern', () => {
  assert.throws(() => matcher('ok\nfile[a\n'), /line 2: bad pattern "file\[a"/);
});

test('* and ? stay within one directory level', () => {
  check('*.md', ['README.md', 'a.md'], ['docs/a.md', 'md']);
  check('*/*.md', ['docs/a.md'], ['a.md', 'docs/sub/a.md']);
  check('file?.txt', ['file1.txt'], ['file.txt', 'file10.txt', 'file/.txt']);
});

test('a pattern matching a directory excludes everything under it', () => {
  check('build', ['build', 'build/out/x.o'], ['builds', 'src/build']);
  check('docs/*', ['docs/a', 'docs/a/b/c'], ['docs']);
});

test('** spans any number of directories', () => {
  check('**/*.go', ['main.go', 'a/b/c.go'], ['main.gox']);
  check('**/node_modules', ['node_modules', 'a/node_modules/x', 'a/b/node_modules'], ['node_modules_x']);
  check('a/**/b', ['a/b', 'a/x/b', 'a/x/y/b/z'], ['a/xb', 'b']);
  check('a/**', ['a/x', 'a/x/y'], ['a', 'ab']);
  check('**', ['anything', 'a/b'], []);
});

test('character classes and escapes', () => {
  check('[a-c].txt', ['a.txt', 'c.txt'], ['d.txt', '/.txt']);
  check('[^a].txt', ['b.txt'], ['a.txt']);
  check('[!a].txt', ['b.txt'], ['a.txt']);
  check('\\*.txt', ['*.txt'], ['a.txt']);
  check('a\\[1\\]', ['a[1]'], ['a1']);
});

test('exceptions: the last matching pattern wins', () => {
  check('*.md\n!README.md', ['a.md'], ['README.md']);
  check('!README.md\n*.md', ['README.md', 'a.md'], []);
  check('*.md\n!README*.md\nREADME-secret.md', ['a.md', 'README-secret.md'], ['README.md', 'README-x.md']);
  check('docs\n!docs/keep', ['docs', 'docs/a'], ['docs/keep', 'docs/keep/deep/file']);
});

test('paths given to excludes are cleaned; the root is never excluded', () => {
  check('*', ['./a', '/a', 'a//b', 'x/../a'], ['.', '', '/']);
});

test('canSkipDir: only when nothing inside can come back', () => {
  const m = matcher('node_modules\n!node_modules/keep\ndist\nvendor\n!vendor/*/LICENSE\n');
  assert.equal(m.canSkipDir('src'), false, 'not excluded at all');
  assert.equal(m.canSkipDir('dist'), true);
  assert.equal(m.canSkipDir('node_modules'), false);
  assert.equal(m.canSkipDir('node_modules/other'), true);
  assert.equal(m.canSkipDir('vendor'), false);
  assert.equal(m.canSkipDir('vendor/lib'), false);
  assert.equal(m.excludes('vendor/lib/LICENSE'), false);
  assert.equal(m.excludes('vendor/lib/code.c'), true);
  const anywhere = matcher('*.tmp\ndist\n!**/important.tmp');
  assert.equal(anywhere.canSkipDir('cache.tmp'), false, '** could match inside');
  assert.equal(anywhere.canSkipDir('dist'), false);
  const noExceptions = matcher('a\nb/c');
  assert.equal(noExceptions.canSkipDir('a'), true);
  assert.equal(noExceptions.canSkipDir('b/c'), true);
  assert.equal(noExceptions.canSkipDir('b'), false);
});

test('cleanPath follows Go path.Clean for relative paths', () => {
  assert.equal(cleanPath(''), '.');
  assert.equal(cleanPath('./'), '.');
  assert.equal(cleanPath('a/./b//c/'), 'a/b/c');
  assert.equal(cleanPath('a/../../b'), '../b');
  assert.equal(cleanPath('/../a'), '/a');
});

test('loadIgnore: .containerignore wins over .dockerignore; one beside the Containerfile wins over both', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hull-ignore-'));
  try {
    assert.equal((await loadIgnore(dir)).file, undefined);
    assert.equal((await loadIgnore(dir)).excludes('x'), false);
    await writeFile(join(dir, '.dockerignore'), 'docker\n');
    let m = await loadIgnore(dir);
    assert.equal(m.file, join(dir, '.dockerignore'));
    assert.equal(m.excludes('docker'), true);
    await writeFile(join(dir, '.containerignore'), 'container\n');
    m = await loadIgnore(dir);
    assert.equal(m.file, join(dir, '.containerignore'));
    assert.deepEqual([m.excludes('docker'), m.excludes('container')], [false, true]);
    const containerfile = join(dir, 'app.Containerfile');
    await writeFile(`${containerfile}.dockerignore`, 'beside\n');
    m = await loadIgnore(dir, { containerfile });
    assert.equal(m.excludes('beside'), true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
