/**
 * Integration (root): the generated security settings under the real runc and kernel. A bundle is
 * built by hand in a temp dir (busybox rootfs, config.json from generateSpec + applySecurity) and
 * run with `runc run`, so the default seccomp profile is proven to let ordinary programs work and
 * to stop what it should.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { RuntimeSpec } from '../oci/runtime-spec.js';
import { buildBusyboxRootfs } from '../testing/busybox.js';
import { generateSpec } from './spec.js';
import { applySecurity, readSecurityHost, securityOptionsFrom } from './security.js';
import { defaultSeccompProfile } from './seccomp.js';
import { applyResources, parseUlimit, readSwapAccounting, resourceOptionsFrom } from './resources.js';
import { applyDevices, resolveDevice } from './devices.js';
import { VolumeStore } from '../volumes/volume-store.js';
import { parseTmpfsFlag, parseVolumeFlag } from '../volumes/mount-flags.js';
import { populateVolume, resolveMounts } from '../volumes/resolve.js';
import { readFileSync } from 'node:fs';

const skip = process.getuid?.() !== 0 ? 'needs root' : spawnSync('runc', ['--version']).status !== 0 ? 'runc is not installed' : false;

let dir = '';
let rootfs = '';
test.before(() => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'hull-seccomp-runc-'));
  rootfs = join(dir, 'rootfs');
  buildBusyboxRootfs(rootfs);
  mkdirSync(join(rootfs, 'mnt'), { recursive: true });
  for (const f of ['hosts', 'hostname', 'resolv.conf']) writeFileSync(join(dir, f), f === 'hosts' ? '127.0.0.1 localhost\n' : '\n');
});
test.after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function specFor(script: string, flags: Parameters<typeof securityOptionsFrom>[0]): RuntimeSpec {
  const id = `hullsec-${randomBytes(4).toString('hex')}`;
  const base = generateSpec({
    id, rootfs, args: ['/bin/sh', '-c', script], env: ['PATH=/bin:/sbin:/usr/bin:/usr/sbin'], cwd: '/', user: { uid: 0, gid: 0 },
    hostname: 'sec', terminal: false, hostLimits: {},
    etcFiles: { hosts: join(dir, 'hosts'), hostname: join(dir, 'hostname'), resolvConf: join(dir, 'resolv.conf') },
  });
  const opts = securityOptionsFrom(flags);
  const spec = applySecurity(base, opts, readSecurityHost(opts));
  return { ...spec, process: { ...spec.process, rlimits: [] } };
}

/** Runs the spec with runc; returns exit code and output. */
function runc(spec: RuntimeSpec): { code: number | null; out: string } {
  const bundle = mkdtempSync(join(dir, 'bundle-'));
  const id = randomBytes(6).toString('hex');
  writeFileSync(join(bundle, 'config.json'), JSON.stringify({ ...spec, linux: { ...spec.linux, cgroupsPath: `/hull-test/${id}` } }));
  const state = join(dir, 'state');
  const r = spawnSync('runc', ['--root', state, 'run', '--bundle', bundle, id], { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
  spawnSync('runc', ['--root', state, 'delete', '-f', id]);
  return { code: r.status, out: r.stdout + r.stderr };
}

test('default profile: sh, ls, ps, fork/exec, sockets (httpd + wget over loopback) all work', { skip }, () => {
  const script = [
    'echo ok',
    'ls / >/dev/null && echo ls-ok',
    'ps >/dev/null && echo ps-ok',
    '(sleep 0; echo subshell-ok) | cat',
    'ip link set lo up 2>/dev/null || true',
    'httpd -p 127.0.0.1:8080 -h /var/www && wget -qO- http://127.0.0.1:8080/',
  ].join('; ');
  const r = runc(specFor(script, {}));
  assert.equal(r.code, 0, r.out);
  for (const want of ['ok', 'ls-ok', 'ps-ok', 'subshell-ok', 'hello from hull']) assert.match(r.out, new RegExp(want), r.out);
});

test('default profile: unshare (new namespaces through clone flags) is refused', { skip }, () => {
  const r = runc(specFor('unshare -m true && echo escaped || echo refused', {}));
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /Operation not permitted/);
  assert.match(r.out, /refused/);
});

test('seccomp blocks mount even with CAP_SYS_ADMIN when the profile is not widened; widened it works', { skip }, () => {
  const admin = specFor('mount -t tmpfs x /mnt && echo mounted', { capAdd: ['SYS_ADMIN'] });
  assert.ok(admin.process.capabilities?.effective.includes('CAP_SYS_ADMIN'));
  const narrow = runc({ ...admin, linux: { ...admin.linux, seccomp: defaultSeccompProfile() } });
  assert.notEqual(narrow.code, 0, narrow.out);
  assert.match(narrow.out, /permission denied|Operation not permitted/i);
  const widened = runc(admin);
  assert.equal(widened.code, 0, widened.out);
  assert.match(widened.out, /mounted/);
});

test('without CAP_SYS_ADMIN mount fails; --privileged mounts and writes /sys-backed state', { skip }, () => {
  const plain = runc(specFor('mount -t tmpfs x /mnt', {}));
  assert.notEqual(plain.code, 0, plain.out);
  const priv = runc(specFor('mount -t tmpfs x /mnt && echo mounted && grep -q " /sys sysfs rw" /proc/mounts && echo sys-rw && unshare -m true && echo unshare-ok', { privileged: true }));
  assert.equal(priv.code, 0, priv.out);
  assert.match(priv.out, /mounted\nsys-rw\nunshare-ok/);
});

test('seccomp=unconfined: unshare works with CAP_SYS_ADMIN', { skip }, () => {
  const r = runc(specFor('unshare -m true && echo unshare-ok', { capAdd: ['SYS_ADMIN'], securityOpt: ['seccomp=unconfined'] }));
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /unshare-ok/);
});

