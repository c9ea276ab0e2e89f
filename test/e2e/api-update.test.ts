/**
 * `docker update` through the API and `hull update`: new limits reach a running container's
 * cgroup at once (read back from the kernel), are recorded (inspect), and apply at the next start
 * of a stopped one; bad values are refused with the field named and nothing changed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';
import { startApiService, type ApiService } from '../../src/testing/api-service.js';

let env: HullEnv;
let api: ApiService;
before(async () => {
  env = await hullWithBusybox();
  api = await startApiService(env);
});
after(async () => {
  await api.stop();
  await env.cleanup();
});

/** A cgroup file of the container's process, on cgroup v1 (controller dirs) or v2 (unified). */
function cgroupFile(pid: number, v1: [string, string], v2: string): string {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n').map((l) => l.split(':'));
  const unified = !existsSync('/sys/fs/cgroup/memory');
  if (unified) return readFileSync(`/sys/fs/cgroup${lines.find((l) => l[0] === '0')?.[2] ?? ''}/${v2}`, 'utf8').trim();
  const path = lines.find((l) => (l[1] ?? '').split(',').includes(v1[0]))?.[2] ?? '';
  return readFileSync(`/sys/fs/cgroup/${v1[0]}${path}/${v1[1]}`, 'utf8').trim();
}

const pidOf = async (name: string) => Number((await api.dockerOk(['inspect', '-f', '{{.State.Pid}}', name])).trim());

test('docker update: memory, CPUs, shares, cpuset, pids and restart policy reach the running container and its record', async () => {
  await api.dockerOk(['run', '-d', '--name', 'upd', 'busybox', 'sleep', '600']);
  await api.dockerOk(['update', '--memory', '64m', '--cpus', '0.5', '--cpu-shares', '512', '--cpuset-cpus', '0', '--pids-limit', '77', '--restart', 'on-failure:3', 'upd']);
  const pid = await pidOf('upd');
  assert.equal(cgroupFile(pid, ['memory', 'memory.limit_in_bytes'], 'memory.max'), String(64 * 1024 * 1024));
  assert.match(cgroupFile(pid, ['cpu', 'cpu.cfs_quota_us'], 'cpu.max'), /^50000( 100000)?$/);
  assert.equal(cgroupFile(pid, ['pids', 'pids.max'], 'pids.max'), '77');
  assert.equal(cgroupFile(pid, ['cpuset', 'cpuset.cpus'], 'cpuset.cpus'), '0');
  if (existsSync('/sys/fs/cgroup/cpu')) assert.equal(cgroupFile(pid, ['cpu', 'cpu.shares'], ''), '512');
  assert.equal((await api.dockerOk(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.CpuShares}} {{.HostConfig.CpusetCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}', 'upd'])).trim(),
    `${64 * 1024 * 1024} 500000000 512 0 77 on-failure:3`);
  // The hull CLI makes the same engine call: --cpu-quota/--cpu-period become a number of CPUs.
  await env.ok(['update', '--pids-limit', '55', '--cpu-quota', '25000', '--cpu-period', '100000', '--restart', 'no', 'upd']);
  assert.equal(cgroupFile(pid, ['pids', 'pids.max'], 'pids.max'), '55');
  assert.match(cgroupFile(pid, ['cpu', 'cpu.cfs_quota_us'], 'cpu.max'), /^25000( 100000)?$/);
  assert.equal((await env.ok(['inspect', '-f', '{{.HostConfig.PidsLimit}} {{.HostConfig.NanoCpus}}', 'upd'])).trim(), '55 250000000');
  assert.match(await api.dockerOk(['inspect', '-f', '{{.HostConfig.RestartPolicy.Name}}', 'upd']), /^(no)?\n$/);
  assert.equal(cgroupFile(pid, ['memory', 'memory.limit_in_bytes'], 'memory.max'), String(64 * 1024 * 1024), 'a limit not named stays');
});

test('update refuses what it cannot do, naming it, and changes nothing; a stopped container gets the limits at its next start', async () => {
  await api.dockerOk(['run', '-d', '--name', 'upd2', 'busybox', 'sleep', '600']);
  const cases: Array<[string[], RegExp]> = [
    [['--memory', '1m'], /minimum is 6m/],
    [['--kernel-memory', '10m'], /"KernelMemory" is not supported/],
    [['--cpuset-cpus', 'zero'], /CpusetCpus "zero" is not a list/],
    [['--restart', 'sometimes'], /not a restart policy/],
  ];
  for (const [flags, message] of cases) {
    const r = await api.docker(['update', ...flags, 'upd2']);
    assert.notEqual(r.code, 0, flags.join(' '));
    assert.match(r.stderr, message, flags.join(' '));
  }
  assert.equal((await api.dockerOk(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.CpusetCpus}}', 'upd2'])).trim(), '0');
  const missing = await env.hull(['update', '--memory', '64m', 'nosuch']);
  assert.notEqual(missing.code, 0);
  assert.match((await env.hull(['update', 'upd2'])).stderr, /nothing to change/);
  await api.dockerOk(['stop', '-t', '0', 'upd2']);
  await api.dockerOk(['update', '--memory', '32m', 'upd2']);
  await api.dockerOk(['start', 'upd2']);
  assert.equal(cgroupFile(await pidOf('upd2'), ['memory', 'memory.limit_in_bytes'], 'memory.max'), String(32 * 1024 * 1024));
});
