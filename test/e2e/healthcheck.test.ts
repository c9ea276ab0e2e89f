/**
 * Health checks end to end, as root with runc and conmon, with no daemon and no systemd: the
 * store's on-demand scheduler runs the probes. Waits are for states, never for durations.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';
import { waitFor as until } from '../../src/testing/wait.js';

let env: HullEnv;
before(async () => {
  env = await hullWithBusybox();
});
after(async () => env.cleanup());

interface Health {
  Status: string;
  FailingStreak: number;
  Log: Array<{ Start: string; End: string; ExitCode: number; Output: string }>;
}
const health = async (name: string): Promise<Health> => JSON.parse(await env.ok(['inspect', '-f', '{{json .State.Health}}', name])) as Health;
const events = async (name: string) => (await env.ok(['events', '--since', '1h', '--until', '0s', '--filter', `container=${name}`, '--format', '{{.Action}}'])).split('\n').filter(Boolean);

test('bad health flags are refused with the flag named', async () => {
  const r = await env.hull(['run', '-d', '--health-interval', 'soon', 'busybox', 'true']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /--health-interval "soon": not a duration/);
  assert.match((await env.hull(['run', '-d', '--no-healthcheck', '--health-cmd', 'true', 'busybox', 'true'])).stderr, /conflict/);
  assert.match((await env.hull(['run', '-d', '--health-on-failure', 'explode', 'busybox', 'true'])).stderr, /unknown action/);
});

test('a failing check turns starting -> unhealthy, a passing one -> healthy, with the probe log', async () => {
  await env.ok(['run', '-d', '--name', 'web', '--network', 'none', '--health-cmd', 'echo probing; test -e /tmp/ok', '--health-interval', '1s', '--health-retries', '2', 'busybox', 'sleep', '600']);
  assert.equal(await env.ok(['inspect', '-f', '{{json .Config.Healthcheck}}', 'web']), '{"Test":["CMD-SHELL","echo probing; test -e /tmp/ok"],"Interval":1000000000,"Retries":2}\n');
  await until(async () => (await health('web')).Status === 'unhealthy', 'unhealthy');
  const sick = await health('web');
  assert.ok(sick.FailingStreak >= 2);
  assert.equal(sick.Log.at(-1)?.ExitCode, 1);
  assert.equal(sick.Log.at(-1)?.Output, 'probing\n');
  assert.ok(Date.parse(sick.Log.at(-1)?.End as string) >= Date.parse(sick.Log.at(-1)?.Start as string));
  assert.match(await env.ok(['ps', '--filter', 'name=web', '--format', '{{.Status}}']), /^Up .* \(unhealthy\)$/m);
  await env.ok(['exec', 'web', 'touch', '/tmp/ok']);
  await until(async () => (await health('web')).Status === 'healthy', 'healthy');
  const well = await health('web');
  assert.equal(well.FailingStreak, 0);
  assert.ok(well.Log.length <= 5);
  assert.match(await env.ok(['ps', '--filter', 'name=web', '--format', '{{.Status}}']), /\(healthy\)$/m);
  const actions = await events('web');
  assert.ok(actions.indexOf('health_status: unhealthy') < actions.indexOf('health_status: healthy'), actions.join(', '));
  await env.ok(['rm', '-f', 'web']);
});

test('inside the start period failures do not count: it stays starting', async () => {
  await env.ok(['run', '-d', '--name', 'slow', '--network', 'none', '--health-cmd', 'exit 1', '--health-start-period', '1h', '--health-start-interval', '500ms', '--health-retries', '1', 'busybox', 'sleep', '600']);
  await until(async () => (await health('slow')).Log.length >= 2, 'two probes');
  const h = await health('slow');
  assert.equal(h.Status, 'starting');
  assert.equal(h.FailingStreak, 0);
  assert.match(await env.ok(['ps', '--filter', 'name=slow', '--format', '{{.Status}}']), /\(health: starting\)$/m);
  await env.ok(['rm', '-f', 'slow']);
});

test('a probe that hangs is killed at its timeout and counts as a failure', async () => {
  await env.ok(['run', '-d', '--name', 'hang', '--network', 'none', '--health-cmd', 'sleep 300', '--health-timeout', '500ms', '--health-interval', '1s', '--health-retries', '1', 'busybox', 'sleep', '600']);
  await until(async () => (await health('hang')).Status === 'unhealthy', 'the timed-out probe');
  const last = (await health('hang')).Log.at(-1);
  assert.equal(last?.ExitCode, -1);
  assert.equal(last?.Output, 'Health check exceeded timeout (500ms)');
  await env.ok(['rm', '-f', 'hang']);
});

test('healthcheck run probes once now: exit 0 when it passes, 1 (and "unhealthy") when not', async () => {
  await env.ok(['run', '-d', '--name', 'manual', '--network', 'none', '--health-cmd', 'test -e /tmp/ok', '--health-interval', '1h', 'busybox', 'sleep', '600']);
  const failed = await env.hull(['healthcheck', 'run', 'manual']);
  assert.equal(failed.code, 1);
  assert.equal(failed.stdout, 'unhealthy\n');
  await env.ok(['exec', 'manual', 'touch', '/tmp/ok']);
  assert.equal((await env.hull(['healthcheck', 'run', 'manual'])).code, 0);
  const h = await health('manual');
  assert.equal(h.Status, 'healthy');
  assert.deepEqual(h.Log.map((l) => l.ExitCode), [1, 0]);
  const none = await env.hull(['healthcheck', 'run', 'nope-no-such']);
  assert.equal(none.code, 125);
  await env.ok(['run', '-d', '--name', 'unchecked', '--network', 'none', 'busybox', 'sleep', '600']);
  assert.match((await env.hull(['healthcheck', 'run', 'unchecked'])).stderr, /has none/);
  await env.ok(['rm', '-f', 'manual', 'unchecked']);
});

test('--health-on-failure=restart restarts an unhealthy container', async () => {
  await env.ok(['run', '-d', '--name', 'medic', '--network', 'none', '--health-cmd', 'exit 1', '--health-interval', '500ms', '--health-retries', '1', '--health-on-failure', 'restart', 'busybox', 'sleep', '600']);
  const started = (await env.ok(['inspect', '-f', '{{.State.StartedAt}}', 'medic'])).trim();
  await until(async () => (await events('medic')).includes('restart'), 'the restart');
  await until(async () => (await env.ok(['inspect', '-f', '{{.State.Status}} {{.State.StartedAt}}', 'medic'])).trim().startsWith('running ') && (await env.ok(['inspect', '-f', '{{.State.StartedAt}}', 'medic'])).trim() !== started, 'a new run');
  await env.ok(['rm', '-f', 'medic']);
});

test('--health-on-failure=stop stops it, and it stays stopped', async () => {
  await env.ok(['run', '-d', '--name', 'halt', '--network', 'none', '--restart', 'always', '--health-cmd', 'exit 1', '--health-interval', '500ms', '--health-retries', '1', '--health-on-failure', 'stop', 'busybox', 'sleep', '600']);
  await until(async () => (await env.ok(['inspect', '-f', '{{.State.Status}}', 'halt'])).trim() === 'exited', 'the stop');
  assert.ok((await events('halt')).includes('health_status: unhealthy'));
  await env.ok(['rm', '-f', 'halt']);
});

test('the scheduler exits once no container needs it', async () => {
  const lock = join(env.runroot, 'health', 'scheduler.lock');
  const holderAlive = () => {
    try {
      const [pid, start] = readFileSync(lock, 'utf8').split(' ');
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] === start;
    } catch {
      return false;
    }
  };
  await env.ok(['run', '-d', '--name', 'brief', '--network', 'none', '--health-cmd', 'true', '--health-interval', '500ms', 'busybox', 'sleep', '600']);
  await until(async () => (await health('brief')).Status === 'healthy', 'a probe');
  await env.ok(['rm', '-f', 'brief']);
  await until(async () => !holderAlive(), 'the scheduler to exit');
});

test("the image's HEALTHCHECK runs; flags override its fields; --no-healthcheck disables it", async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'hull-hc-'));
  try {
    writeFileSync(join(dir, 'Containerfile'), 'FROM busybox\nHEALTHCHECK --interval=1s --timeout=5s --start-interval=2s --retries=4 CMD ["test", "-e", "/etc/hostname"]\n');
    await env.ok(['build', '-q', '-t', 'checked', dir]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(await env.ok(['image', 'inspect', '-f', '{{json .Config.Healthcheck}}', 'checked']), '{"Test":["CMD","test","-e","/etc/hostname"],"Interval":1000000000,"Timeout":5000000000,"StartInterval":2000000000,"Retries":4}\n');
  await env.ok(['run', '-d', '--name', 'fromimage', '--network', 'none', '--health-retries', '2', 'checked', 'sleep', '600']);
  assert.equal(await env.ok(['inspect', '-f', '{{json .Config.Healthcheck}}', 'fromimage']), '{"Test":["CMD","test","-e","/etc/hostname"],"Interval":1000000000,"Timeout":5000000000,"StartInterval":2000000000,"Retries":2}\n');
  await until(async () => (await health('fromimage')).Status === 'healthy', 'the image check to pass');
  await env.ok(['run', '-d', '--name', 'unchecked-image', '--network', 'none', '--no-healthcheck', 'checked', 'sleep', '600']);
  assert.equal(await env.ok(['inspect', '-f', '{{json .Config.Healthcheck}}', 'unchecked-image']), '{"Test":["NONE"],"Interval":1000000000,"Timeout":5000000000,"StartInterval":2000000000,"Retries":4}\n');
  assert.equal(await env.ok(['inspect', '-f', '{{json .State.Health}}', 'unchecked-image']), 'null\n');
  assert.doesNotMatch(await env.ok(['ps', '--filter', 'name=unchecked-image', '--format', '{{.Status}}']), /health/);
  await env.ok(['rm', '-f', 'fromimage', 'unchecked-image']);
});

test('20 health-checked containers probed side by side leave a consistent store', async () => {
  const names = Array.from({ length: 20 }, (_, i) => `many${i}`);
  for (const name of names) await env.ok(['run', '-d', '--name', name, '--network', 'none', '--health-cmd', 'true', '--health-interval', '1s', 'busybox', 'sleep', '600']);
  // Every container probed several times (state, not time: each log holds its last five probes).
  await until(async () => {
    for (const name of names) if ((await health(name)).Log.length < 5) return false;
    return true;
  }, 'five probes of each container', 300_000);
  for (const name of names) {
    const h = await health(name);
    assert.equal(h.Status, 'healthy', name);
    assert.ok(h.Log.every((l) => l.ExitCode === 0), name);
  }
  const { readdirSync } = await import('node:fs');
  await env.ok(['rm', '-f', ...names]);
  assert.equal((await env.ok(['ps', '-aq', '--filter', 'name=many'])).trim(), '');
  // No probe left its process file behind, no record is torn (ps read them all).
  const bundles = join(env.runroot, 'containers');
  assert.deepEqual(readdirSync(bundles).filter((f) => f.startsWith('probe-')), []);
});
