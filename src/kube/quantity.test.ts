import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesToMemory, cpuToNano, memoryToBytes, nanoToCpu, parseQuantity } from './quantity.js';

test('Kubernetes quantities: decimal and binary suffixes, exponents, milli-CPUs', () => {
  assert.equal(cpuToNano('500m'), 5e8);
  assert.equal(cpuToNano(2), 2e9);
  assert.equal(cpuToNano('0.25'), 2.5e8);
  assert.equal(memoryToBytes('128Mi'), 134217728);
  assert.equal(memoryToBytes('1G'), 1e9);
  assert.equal(memoryToBytes('1e3'), 1000);
  assert.equal(memoryToBytes('1.5Ki'), 1536);
  for (const bad of ['lots', '1MB', '', '--1', '1 Mi']) assert.equal(parseQuantity(bad), undefined, bad);
  assert.equal(cpuToNano('-1'), undefined);
  // Back again, as generate writes them.
  assert.equal(nanoToCpu(5e8), '500m');
  assert.equal(nanoToCpu(2e9), '2');
  assert.equal(bytesToMemory(134217728), '128Mi');
  assert.equal(bytesToMemory(1000), '1000');
});
