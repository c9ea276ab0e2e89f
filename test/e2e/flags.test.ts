/**
 * run/create flags, each observed from inside the container (issue 6): limits enforced by cgroups,
 * capabilities, seccomp, read-only rootfs, volumes, tmpfs, devices, --init.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';

let env: HullEnv;
before(async () => {
  env = await hullWithBusybox();
});
after(async () => env.cleanup());

test('--memory is the cgroup limit, and an OOM kill shows as OOMKilled in inspect', async () => {
  assert.equal(await env.ok(['run', '--rm', '-m', '32m', 'busybox', 'cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes']), `${32 * 1024 * 1024}\n`);
  // Allocate far past the limit: the kernel kills the container.
  const r = await env.hull(['run', '--name', 'oom', '-m', '16m', '--memory-swap', '16m', 'busybox', 'sh', '-c', 'x=$(head -c 64000000 /dev/zero | tr "\\0" a); echo survived']);
  assert.equal(r.code, 137);
  assert.equal(await env.ok(['inspect', '-f', '{{.State.OOMKilled}} {{.State.ExitCode}}', 'oom']), 'true 137\n');
  await env.ok(['rm', 'oom']);
});

test('--pids-limit makes fork fail; --cpus and --cpu-shares reach the cgroup', async () => {
  const out = await env.hull(['run', '--rm', '--pids-limit', '5', 'busybox', 'sh', '-c', 'for i in 1 2 3 4 5 6 7 8; do sleep 5 & done 2>&1; echo done']);
  assert.match(out.stdout + out.stderr, /can't fork|Resource temporarily unavailable/);
  assert.equal(await env.ok(['run', '--rm', 'busybox', 'cat', '/sys/fs/cgroup/pids/pids.max']), '2048\n', 'a default pids limit');
  const cpu = await env.ok(['run', '--rm', '--cpus', '0.5', '--cpu-shares', '512', 'busybox', 'sh', '-c', 'cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/cpu/cpu.shares']);
  assert.equal(cpu, '50000\n100000\n512\n');
});

test('--ulimit applies; above the host hard limit it is refused with a clear message', async () => {
  assert.equal(await env.ok(['run', '--rm', '--ulimit', 'nofile=512:1024', 'busybox', 'sh', '-c', 'ulimit -Sn; ulimit -Hn']), '512\n1024\n');
  const r = await env.hull(['run', '--rm', '--ulimit', 'nofile=99999999', 'busybox', 'true']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /hard limit is \d+/);
});

test('--read-only makes writes fail, except to --tmpfs mounts', async () => {
  const r = await env.hull(['run', '--rm', '--read-only', '--tmpfs', '/scratch', 'busybox', 'sh', '-c', 'touch /scratch/ok && echo tmpfs-ok; touch /denied']);
  assert.match(r.stdout, /tmpfs-ok/);
  assert.match(r.stderr, /Read-only file system/);
  assert.notEqual(r.code, 0);
});

test('a dropped capability makes the matching operation fail; --cap-add grants it back', async () => {
  assert.equal((await env.hull(['run', '--rm', 'busybox', 'chown', '1000', '/tmp'])).code, 0);
  const denied = await env.hull(['run', '--rm', '--cap-drop', 'CHOWN', 'busybox', 'chown', '1000', '/tmp']);
  assert.notEqual(denied.code, 0);
  assert.match(denied.stderr, /Operation not permitted/);
  const netAdmin = await env.hull(['run', '--rm', 'busybox', 'ip', 'link', 'set', 'lo', 'mtu', '1500']);
  assert.notEqual(netAdmin.code, 0, 'no CAP_NET_ADMIN by default');
  assert.equal((await env.hull(['run', '--rm', '--cap-add', 'NET_ADMIN', 'busybox', 'ip', 'link', 'set', 'lo', 'mtu', '1500'])).code, 0);
  const unknown = await env.hull(['run', '--rm', '--cap-add', 'NOT_A_CAP', 'busybox', 'true']);
  assert.equal(unknown.code, 125);
  assert.match(unknown.stderr, /NOT_A_CAP/);
});

test('the default seccomp profile filters system calls; unconfined and --privileged lift it', async () => {
  assert.match(await env.ok(['run', '--rm', 'busybox', 'grep', 'Seccomp:', '/proc/self/status']), /Seccomp:\s+2/);
  // With CAP_SYS_ADMIN granted but the default profile kept, unshare(CLONE_NEWNS) is still denied.
  const blocked = await env.hull(['run', '--rm', '--cap-add', 'SYS_ADMIN', '--security-opt', 'seccomp=unconfined', 'busybox', 'unshare', '-m', 'true']);
  assert.equal(blocked.code, 0, 'unconfined + SYS_ADMIN may unshare');
  const filtered = await env.hull(['run', '--rm', 'busybox', 'unshare', '-m', 'true']);
  assert.notEqual(filtered.code, 0);
  assert.match(await env.ok(['run', '--rm', '--security-opt', 'seccomp=unconfined', 'busybox', 'grep', 'Seccomp:', '/proc/self/status']), /Seccomp:\s+0/);
  const priv = await env.ok(['run', '--rm', '--privileged', 'busybox', 'sh', '-c', 'grep Seccomp: /proc/self/status; mkdir -p /m2 && mount -t tmpfs x /m2 && echo mounted']);
  assert.match(priv, /Seccomp:\s+0/);
  assert.match(priv, /mounted/);
});

test('-v binds host paths (ro honoured) and named volumes are created on first use with the image content', async () => {
  const hostDir = join(env.dir, 'shared');
  mkdirSync(hostDir);
  writeFileSync(join(hostDir, 'from-host'), 'hello\n');
  assert.equal(await env.ok(['run', '--rm', '-v', `${hostDir}:/mnt/h`, 'busybox', 'sh', '-c', 'cat /mnt/h/from-host; echo back > /mnt/h/from-container']), 'hello\n');
  assert.ok(existsSync(join(hostDir, 'from-container')));
  const ro = await env.hull(['run', '--rm', '-v', `${hostDir}:/mnt/h:ro`, 'busybox', 'touch', '/mnt/h/x']);
  assert.match(ro.stderr, /Read-only file system/);
  // A new named volume over /etc starts with the image's /etc (docker's copy-up).
  assert.match(await env.ok(['run', '--rm', '-v', 'etcvol:/etc', 'busybox', 'cat', '/etc/passwd']), /^root:/m);
  await env.ok(['run', '--rm', '-v', 'etcvol:/etc', 'busybox', 'sh', '-c', 'echo kept > /etc/marker']);
  assert.equal(await env.ok(['run', '--rm', '-v', 'etcvol:/data', 'busybox', 'cat', '/data/marker']), 'kept\n');
  assert.match(await env.ok(['volume', 'ls', '--format', '{{.Name}}']), /^etcvol$/m);
  await env.ok(['run', '--name', 'holder', '-v', 'etcvol:/etc', 'busybox', 'true']);
  assert.equal((await env.hull(['volume', 'rm', 'etcvol'])).code, 125, 'in use by a container');
  assert.match(await env.ok(['inspect', '-f', '{{json .Mounts}}', 'holder']), /"Type":"volume","Name":"etcvol"/);
  await env.ok(['rm', 'holder']);
  await env.ok(['volume', 'rm', 'etcvol']);
  const mount = await env.ok(['run', '--rm', '--mount', `type=bind,source=${hostDir},target=/m,readonly`, 'busybox', 'cat', '/m/from-host']);
  assert.equal(mount, 'hello\n');
});

test('--init runs catatonit as PID 1; --device adds a host device; --stop-timeout is recorded', async () => {
  assert.match(await env.ok(['run', '--rm', '--init', 'busybox', 'ps', '-o', 'pid,comm']), /^\s*1 hull-init$/m);
  assert.equal(await env.ok(['run', '--rm', '--device', '/dev/zero:/dev/myzero', 'busybox', 'sh', '-c', 'head -c 3 /dev/myzero | wc -c']), '3\n');
  await env.ok(['create', '--name', 'timed', '--stop-timeout', '3', 'busybox', 'true']);
  assert.equal(await env.ok(['inspect', '-f', '{{.HostConfig.StopTimeout}}', 'timed']), '3\n');
  await env.ok(['rm', 'timed']);
});
