import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandHeredoc, expandWord, expandWords, EXPANDED_INSTRUCTIONS } from './expand.js';
import { isHullError } from '../errors.js';

const env: Record<string, string> = { A: 'a', EMPTY: '', SP: 'x  y', PATH: '/usr/bin:/bin', FILE: 'dir/sub/file.tar.gz', 'é': 'accent' };
const vars = (name: string): string | undefined => env[name];
const w = (raw: string, escape: '\\' | '`' = '\\'): string => expandWord(raw, vars, escape);

test('plain and braced variables; unset is empty; a lone $ stays', () => {
  assert.equal(w('$A'), 'a');
  assert.equal(w('${A}b'), 'ab');
  assert.equal(w('$Ab'), '');
  assert.equal(w('x$NOPE-y'), 'x-y');
  assert.equal(w('cost: $'), 'cost: $');
  assert.equal(w('$ A'), '$ A');
  assert.equal(w('$é'), 'accent');
  assert.equal(w('a$1b'), 'ab');
});

test('defaults and alternatives, with and without the colon', () => {
  assert.equal(w('${NOPE:-def}'), 'def');
  assert.equal(w('${EMPTY:-def}'), 'def');
  assert.equal(w('${EMPTY-def}'), '');
  assert.equal(w('${NOPE-def}'), 'def');
  assert.equal(w('${A:-def}'), 'a');
  assert.equal(w('${A:+alt}'), 'alt');
  assert.equal(w('${EMPTY:+alt}'), '');
  assert.equal(w('${EMPTY+alt}'), 'alt');
  assert.equal(w('${NOPE+alt}'), '');
  assert.equal(w('${NOPE:-$A-x}'), 'a-x');
  assert.equal(w('${NOPE:-"q u"}'), 'q u');
  assert.equal(w('${NOPE:-a\\}b}'), 'a}b');
});

test('${N?msg} fails when unset', () => {
  assert.equal(w('${A?oops}'), 'a');
  assert.throws(() => w('${NOPE?must be set}'), /NOPE: must be set/);
  assert.throws(() => w('${EMPTY:?}'), /EMPTY: is not allowed to be empty/);
  assert.equal(w('${EMPTY?}'), '');
});

test('prefix and suffix trimming, shortest and longest', () => {
  assert.equal(w('${FILE#*/}'), 'sub/file.tar.gz');
  assert.equal(w('${FILE##*/}'), 'file.tar.gz');
  assert.equal(w('${FILE%.*}'), 'dir/sub/file.tar');
  assert.equal(w('${FILE%%.*}'), 'dir/sub/file');
  assert.equal(w('${FILE#nomatch}'), 'dir/sub/file.tar.gz');
  assert.equal(w('${FILE%\\*}'), 'dir/sub/file.tar.gz');
  assert.equal(w('${NOPE%x}'), '');
});

test('pattern replacement, first and all', () => {
  assert.equal(w('${PATH/bin/sbin}'), '/usr/sbin:/bin');
  assert.equal(w('${PATH//bin/sbin}'), '/usr/sbin:/sbin');
  assert.equal(w('${PATH//\\//_}'), '_usr_bin:_bin');
  assert.equal(w('${PATH/*:/}'), '/bin');
});

test('quotes: single is literal, double expands, both are removed', () => {
  assert.equal(w("'$A'"), '$A');
  assert.equal(w('"$A"'), 'a');
  assert.equal(w(`"it's"`), "it's");
  assert.equal(w(`'say "hi"'`), 'say "hi"');
  assert.equal(w('a"b c"d'), 'ab cd');
  assert.equal(w('"\\$A \\" \\\\ \\n"'), '$A " \\ \\n');
  assert.equal(w("'a\\'"), 'a\\');
});

test('the escape character outside quotes makes the next one literal', () => {
  assert.equal(w('\\$A'), '$A');
  assert.equal(w('a\\ b'), 'a b');
  assert.equal(w('\\"x\\"'), '"x"');
  assert.equal(w('end\\'), 'end');
  assert.equal(w('C:\\dir'), 'C:dir');
  assert.equal(w('C:\\dir', '`'), 'C:\\dir');
  assert.equal(w('`$A', '`'), '$A');
  assert.equal(w('"`"x"', '`'), '"x');
});

test('expandWord keeps whitespace; expandWords splits on unprotected whitespace', () => {
  assert.equal(w('$SP'), 'x  y');
  assert.equal(w('a  b'), 'a  b');
  const ws = (raw: string): string[] => expandWords(raw, vars, '\\');
  assert.deepEqual(ws('80 443/tcp'), ['80', '443/tcp']);
  assert.deepEqual(ws('$SP z'), ['x', 'y', 'z']);
  assert.deepEqual(ws('"$SP" z'), ['x  y', 'z']);
  assert.deepEqual(ws('a\\ b c'), ['a b', 'c']);
  assert.deepEqual(ws('  lead  trail  '), ['lead', 'trail']);
  assert.deepEqual(ws('""'), []);
  assert.deepEqual(ws('cat <<  EOF'), ['cat', '<<  EOF']);
});

test('syntax errors are INVALID_ARGUMENT naming the word', () => {
  for (const bad of ['${A', '${}', '${:-x}', '${A:#x}', '${A!}', '"open', "'open", '${A:-x']) {
    assert.throws(
      () => w(bad),
      (err: unknown) => isHullError(err, 'INVALID_ARGUMENT') && err.message.includes(`"${bad}"`),
      bad,
    );
  }
});

test('heredoc bodies: quotes are ordinary, $ expands, backslash escapes', () => {
  assert.equal(expandHeredoc('echo "$A" \'$A\'\n', vars), 'echo "a" \'a\'\n');
  assert.equal(expandHeredoc('cost \\$5\n', vars), 'cost $5\n');
  assert.equal(expandHeredoc('printf "x\\n"\n', vars), 'printf "xn"\n');
});

test('the expanded instructions are the reference list', () => {
  for (const kind of ['FROM', 'ARG', 'ENV', 'LABEL', 'ADD', 'COPY', 'EXPOSE', 'VOLUME', 'USER', 'WORKDIR', 'STOPSIGNAL'] as const) {
    assert.ok(EXPANDED_INSTRUCTIONS.has(kind), kind);
  }
  for (const kind of ['CMD', 'ENTRYPOINT', 'SHELL', 'HEALTHCHECK', 'MAINTAINER', 'ONBUILD'] as const) {
    assert.ok(!EXPANDED_INSTRUCTIONS.has(kind), kind);
  }
});
