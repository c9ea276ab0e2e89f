import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isHullError } from '../errors.js';
import { planMember } from './member.js';
import { checkPodCreate, parseShare } from './options.js';
import { podStatus } from './status.js';
import { planPodCgroup } from './cgroup.js';
import { checkCgroupParent } from '../containers/create-check.js';
import type { PodRecord } from './record.js';

const INFRA = 'a'.repeat(64);
const pod: PodRecord = {
  version: 1,
  Id: 'b'.repeat(64),
  Name: 'web',
  Created: '2026-01-01T00:00:00Z',
  Labels: {},
  Annotations: {},
  Hostname: 'webhost',
  SharedNamespaces: ['net', 'ipc', 'uts'],
  CgroupParent: `/hull/pod-${'b'.repeat(64)}`,
  Resources: {},
  Network: { Mode: 'bridge', PortBindings: {}, Dns: [], DnsSearch: [], DnsOptions: [], ExtraHosts: [], Aliases: [] },
  Sysctls: {},
  InfraContainerId: INFRA,
};

test('a member joins the infra\'s shared namespaces and the pod\'s cgroup', () => {
  const r = planMember(pod, { Pod: 'web', Config: { Image: 'busybox' }, HostConfig: { PortBindings: {}, Dns: [] } });
  assert.equal(r.Pod, undefined);
  assert.equal(r.Config.Hostname, 'webhost');
  assert.equal(r.HostConfig?.NetworkMode, `container:${INFRA}`);
  assert.equal(r.HostConfig?.IpcMode, `container:${INFRA}`);
  assert.equal(r.HostConfig?.UTSMode, `container:${INFRA}`);
  assert.equal(r.HostConfig?.PidMode, undefined, 'pid is not shared unless asked');
  assert.equal(r.HostConfig?.CgroupParent, pod.CgroupParent);
  const withPid = planMember({ ...pod, SharedNamespaces: ['pid'] }, { Config: { Image: 'busybox', Hostname: 'own' }, HostConfig: { PortBindings: { '80/tcp': [{ HostPort: '80' }] } } });
  assert.equal(withPid.HostConfig?.PidMode, `container:${INFRA}`);
  assert.equal(withPid.HostConfig?.NetworkMode, undefined, 'a pod that does not share its network lets members publish');
  assert.equal(withPid.Config.Hostname, 'own');
});

test('a member may not ask for what the pod owns', () => {
  const refused = (hc: object, config: object = {}) =>
    assert.throws(() => planMember(pod, { Config: { Image: 'busybox', ...config }, HostConfig: hc }), (e: unknown) => isHullError(e, 'INVALID_ARGUMENT') && /Cannot create container in pod "web"/.test(e.message));
  refused({ PortBindings: { '80/tcp': [{ HostPort: '8080' }] } });
  refused({ PublishAllPorts: true });
  refused({ NetworkMode: 'host' });
  refused({ Dns: ['1.1.1.1'] });
  refused({ IpcMode: 'host' });
  refused({ CgroupParent: '/elsewhere' });
  refused({}, { Hostname: 'other' });
  assert.doesNotThrow(() => planMember(pod, { Config: { Image: 'busybox' }, HostConfig: { NetworkMode: 'default', IpcMode: 'private' } }));
});

test('--share: names, or +name added to the default; unknown names refused', () => {
  assert.deepEqual(parseShare(undefined), ['net', 'ipc', 'uts']);
  assert.deepEqual(parseShare(['net,uts']), ['net', 'uts']);
  assert.deepEqual(parseShare(['+pid']), ['net', 'ipc', 'uts', 'pid']);
  assert.deepEqual(parseShare(['cgroup,net']), ['net']);
  assert.throws(() => parseShare(['net,mnt']), /--share "mnt" is not a namespace/);
});

test('checkPodCreate refuses bad names, host names, limits and cgroup paths', () => {
  assert.throws(() => checkPodCreate({ name: '-bad' }), /invalid name/);
  assert.throws(() => checkPodCreate({ hostname: 'a b' }), /is not a host name/);
  assert.throws(() => checkPodCreate({ resources: { Memory: 1024 } }), /the minimum is 6m/);
  assert.throws(() => checkPodCreate({ cgroupParent: '/hull/../../x' }), /is not a cgroup path/);
  assert.throws(() => checkPodCreate({ infraCommand: ['sleep'] }), /needs --infra-image/);
  const plan = checkPodCreate({ name: 'ok', resources: { Memory: 64 << 20, CpuShares: 0 } });
  assert.deepEqual(plan.resources, { Memory: 64 << 20 });
  assert.equal(plan.cgroupParent, '/hull');
});

test('cgroup parents are plain names below the root', () => {
  assert.equal(checkCgroupParent('hull/x'), '/hull/x');
  assert.equal(checkCgroupParent('/a/b.c_d-e'), '/a/b.c_d-e');
  for (const bad of ['/a/../b', '/a//b', '/a/\nb', '/']) assert.throws(() => checkCgroupParent(bad), /is not a cgroup path/, bad);
});

test('a pod\'s state is derived from its containers\', in podman\'s words', () => {
  assert.equal(podStatus([]), 'Created');
  assert.equal(podStatus(['created', 'created']), 'Created');
  assert.equal(podStatus(['running', 'running']), 'Running');
  assert.equal(podStatus(['running', 'exited']), 'Degraded');
  assert.equal(podStatus(['running', 'created']), 'Degraded');
  assert.equal(podStatus(['paused', 'paused']), 'Paused');
  assert.equal(podStatus(['exited', 'exited']), 'Exited');
  assert.equal(podStatus(['exited', 'created']), 'Stopped');
  assert.equal(podStatus(['dead', 'exited']), 'Error');
});

test('pod limits become cgroup files (v1 and v2)', () => {
  const r = { Memory: 64 << 20, NanoCpus: 1_500_000_000, CpuShares: 512, PidsLimit: 100 };
  assert.deepEqual(planPodCgroup(r, false, true), [
    ['memory', 'memory.limit_in_bytes', String(64 << 20)],
    ['memory', 'memory.memsw.limit_in_bytes', String(64 << 20)],
    ['cpu', 'cpu.cfs_period_us', '100000'],
    ['cpu', 'cpu.cfs_quota_us', '150000'],
    ['cpu', 'cpu.shares', '512'],
    ['pids', 'pids.max', '100'],
  ]);
  assert.deepEqual(planPodCgroup({ Memory: 64 << 20 }, false, false), [['memory', 'memory.limit_in_bytes', String(64 << 20)]]);
  assert.deepEqual(planPodCgroup({ Memory: 64 << 20, NanoCpus: 500_000_000, PidsLimit: 10 }, true, true), [
    ['', 'memory.max', String(64 << 20)],
    ['', 'cpu.max', '50000 100000'],
    ['', 'pids.max', '10'],
  ]);
  assert.deepEqual(planPodCgroup({}, false, true), []);
});
