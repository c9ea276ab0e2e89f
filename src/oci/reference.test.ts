import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReference, formatReference, familiarString, parseReferenceLoose } from './reference.js';
import { isHullError } from '../errors.js';

const D = 'sha256:' + 'a'.repeat(64);

// Golden vectors: input -> fully qualified form.
const VALID: Array<[string, string]> = [
  ['busybox', 'docker.io/library/busybox:latest'],
  ['busybox:1.36', 'docker.io/library/busybox:1.36'],
  ['library/busybox', 'docker.io/library/busybox:latest'],
  ['user/app', 'docker.io/user/app:latest'],
  ['docker.io/busybox', 'docker.io/library/busybox:latest'],
  ['index.docker.io/library/busybox:x', 'docker.io/library/busybox:x'],
  ['localhost/app', 'localhost/app:latest'],
  ['localhost:5000/a/b:t', 'localhost:5000/a/b:t'],
  [`localhost:5000/a/b:t@${D}`, `localhost:5000/a/b:t@${D}`],
  [`busybox@${D}`, `docker.io/library/busybox@${D}`],
  ['quay.io/org/sub/app:v1.2.3-rc_1', 'quay.io/org/sub/app:v1.2.3-rc_1'],
  ['127.0.0.1:5000/x', '127.0.0.1:5000/x:latest'],
  ['a__b/c-d--e/f.g', 'docker.io/a__b/c-d--e/f.g:latest'],
  ['[::1]:5000/app', '[::1]:5000/app:latest'],
];

const INVALID: Array<[string, RegExp]> = [
  ['', /empty/],
  ['Busybox', /lowercase/],
  ['docker.io/Upper/x', /lowercase/],
  ['busybox:', /not a valid tag/],
  ['busybox:-bad', /not a valid tag/],
  ['busybox:' + 'x'.repeat(129), /not a valid tag/],
  ['busybox@sha256:abc', /not a valid digest/],
  ['a'.repeat(64), /image ID/],
  ['foo//bar', /path component/],
  ['foo/-bar', /path component/],
  ['foo/bar_', /path component/],
  ['foo bar', /contains a space/],
  ['UPPER/case', /must be lowercase/],
  ['x\x1b[31m', /control character/],
  ['bad_host:5000/x', /registry host/],
  ['x/' + 'a'.repeat(260), /longer than/],
];

test('valid references normalise like docker', () => {
  for (const [input, expected] of VALID) assert.equal(formatReference(parseReference(input)), expected, input);
});

test('invalid references are refused with INVALID_REFERENCE naming the problem', () => {
  for (const [input, why] of INVALID) {
    assert.throws(() => parseReference(input), (e) => isHullError(e, 'INVALID_REFERENCE') && why.test(e.message), input);
  }
});

test('familiar form drops docker.io/library like docker prints it', () => {
  assert.equal(familiarString(parseReference('busybox')), 'busybox:latest');
  assert.equal(familiarString(parseReference('user/app:1')), 'user/app:1');
  assert.equal(familiarString(parseReference('localhost:5000/a:1')), 'localhost:5000/a:1');
});

test('loose parsing keeps the tag absent', () => {
  assert.equal(parseReferenceLoose('localhost:5000/a').tag, undefined);
});
