import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isArchive, parseRemoteContext } from './remote-context.js';

test('URLs are read as docker reads them: git addresses, fragments, plain downloads', () => {
  assert.deepEqual(parseRemoteContext('https://host/app.git'), { kind: 'git', url: 'https://host/app.git', ref: undefined, subdir: undefined });
  assert.deepEqual(parseRemoteContext('https://host/app.git#v2:docker/app'), { kind: 'git', url: 'https://host/app.git', ref: 'v2', subdir: 'docker/app' });
  assert.deepEqual(parseRemoteContext('github.com/org/app#main'), { kind: 'git', url: 'https://github.com/org/app', ref: 'main', subdir: undefined });
  assert.deepEqual(parseRemoteContext('git@host:org/app.git#:sub'), { kind: 'git', url: 'git@host:org/app.git', ref: undefined, subdir: 'sub' });
  assert.equal(parseRemoteContext('git://host/app').kind, 'git');
  assert.deepEqual(parseRemoteContext('https://host/ctx.tar.gz'), { kind: 'http', url: 'https://host/ctx.tar.gz' });
});

test('option-like refs, paths out of the repository and other schemes are refused', () => {
  assert.throws(() => parseRemoteContext('https://host/app.git#--upload-pack=x'), /is not a branch, tag or commit name/);
  assert.throws(() => parseRemoteContext('https://host/app.git#main\u001b[31m'), /main\\x1b\[31m/);
  assert.throws(() => parseRemoteContext('https://host/app.git#main:../../etc'), /must be inside the repository/);
  assert.throws(() => parseRemoteContext('https://host/app.git#main:/etc'), /must be inside the repository/);
  for (const url of ['file:///etc', 'ext::sh -c touch% /tmp/x', '/local/dir', 'ftp://host/x.tar']) assert.throws(() => parseRemoteContext(url), /an http\(s\) URL or a git repository/, url);
});

test('archives are told by their magic bytes; anything else is a Dockerfile', () => {
  const tar = Buffer.alloc(512);
  tar.write('ustar', 257, 'latin1');
  assert.equal(isArchive(tar), true);
  for (const magic of [[0x1f, 0x8b, 8], [0x42, 0x5a, 0x68, 0x39], [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], [0x28, 0xb5, 0x2f, 0xfd]]) assert.equal(isArchive(Buffer.from(magic)), true);
  assert.equal(isArchive(Buffer.from('FROM busybox\n')), false);
});
