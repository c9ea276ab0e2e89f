import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isHullError } from '../errors.js';
import { parseProcLimits } from '../sys/host-limits.js';
import { generateSpec } from './spec.js';
import { applyResources, checkUlimits, parseSize, parseUlimit, resourceOptionsFrom, type ResourceOptions } from './resources.js';

test('parseSize: docker units, any case', () => {
  const cases: Array<[string, number]> = [
    ['0', 0], ['1024', 1024], ['100b', 100], ['100B', 100], ['64k', 65536], ['64K', 65536], ['64kb', 65536], ['64KiB', 65536],
    ['512m', 512 * 1024 ** 2], ['512M', 512 * 1024 ** 2], ['1g', 1024 ** 3], ['1G', 1024 ** 3], ['1.5g', 1.5 * 1024 ** 3], ['2GiB', 2 * 1024 ** 3],
    ['1t', 1024 ** 4], ['0.5k', 512], ['1 m', 1024 ** 2],
  ];
  for (const [text, want] of cases) assert.equal(parseSize(text), want, text);
});

test('parseSize refuses garbage with the flag name', () => {
  for (const text of ['', '12x', 'm', '-1m', '1e3', '1..5g', '1gg', 'one', '1 g b']) {
    assert.throws(() => parseSize(text, 'memory'), (e) => isHullError(e, 'INVALID_ARGUMENT') && e.message === `Cannot use --memory "${text}": expected a size such as 512m or 1g`, text);
  }
});

test('parseUlimit: golden vectors and refusals', () => {
  assert.deepEqual(parseUlimit('nofile=1024:2048'), { name: 'nofile', soft: 1024, hard: 2048 });
  assert.deepEqual(parseUlimit('nproc=512'), { name: 'nproc', soft: 512, hard: 512 });
  assert.deepEqual(parseUlimit('core=0'), { name: 'core', soft: 0, hard: 0 });
  const bad: Array<[string, RegExp]> = [
    ['nofile', /expected NAME=SOFT\[:HARD\]/], ['nofile=abc', /expected NAME=SOFT/], ['files=10', /unknown limit "files"/],
    ['nofile=2048:1024', /the soft limit 2048 is above the hard limit 1024/], ['nofile=-1', /negative \(unlimited\) values are not supported/], ['NOFILE=1', /expected NAME/],
  ];
  for (const [text, re] of bad) assert.throws(() => parseUlimit(text), (e) => isHullError(e, 'INVALID_ARGUMENT') && e.message.startsWith(`Cannot use --ulimit "${text}"`) && re.test(e.message), text);
});

const LIMITS = parseProcLimits([
  'Max processes             95000                95000                processes',
  'Max open files            1024                 20000                files',
  'Max core file size        0                    unlimited            bytes',
].join('\n'));

