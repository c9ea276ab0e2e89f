import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planUpdate, resourcesForUpdate } from './update.js';
import type { HostConfig } from './record.js';
import type { RuntimeSpec } from '../oci/runtime-spec.js';

const host = { swapAccounting: true, blkioWeight: false, cpus: 4 };
const base = { AutoRemove: false, NetworkMode: 'bridge', Memory: 128 * 2 ** 20, MemorySwap: 256 * 2 ** 20 } as HostConfig;

test('planUpdate: zero leaves a field, a new memory resets swap, quota becomes CPUs, policies checked', () => {
  assert.deepEqual(planUpdate('c', base, { Memory: 0, CpuShares: 0, CpusetCpus: '' }, host), base);
  const m = planUpdate('c', base, { Memory: 64 * 2 ** 20 }, host);
  assert.equal(m.Memory, 64 * 2 ** 20);
  assert.equal(m.MemorySwap, undefined);
  assert.equal(planUpdate('c', base, { CpuQuota: 50_000, CpuPeriod: 100_000 }, host).NanoCpus, 500_000_000);
  assert.deepEqual(planUpdate('c', base, { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } }, host).RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 2 });
  assert.equal(planUpdate('c', { ...base, RestartPolicy: { Name: 'always' } }, { RestartPolicy: { Name: 'no' } }, host).RestartPolicy, undefined);
});

test('planUpdate: refusals name the problem', () => {
  const cases: Array<[Parameters<typeof planUpdate>[2], RegExp]> = [
    [{ Memory: 1024 }, /minimum is 6m/],
    [{ NanoCpus: 1e9, CpuQuota: 50_000 }, /both NanoCpus and CpuQuota/],
    [{ CpuPeriod: 50_000 }, /CpuPeriod without CpuQuota/],
    [{ CpusetCpus: '0-a' }, /is not a list/],
    [{ BlkioWeight: 300 }, /no block I\/O weight/],
    [{ BlkioWeight: 5 }, /outside 10 to 1000/],
    [{ PidsLimit: 1.5 }, /whole number/],
    [{ NanoCpus: 8e9 }, /only 4 CPUs/],
    [{ MemoryReservation: 512 * 2 ** 20 }, /reservation is above the memory limit/],
    [{ RestartPolicy: { Name: 'sometimes' as never } }, /not a restart policy/],
  ];
  for (const [req, re] of cases) assert.throws(() => planUpdate('c', base, req, host), re, JSON.stringify(req));
});

test('resourcesForUpdate: the cgroup fields runc update takes, from the new host config', () => {
  const spec = { linux: { resources: { devices: [{ allow: false, access: 'rwm' }], pids: { limit: 2048 } } }, process: { rlimits: [] }, mounts: [] } as unknown as RuntimeSpec;
  const r = resourcesForUpdate(spec, { ...base, NanoCpus: 5e8, CpuShares: 512, CpusetCpus: '0', PidsLimit: 77, MemoryReservation: 2 ** 20 }, host);
  assert.deepEqual(r, { memory: { limit: 128 * 2 ** 20, swap: 256 * 2 ** 20, reservation: 2 ** 20 }, cpu: { quota: 50_000, period: 100_000, shares: 512, cpus: '0' }, pids: { limit: 77 } });
});
