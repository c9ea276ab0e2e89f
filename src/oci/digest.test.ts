import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDigest, sha256, shortId, Digester } from './digest.js';
import { isHullError } from '../errors.js';

test('sha256 of the empty string is the well-known digest', () => {
  assert.equal(sha256(''), 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});

test('Digester matches one-shot hashing across chunks', () => {
  const d = new Digester();
  d.update(Buffer.from('hello '));
  d.update(Buffer.from('world'));
  assert.equal(d.digest(), sha256('hello world'));
  assert.equal(d.size, 11);
});

test('parseDigest rejects malformed digests with INVALID_DIGEST', () => {
  for (const bad of ['', 'sha256:abc', 'md5:' + 'a'.repeat(32), 'sha256:' + 'A'.repeat(64), 'sha256:' + 'g'.repeat(64)]) {
    assert.throws(() => parseDigest(bad), (e) => isHullError(e, 'INVALID_DIGEST'), bad);
  }
  assert.equal(shortId(parseDigest('sha256:' + 'ab'.repeat(32))), 'abababababab');
});
