import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planGarbage } from './gc.js';
import { planHistory } from './history.js';
import type { Digest } from '../oci/digest.js';
import type { LiveLease } from './lease.js';

const d = (c: string) => `sha256:${c.repeat(64)}` as Digest;
const lease = (over: Partial<LiveLease>): LiveLease => ({ version: 1, operation: 'load', created: 10_000, digests: [], chainIDs: [], id: '1-1-aa', ...over });

test('planGarbage keeps image roots, leased digests and chainIDs, and blobs newer than the oldest lease', () => {
  const blobs = [{ digest: d('a'), mtimeMs: 0 }, { digest: d('b'), mtimeMs: 0 }, { digest: d('c'), mtimeMs: 0 }, { digest: d('e'), mtimeMs: 9_500 }];
  const input = { blobs, layers: ['l1', 'l2', 'l3'], keepBlobs: new Set([d('a')]), keepLayers: new Set(['l1']) };
  assert.deepEqual(planGarbage({ ...input, leases: [] }), { blobs: [d('b'), d('c'), d('e')], layers: ['l2', 'l3'] });
  assert.deepEqual(planGarbage({ ...input, leases: [lease({ digests: [d('b')], chainIDs: ['l2'] })] }), { blobs: [d('c')], layers: ['l3'] });
  // A lease that cannot list its layers keeps them all.
  assert.deepEqual(planGarbage({ ...input, leases: [lease({ chainIDs: null })] }).layers, []);
});

test('planHistory: newest first, empty_layer steps are 0 bytes, only the top row has the ID', () => {
  const config = {
    architecture: 'amd64', os: 'linux', rootfs: { type: 'layers' as const, diff_ids: [d('1'), d('2')] },
    history: [{ created_by: 'ADD a' }, { created_by: 'ENV x', empty_layer: true }, { created_by: 'RUN b' }, { created_by: 'CMD', empty_layer: true }],
  };
  const rows = planHistory(d('f'), config, (i) => (i + 1) * 100);
  assert.deepEqual(rows.map((r) => [r.id, r.createdBy, r.size]), [[d('f'), 'CMD', 0], ['<missing>', 'RUN b', 200], ['<missing>', 'ENV x', 0], ['<missing>', 'ADD a', 100]]);
  assert.equal(planHistory(d('f'), { ...config, history: undefined }, () => 5).length, 2);
});
