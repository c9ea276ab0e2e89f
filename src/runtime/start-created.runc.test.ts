/**
 * Integration (root): startCreated (runc start without the runc process) against the real runc.
 * A bundle is built by hand (busybox rootfs, config.json from generateSpec), created with
 * `runc create`, then started through its exec FIFO: runc reports it running and the command ran;
 * an init killed between create and start makes the start fail with a clear error instead of
 * waiting forever.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { buildBusyboxRootfs } from '../testing/busybox.js';
import { isHullError } from '../errors.js';
import { generateSpec } from './spec.js';
import { startCreated, type RuntimeOptions } from './runc.js';

const skip = process.getuid?.() !== 0 ? 'needs root' : spawnSync('runc', ['--version']).status !== 0 ? 'runc is not installed' : false;

let dir = '';
let rootfs = '';
let runtime: RuntimeOptions;
const made: string[] = [];

test.before(() => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'hull-start-created-'));
  rootfs = join(dir, 'rootfs');
  buildBusyboxRootfs(rootfs);
  for (const f of ['hosts', 'hostname', 'resolv.conf']) writeFileSync(join(dir, f), '\n');
  runtime = { binary: 'runc', stateDir: join(dir, 'state') };
});

test.after(() => {
  if (!dir) return;
  for (const id of made) spawnSync('runc', ['--root', runtime.stateDir, 'delete', '--force', id]);
  rmSync(dir, { recursive: true, force: true });
});

/** `runc create` of a container running `script`; returns its id and its init's pid. */
function create(script: string): { id: string; pid: number } {
  const id = `hullsc-${randomBytes(4).toString('hex')}`;
  const bundle = mkdtempSync(join(dir, 'bundle-'));
  const spec = generateSpec({
    id, rootfs, args: ['/bin/sh', '-c', script], env: ['PATH=/bin:/sbin:/usr/bin:/usr/sbin'], cwd: '/', user: { uid: 0, gid: 0 },
    hostname: 'sc', terminal: false, hostLimits: {},
    etcFiles: { hosts: join(dir, 'hosts'), hostname: join(dir, 'hostname'), resolvConf: join(dir, 'resolv.conf') },
  });
  writeFileSync(join(bundle, 'config.json'), JSON.stringify({ ...spec, process: { ...spec.process, rlimits: [] }, linux: { ...spec.linux, cgroupsPath: `/hull-test/${id}` } }));
  const pidFile = join(bundle, 'pid');
  // runc's stderr goes to a file: a pipe would be inherited by the init, and spawnSync would wait
  // for the container's command to end.
  const errFile = join(bundle, 'stderr');
  const errFd = openSync(errFile, 'w');
  const r = spawnSync('runc', ['--root', runtime.stateDir, 'create', '--bundle', bundle, '--pid-file', pidFile, id], { timeout: 30_000, stdio: ['ignore', 'ignore', errFd] });
  closeSync(errFd);
  assert.equal(r.status, 0, readFileSync(errFile, 'utf8'));
  made.push(id);
  return { id, pid: Number(readFileSync(pidFile, 'utf8')) };
}

/** Alive and not a zombie (the killed init is reaped by whoever adopted it, maybe later). */
const alive = (pid: number) => () => {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

const status = (id: string) => (JSON.parse(spawnSync('runc', ['--root', runtime.stateDir, 'state', id], { encoding: 'utf8' }).stdout) as { status: string }).status;

test('a created container starts through its exec FIFO: the command runs, runc reports it running, the FIFO is gone', { skip }, async () => {
  const marker = join(rootfs, 'started');
  rmSync(marker, { force: true });
  const { id, pid } = create('touch /started; sleep 30');
  assert.equal(status(id), 'created');
  await startCreated(runtime, id, `start container "${id}"`, alive(pid));
  assert.equal(status(id), 'running');
  assert.equal(existsSync(join(runtime.stateDir, id, 'exec.fifo')), false);
  for (let i = 0; i < 300 && !existsSync(marker); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(existsSync(marker), 'the container command ran');
});

test('an init killed between create and start: the start fails with a clear error instead of waiting forever', { skip }, async () => {
  const { id, pid } = create('sleep 30');
  process.kill(pid, 'SIGKILL');
  await assert.rejects(startCreated(runtime, id, `start container "${id}"`, alive(pid)), (err: unknown) => isHullError(err, 'RUNTIME_FAILED') && /exited before it was started/.test((err as Error).message));
});