test('resources, --device, volumes and tmpfs as runc applies them', { skip }, async () => {
  const script = [
    'cat /sys/fs/cgroup/memory/memory.limit_in_bytes',
    'cat /sys/fs/cgroup/pids/pids.max',
    'cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us',
    'ulimit -n',
    'df -k /dev/shm | tail -1 | awk \'{print "shm", $2}\'',
    'cat /vol/seed && echo written > /vol/new',
    'grep " /scratch tmpfs" /proc/mounts | grep -o "size=[0-9]*k"',
    'ls -l /dev/mynull | cut -c1',
  ].join('; ');
  const volumes = new VolumeStore(join(dir, 'hullroot'));
  mkdirSync(join(rootfs, 'seeded'), { recursive: true });
  writeFileSync(join(rootfs, 'seeded/seed'), 'from the image\n');
  const mounts = await resolveMounts([parseVolumeFlag('seeded:/vol'), parseTmpfsFlag('/scratch:size=2m')], { volumes, imageVolumes: [] });
  for (const v of mounts.volumesToPopulate) populateVolume(v.mountpoint, rootfs, '/seeded');
  const base = specFor(script, {});
  const opts = resourceOptionsFrom({ memory: '64m', cpus: '0.5', pidsLimit: '50', shmSize: '16m' });
  opts.ulimits.push(parseUlimit('nofile=100:200'));
  let spec = applyResources({ ...base, mounts: [...base.mounts, ...mounts.specMounts] }, opts, { swapAccounting: readSwapAccounting(), cpus: 2 });
  spec = applyDevices(spec, [resolveDevice('/dev/null:/dev/mynull:rw')]);
  const r = runc(spec);
  assert.equal(r.code, 0, r.out);
  assert.deepEqual(r.out.trim().split('\n'), [String(64 * 1024 * 1024), '50', '50000', '100', 'shm 16384', 'from the image', 'size=2048k', 'c']);
  assert.equal(readFileSync(join(volumes.get('seeded').Mountpoint, 'new'), 'utf8'), 'written\n');
});