test('checkUlimits: refuses above the host hard limit; unlimited or unknown host limits pass', () => {
  checkUlimits([parseUlimit('nofile=20000'), parseUlimit('nproc=100:95000'), parseUlimit('core=99999999'), parseUlimit('rtprio=5')], LIMITS);
  assert.throws(() => checkUlimits([parseUlimit('nofile=30000')], LIMITS), (e) => isHullError(e, 'INVALID_ARGUMENT') && e.message === "Cannot set --ulimit nofile=30000: the host's hard limit is 20000 (hull cannot raise it without CAP_SYS_RESOURCE)");
  assert.throws(() => checkUlimits([parseUlimit('nofile=1024:20001')], LIMITS), /Cannot set --ulimit nofile=1024:20001: the host's hard limit is 20000/);
});

test('resourceOptionsFrom: flag strings -> options', () => {
  assert.deepEqual(resourceOptionsFrom({}), { ulimits: [] });
  assert.deepEqual(resourceOptionsFrom({ memory: '512m', memorySwap: '1g', cpus: '1.5', cpuShares: '512', pidsLimit: '100', shmSize: '128m', ulimits: ['nofile=10:20'] }), {
    memory: 512 * 1024 ** 2, memorySwap: 1024 ** 3, cpus: 1.5, cpuShares: 512, pidsLimit: 100, shmSize: 128 * 1024 ** 2, ulimits: [{ name: 'nofile', soft: 10, hard: 20 }],
  });
  assert.equal(resourceOptionsFrom({ memorySwap: '-1' }).memorySwap, -1);
  assert.equal(resourceOptionsFrom({ pidsLimit: '-1' }).pidsLimit, -1);
  assert.throws(() => resourceOptionsFrom({ memory: '12x' }), /Cannot use --memory "12x": expected a size such as 512m or 1g/);
  assert.throws(() => resourceOptionsFrom({ cpus: 'two' }), /Cannot use --cpus "two": expected a positive number/);
  assert.throws(() => resourceOptionsFrom({ cpus: '0' }), /Cannot use --cpus "0"/);
  assert.throws(() => resourceOptionsFrom({ pidsLimit: '1.5' }), /Cannot use --pids-limit "1.5": expected a whole number/);
});

const BASE = generateSpec({
  id: 'c1', rootfs: '/r', args: ['sh'], env: [], cwd: '/', user: { uid: 0, gid: 0 }, hostname: 'h', terminal: false,
  etcFiles: { hosts: '/e/hosts', hostname: '/e/hostname', resolvConf: '/e/resolv.conf' }, hostLimits: LIMITS,
});
const M = 1024 ** 2;
const apply = (o: Partial<ResourceOptions>, host = {}) => applyResources(BASE, { ulimits: [], ...o }, host);

test('applyResources: nothing asked = the pids default only; input untouched', () => {
  const before = JSON.stringify(BASE);
  const spec = apply({});
  assert.equal(JSON.stringify(BASE), before);
  assert.deepEqual(spec.linux.resources, { devices: [{ allow: false, access: 'rwm' }], pids: { limit: 2048 } });
  assert.deepEqual(spec.process.rlimits, BASE.process.rlimits);
  assert.deepEqual(spec.mounts, BASE.mounts);
});

test('applyResources: memory and swap, docker rules', () => {
  assert.deepEqual(apply({ memory: 512 * M }).linux.resources?.memory, { limit: 512 * M, swap: 1024 * M });
  assert.deepEqual(apply({ memory: 512 * M, memorySwap: 768 * M }).linux.resources?.memory, { limit: 512 * M, swap: 768 * M });
  assert.deepEqual(apply({ memory: 512 * M, memorySwap: 512 * M }).linux.resources?.memory, { limit: 512 * M, swap: 512 * M }, 'no swap at all');
  assert.deepEqual(apply({ memory: 512 * M, memorySwap: -1 }).linux.resources?.memory, { limit: 512 * M, swap: -1 });
  assert.deepEqual(apply({ memory: 512 * M }, { swapAccounting: false }).linux.resources?.memory, { limit: 512 * M });
  assert.throws(() => apply({ memorySwap: 1024 * M }), /Cannot use --memory-swap without --memory/);
  assert.throws(() => apply({ memory: 512 * M, memorySwap: 256 * M }), /it must be at least --memory/);
  assert.throws(() => apply({ memory: 1024 }), /the minimum is 6m/);
});

test('applyResources: cpus -> quota/period, shares; pids limits', () => {
  assert.deepEqual(apply({ cpus: 1.5 }).linux.resources?.cpu, { quota: 150000, period: 100000 });
  assert.deepEqual(apply({ cpus: 0.25, cpuShares: 512 }).linux.resources?.cpu, { quota: 25000, period: 100000, shares: 512 });
  assert.throws(() => apply({ cpus: 3 }, { cpus: 2 }), /Cannot use --cpus 3: the range is 0.01 to 2.00, as there are only 2 CPUs available/);
  assert.throws(() => apply({ cpus: 0.001 }), /the minimum is 0.01/);
  assert.deepEqual(apply({ pidsLimit: 100 }).linux.resources?.pids, { limit: 100 });
  assert.deepEqual(apply({ pidsLimit: 0 }).linux.resources?.pids, { limit: -1 });
  assert.deepEqual(apply({ pidsLimit: -1 }).linux.resources?.pids, { limit: -1 });
});

test('applyResources: /dev/shm size and ulimits replacing the defaults of the same type', () => {
  const spec = apply({ shmSize: 128 * M, ulimits: [parseUlimit('nofile=100:200'), parseUlimit('core=0')] });
  assert.deepEqual(spec.mounts.find((m) => m.destination === '/dev/shm')?.options, ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${128 * M}`]);
  assert.deepEqual(spec.process.rlimits, [
    { type: 'RLIMIT_NPROC', hard: 95000, soft: 95000 },
    { type: 'RLIMIT_NOFILE', hard: 200, soft: 100 },
    { type: 'RLIMIT_CORE', hard: 0, soft: 0 },
  ]);
  assert.throws(() => apply({ shmSize: 0 }), /--shm-size 0: it must be greater than 0/);
});
