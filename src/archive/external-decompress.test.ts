import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { detectExternalCompression, decompressExternal } from './external-decompress.js';

const collect = async (r: Readable) => {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};

test('detectExternalCompression: bzip2 and xz by magic, anything else passes', () => {
  assert.equal(detectExternalCompression(Buffer.from('BZh91AY')), 'bzip2');
  assert.equal(detectExternalCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])), 'xz');
  assert.equal(detectExternalCompression(Buffer.from([0x1f, 0x8b, 8])), undefined);
  assert.equal(detectExternalCompression(Buffer.alloc(0)), undefined);
});

test('decompressExternal: decodes bzip2 and xz with the system tools, passes other bytes through unchanged, fails on corrupt data', async () => {
  const data = Buffer.from('hello '.repeat(10_000));
  for (const tool of ['bzip2', 'xz']) {
    const packed = execFileSync(tool, ['-c'], { input: data });
    assert.deepEqual(await collect(await decompressExternal(Readable.from([packed.subarray(0, 3), packed.subarray(3)]), 'x')), data, tool);
    await assert.rejects(collect(await decompressExternal(Readable.from([packed.subarray(0, packed.length - 20)]), 'the test input')), /the test input: the .* data is corrupt or truncated/);
  }
  assert.deepEqual(await collect(await decompressExternal(Readable.from([Buffer.from('ab'), Buffer.from('cdefgh')]), 'x')), Buffer.from('abcdefgh'));
  assert.deepEqual(await collect(await decompressExternal(Readable.from([]), 'x')), Buffer.alloc(0));
});
