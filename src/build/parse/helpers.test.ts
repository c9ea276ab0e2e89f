import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGoDuration } from './duration.js';
import { findHeredocs, parseHeredocWord } from './heredoc.js';
import { csvFields, parseMount, ramInBytes } from './mount.js';
import { ParseProblem } from './problem.js';
import { extractFlags, parseJsonArray, rawWords, splitCommand } from './words.js';

test('Go durations in nanoseconds', () => {
  const cases: [string, number | undefined][] = [
    ['0', 0], ['1s', 1e9], ['1.5s', 1.5e9], ['1h30m', 5400e9], ['300ms', 300e6], ['2us', 2000], ['2µs', 2000],
    ['10ns', 10], ['.5m', 30e9], ['1.m', 60e9], ['-1s', -1e9], ['5', undefined], ['', undefined], ['1d', undefined], ['s', undefined], ['.s', undefined],
  ];
  for (const [text, ns] of cases) assert.equal(parseGoDuration(text), ns, text);
});

test('splitCommand: keyword, flags, rest', () => {
  assert.deepEqual(splitCommand('  RUN   --network=none  --mount=a   echo  hi  ', '\\'), { keyword: 'RUN', flags: ['--network=none', '--mount=a'], rest: 'echo  hi' });
  assert.deepEqual(splitCommand('USER', '\\'), { keyword: 'USER', flags: [], rest: '' });
  assert.deepEqual(extractFlags(`--a='x y' --b=c\\ d -- --e f`, '\\'), { flags: ['--a=x y', '--b=c d'], rest: ' --e f' });
  assert.deepEqual(extractFlags('--a=`"q', '`'), { flags: ['--a="q'], rest: '' });
});

test('rawWords keeps quotes and escapes', () => {
  assert.deepEqual(rawWords(`a="b c" d='e \\' f g\\ h "i\\"j"`, '\\'), ['a="b c"', `d='e \\'`, 'f', 'g\\ h', '"i\\"j"']);
  assert.deepEqual(rawWords('x=""  y=', '\\'), ['x=""', 'y=']);
  assert.deepEqual(rawWords('end\\', '\\'), ['end']);
});

test('parseJsonArray: strings only, anything else is not JSON', () => {
  assert.deepEqual(parseJsonArray(' ["a","\\u00e9"] '), ['a', 'é']);
  assert.equal(parseJsonArray('["a",]'), undefined);
  assert.equal(parseJsonArray('echo ["a"]'), undefined);
  assert.throws(() => parseJsonArray('["a", null]'), ParseProblem);
  assert.throws(() => parseJsonArray('[["a"]]'), ParseProblem);
});

test('heredoc words: fd, chomp, quoting, operators after the delimiter', () => {
  assert.deepEqual(parseHeredocWord('<<EOF'), { name: 'EOF', chomp: false, expand: true, whole: true });
  assert.deepEqual(parseHeredocWord('2<<-"END"'), { name: 'END', chomp: true, expand: false, whole: true });
  assert.deepEqual(parseHeredocWord("<<E'O'F"), { name: 'EOF', chomp: false, expand: false, whole: true });
  assert.deepEqual(parseHeredocWord('<<\\EOF'), { name: 'EOF', chomp: false, expand: false, whole: true });
  assert.deepEqual(parseHeredocWord('<<EOF>out'), { name: 'EOF', chomp: false, expand: true, whole: false });
  assert.equal(parseHeredocWord('<<'), undefined);
  assert.equal(parseHeredocWord('a<<EOF'), undefined);
  assert.equal(parseHeredocWord('<<<word'), undefined);
  assert.deepEqual(findHeredocs('RUN cat <<  A "<<B" \'<<C\' \\<<D <<- E | sh').map((h) => h.name), ['A', 'E']);
});

