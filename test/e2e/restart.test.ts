/**
 * Restart policies end to end, as root with runc and conmon: the exit command decides and restarts,
 * the store's scheduler takes longer back-offs, `stop` wins over a pending restart, and after a
 * simulated reboot `hull system restore` brings back the right containers. No timing assertions:
 * every wait is for a state, with a generous deadline.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';
import { waitFor as until } from '../../src/testing/wait.js';
import { killIfStill, killProcessesNaming } from '../../src/testing/kill-verified.js';

let env: HullEnv;
before(async () => {
  env = await hullWithBusybox();
});
after(async () => env.cleanup());

const state = async (name: string) => (await env.ok(['inspect', '-f', '{{.State.Status}} {{.RestartCount}}', name])).trim();
const events = async (name: string) => (await env.ok(['events', '--since', '1h', '--until', '0s', '--filter', `container=${name}`, '--format', '{{.Action}}'])).split('\n').filter(Boolean);
const count = (list: string[], action: string) => list.filter((a) => a === action).length;

function schedulerPid(): number | undefined {
  try {
    const [pid, start] = readFileSync(join(env.runroot, 'health', 'scheduler.lock'), 'utf8').split(' ');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] === start ? Number(pid) : undefined;
  } catch {
    return undefined;
  }
}

test('bad --restart values are refused before anything is created', async () => {
  const r = await env.hull(['run', '-d', '--restart', 'sometimes', 'busybox', 'true']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /Cannot use restart policy "sometimes": unknown policy/);
  assert.match((await env.hull(['run', '-d', '--restart', 'always:3', 'busybox', 'true'])).stderr, /only be used with on-failure/);
  assert.match((await env.hull(['run', '--rm', '--restart', 'always', 'busybox', 'true'])).stderr, /contradict/);
  assert.equal((await env.ok(['ps', '-aq'])).trim(), '');
});

test('on-failure:3 restarts a failing command exactly three times, then it stays exited', async () => {
  await env.ok(['run', '-d', '--name', 'f3', '--network', 'none', '--restart', 'on-failure:3', 'busybox', 'sh', '-c', 'exit 1']);
  // The fourth exit recorded (a read may show a dead "running" record as exited a moment earlier).
  await until(async () => (await state('f3')) === 'exited 3' && count(await events('f3'), 'die') === 4, 'three restarts and a final exit');
  const actions = await events('f3');
  assert.equal(count(actions, 'start'), 4);
  assert.equal(count(actions, 'die'), 4);
  assert.equal(count(actions, 'restart'), 3);
  assert.equal(await env.ok(['inspect', '-f', '{{.State.ExitCode}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}', 'f3']), '1 on-failure:3\n');
  // A start by the user begins a new series.
  await env.ok(['start', 'f3']);
  await until(async () => (await state('f3')) === 'exited 3' && count(await events('f3'), 'die') === 8, 'the second series');
  assert.equal(count(await events('f3'), 'restart'), 6);
});

test('on-failure does not restart a clean exit; no policy never restarts', async () => {
  await env.ok(['run', '-d', '--name', 'clean', '--network', 'none', '--restart', 'on-failure', 'busybox', 'true']);
  await env.ok(['run', '-d', '--name', 'nopolicy', '--network', 'none', 'busybox', 'sh', '-c', 'exit 3']);
  assert.equal(await env.ok(['wait', 'clean']), '0\n');
  assert.equal(await env.ok(['wait', 'nopolicy']), '3\n');
  await until(async () => (await state('clean')) === 'exited 0', 'clean to be recorded');
  assert.equal(count(await events('clean'), 'restart'), 0);
  assert.equal(await state('nopolicy'), 'exited 0');
});

test('update --restart always: a container killed -9 from the host comes back; after stop it stays down', async () => {
  await env.ok(['run', '-d', '--name', 'phoenix', '--network', 'none', 'busybox', 'sleep', '600']);
  await env.ok(['update', '--restart', 'always', 'phoenix']);
  const pid = Number((await env.ok(['inspect', '-f', '{{.State.Pid}}', 'phoenix'])).trim());
  process.kill(pid, 'SIGKILL');
  await until(async () => (await state('phoenix')) === 'running 1', 'the restart after kill -9');
  assert.notEqual(Number((await env.ok(['inspect', '-f', '{{.State.Pid}}', 'phoenix'])).trim()), pid);
  assert.match(await env.ok(['ps', '--filter', 'name=phoenix', '--format', '{{.Status}}']), /^Up /);
  await env.ok(['stop', '-t', '1', 'phoenix']);
  assert.equal(await state('phoenix'), 'exited 1');
  // The stop marked it stopped by the user before its exit was recorded: nothing restarts it.
  await env.ok(['ps', '-a']);
  assert.equal(await state('phoenix'), 'exited 1');
  assert.equal(count(await events('phoenix'), 'start'), 2);
});

test('a stop or a kill during a back-off cancels the restart', async () => {
  const crash = (name: string) => env.ok(['run', '-d', '--name', name, '--network', 'none', '--restart', 'always', 'busybox', 'sh', '-c', 'exit 2']);
  await crash('crashy');
  await crash('crashy2');
  // After five quick restarts the back-off is 3.2 s: long enough to be the scheduler's.
  await until(async () => /^restarting ([5-9]|\d\d)$/.test(await state('crashy')), 'a long back-off');
  assert.match(await env.ok(['ps', '--filter', 'name=crashy$', '--format', '{{.Status}}']), /^Restarting \(2\) /);
  await env.ok(['stop', 'crashy']);
  const stopped = await state('crashy');
  assert.match(stopped, /^exited /);
  // kill of a restarting container cancels its restart too (as docker's does): it has no process.
  await until(async () => /^restarting ([5-9]|\d\d)$/.test(await state('crashy2')), 'a long back-off');
  await env.ok(['kill', 'crashy2']);
  const killed = await state('crashy2');
  assert.match(killed, /^exited /);
  // The scheduler wakes when the back-offs would have ended, finds nothing to do and exits.
  await until(async () => schedulerPid() === undefined, 'the scheduler to leave');
  assert.equal(await state('crashy'), stopped);
  assert.equal(await state('crashy2'), killed);
});

test('the scheduler killed -9 is started again by the next hull command that needs it', async () => {
  await env.ok(['run', '-d', '--name', 'slowcrash', '--network', 'none', '--restart', 'always', 'busybox', 'sh', '-c', 'exit 5']);
  await until(async () => /^restarting ([5-9]|\d\d)$/.test(await state('slowcrash')), 'a back-off left to the scheduler');
  await until(async () => schedulerPid() !== undefined, 'a scheduler');
  const before = (await state('slowcrash')).split(' ')[1];
  process.kill(schedulerPid() as number, 'SIGKILL');
  await until(async () => schedulerPid() === undefined, 'the scheduler to die');
  await env.ok(['ps']); // notices a pending restart and no scheduler
  await until(async () => (await state('slowcrash')).split(' ')[1] !== before, 'the restart the new scheduler does');
  await env.ok(['stop', 'slowcrash']);
});

test('exits recorded by several processes at once restart the container once', async () => {
  await env.ok(['run', '-d', '--name', 'raced', '--network', 'none', '--restart', 'always', 'busybox', 'sleep', '600']);
  const id = (await env.ok(['inspect', '-f', '{{.Id}}', 'raced'])).trim();
  process.kill(Number((await env.ok(['inspect', '-f', '{{.State.Pid}}', 'raced'])).trim()), 'SIGKILL');
  // The monitor's exit command races three more recorders of the same exit.
  await Promise.all([env.hull(['container', 'cleanup', id]), env.hull(['container', 'cleanup', id]), env.hull(['container', 'cleanup', id]), env.hull(['ps'])]);
  await until(async () => (await state('raced')) === 'running 1' && count(await events('raced'), 'start') === 2, 'the restart');
  assert.equal(count(await events('raced'), 'die'), 1);
  assert.equal(count(await events('raced'), 'restart'), 1);
  const runc = spawnSync('runc', ['--root', join(env.runroot, 'runc'), 'list', '-q'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l === id);
  assert.equal(runc.length, 1, 'one copy');
  await env.ok(['stop', '-t', '0', 'raced']);
});

/** A reboot, as far as hull can tell: monitors and containers gone without an exit command, runroot empty. */
function simulateReboot(): void {
  const scheduler = schedulerPid();
  if (scheduler) process.kill(scheduler, 'SIGKILL');
  const bundles = join(env.runroot, 'containers');
  for (const id of existsSync(bundles) ? readdirSync(bundles) : []) {
    for (const file of ['conmon.pid', 'pidfile']) {
      // A file from an earlier test's container may name a pid reused by another test by now.
      const path = join(bundles, id, file);
      if (existsSync(path)) killIfStill(Number(readFileSync(path, 'utf8')), id);
    }
  }
  // The exit commands of the containers stopped just before may still be writing to the runroot.
  for (let round = 0; round < 10 && killProcessesNaming(env.runroot) > 0; round++) spawnSync('sleep', ['0.05']);
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(env.runroot));
  for (const m of mounts.reverse()) spawnSync('umount', ['-l', m]);
  rmSync(env.runroot, { recursive: true, force: true, maxRetries: 5 });
}

test('after a reboot, system restore brings back always and unless-stopped (unless stopped by the user)', async () => {
  const run = (name: string, policy: string) => env.ok(['run', '-d', '--name', name, '--network', 'none', '--restart', policy, 'busybox', 'sleep', '600']);
  await run('r-always', 'always');
  await run('r-always-stopped', 'always');
  await run('r-unless', 'unless-stopped');
  await run('r-unless-stopped', 'unless-stopped');
  await run('r-onfail', 'on-failure');
  await env.ok(['stop', '-t', '0', 'r-always-stopped', 'r-unless-stopped']);
  simulateReboot();
  // The always containers of the earlier tests come back too (a stop holds only until the reboot).
  const restored = (await env.ok(['system', 'restore'])).split('\n').filter((n) => n.startsWith('r-')).sort();
  assert.deepEqual(restored, ['r-always', 'r-always-stopped', 'r-unless']);
  for (const name of restored) assert.match(await state(name), /^running /);
  assert.match(await state('r-unless-stopped'), /^exited /);
  assert.match(await state('r-onfail'), /^exited /);
  await env.ok(['exec', 'r-unless', 'true']);
});