test('mount CSV fields follow RFC 4180', () => {
  assert.deepEqual(csvFields('a=1,"b=2,3","c=""q"""'), ['a=1', 'b=2,3', 'c="q"']);
  assert.deepEqual(csvFields('a=1,'), ['a=1', '']);
  assert.throws(() => csvFields('a="x"'), /bare "/);
  assert.throws(() => csvFields('"a'), /unterminated/);
});

test('--mount: defaults per type and aliases', () => {
  assert.deepEqual(parseMount('target=/x'), { type: 'bind', target: '/x', readwrite: false });
  assert.deepEqual(parseMount('type=bind,src=a,dst=/x,rw'), { type: 'bind', target: '/x', source: 'a', readwrite: true });
  assert.deepEqual(parseMount('type=bind,destination=/x,readwrite=true,ro'), { type: 'bind', target: '/x', readwrite: false });
  assert.deepEqual(parseMount('type=CACHE,target=/c,id=go,sharing=Private,from=base,source=/s,ro=true,mode=0755,uid=1000,gid=1000'), {
    type: 'cache', target: '/c', id: 'go', sharing: 'private', from: 'base', source: '/s', readonly: true, mode: 0o755, uid: 1000, gid: 1000,
  });
  assert.deepEqual(parseMount('type=tmpfs,target=/t'), { type: 'tmpfs', target: '/t' });
  assert.deepEqual(parseMount('type=secret,id=npm,target=/root/.npmrc,required,mode=0400'), { type: 'secret', id: 'npm', target: '/root/.npmrc', required: true, mode: 0o400 });
  assert.deepEqual(parseMount('type=secret,source=aws'), { type: 'secret', id: 'aws', required: false });
  assert.deepEqual(parseMount('type=ssh'), { type: 'ssh', required: false });
  assert.deepEqual(parseMount('type=ssh,id=gh,required=false'), { type: 'ssh', id: 'gh', required: false });
  assert.deepEqual(parseMount('type=cache,target=$HOME/.cache,id=${ID}'), { type: 'cache', target: '$HOME/.cache', id: '${ID}', sharing: 'shared', readonly: false });
});

test('--mount: refusals', () => {
  const refused: [string, RegExp][] = [
    ['type=volume,target=/x', /unsupported mount type "volume"/],
    ['type=tmpfs,target=/x,readonly', /"readonly" does not apply to type=tmpfs/],
    ['type=bind,target=/x,sharing=locked', /"sharing" does not apply to type=bind/],
    ['type=bind,target=/x,mode=0755', /"mode" does not apply to type=bind/],
    ['type=cache,target=/x,sharing=weird', /unsupported sharing value "weird"/],
    ['type=cache,target=/x,mode=999', /invalid value "999" for mode/],
    ['type=cache,target=/x,uid=-1', /invalid value "-1" for uid/],
    ['type=tmpfs,target=/x,size=lots', /invalid value "lots" for size/],
    ['type=bind,target=/x,readonly=maybe', /invalid value "maybe" for readonly/],
    ['type=bind,target=/x,from=$STAGE', /"from" does not support variables/],
    ['type=bind,target=/x,trget=/y', /unknown --mount option "trget"/],
    ['type=bind,target', /invalid --mount field "target"/],
    ['type=bind,required,target=/x', /"required" does not apply to type=bind/],
    ['type=secret', /a secret mount needs id= or target=/],
    ['type=secret,id=a,source=b', /id= or source=, not both/],
    ['type=secret,id=a,env=X', /"env" for type=secret is not supported by hull/],
    ['type=ssh,mode=0600', /"mode" for type=ssh is not supported by hull/],
    ['', /invalid --mount field ""/],
  ];
  for (const [spec, message] of refused) assert.throws(() => parseMount(spec), message, spec);
});

test('sizes as docker/go-units reads them', () => {
  assert.equal(ramInBytes('1024'), 1024);
  assert.equal(ramInBytes('64m'), 64 * 2 ** 20);
  assert.equal(ramInBytes('1.5g'), 1.5 * 2 ** 30);
  assert.equal(ramInBytes('2KiB'), 2048);
  assert.equal(ramInBytes('10 mb'), 10 * 2 ** 20);
  assert.equal(ramInBytes('x'), undefined);
});
