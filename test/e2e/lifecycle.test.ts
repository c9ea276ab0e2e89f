/**
 * The container lifecycle through the monitor (conmon), end to end as root: detached runs that
 * outlive hull, logs, exec, stop/kill/wait/restart, pause, rename, and state that is right even
 * when nobody was watching.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';
import { waitFor } from '../../src/testing/wait.js';

let env: HullEnv;
before(async () => {
  env = await hullWithBusybox();
});
after(async () => env.cleanup());

const status = async (name: string) => (await env.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', name])).trim();

test('run -d prints the ID, the container outlives hull, logs keep stdout and stderr apart', async () => {
  const id = (await env.ok(['run', '-d', '--name', 'ticker', 'busybox', 'sh', '-c', 'echo one; echo two >&2; sleep 0.3; echo three; exit 4'])).trim();
  assert.match(id, /^[a-f0-9]{64}$/);
  const wait = await env.ok(['wait', 'ticker']);
  assert.equal(wait, '4\n');
  const logs = await env.hull(['logs', 'ticker']);
  assert.equal(logs.stdout, 'one\nthree\n');
  assert.equal(logs.stderr, 'two\n');
  assert.equal((await env.ok(['logs', '--tail', '1', 'ticker'])), 'three\n');
  assert.match(await env.ok(['logs', '-t', 'ticker']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z one$/m);
  assert.equal(await env.ok(['logs', '--since', '1h', 'ticker']), 'one\nthree\n');
  assert.equal(await status('ticker'), 'exited 4');
});

test('foreground runs are logged too, and logs -f follows until the container stops', async () => {
  await env.ok(['run', '--name', 'fg', 'busybox', 'echo', 'in the foreground']);
  assert.equal(await env.ok(['logs', 'fg']), 'in the foreground\n');
  await env.ok(['run', '-d', '--name', 'follow', 'busybox', 'sh', '-c', 'for i in 1 2 3; do echo line $i; sleep 0.2; done']);
  assert.equal(await env.ok(['logs', '-f', 'follow']), 'line 1\nline 2\nline 3\n');
});

test('exec runs in the container with -e, -u, -w, and returns the exit code', async () => {
  await env.ok(['run', '-d', '--name', 'box', 'busybox', 'sleep', '600']);
  const out = await env.ok(['exec', '-e', 'X=1', '-u', 'tester', '-w', '/tmp', 'box', 'sh', '-c', 'echo $X $(id -u) $(pwd); ps -o pid,comm']);
  assert.match(out, /^1 1000 \/tmp$/m);
  assert.match(out, /^\s*1 sleep$/m, 'same pid namespace as the container');
  assert.equal((await env.hull(['exec', 'box', 'sh', '-c', 'exit 6'])).code, 6);
  assert.equal((await env.hull(['exec', 'box', 'nope'])).code, 127);
  assert.equal((await env.hull(['exec', '-i', 'box', 'cat'], { input: 'piped stdin\n' })).stdout, 'piped stdin\n');
  await env.ok(['exec', '-d', 'box', 'sh', '-c', 'echo detached > /tmp/marker']);
  await waitFor(async () => (await env.hull(['exec', 'box', 'cat', '/tmp/marker'])).stdout === 'detached\n', 'the detached exec');
  const stopped = await env.hull(['exec', 'ticker', 'true']);
  assert.equal(stopped.code, 125);
  assert.match(stopped.stderr, /not running/);
});

test('stop sends the stop signal, then SIGKILL after the timeout; kill and wait report 137', async () => {
  await env.ok(['run', '-d', '--name', 'polite', 'busybox', 'sh', '-c', 'trap "echo got TERM; exit 0" TERM; while true; do sleep 0.1; done']);
  await env.ok(['stop', 'polite']);
  assert.equal(await status('polite'), 'exited 0');
  assert.match(await env.ok(['logs', 'polite']), /got TERM/);
  // sh as PID 1 ignores SIGTERM without a trap: stop must fall back to SIGKILL.
  await env.ok(['run', '-d', '--name', 'stubborn', 'busybox', 'sh', '-c', 'while true; do sleep 0.1; done']);
  await env.ok(['stop', '-t', '1', 'stubborn']);
  assert.equal(await status('stubborn'), 'exited 137');
  await env.ok(['run', '-d', '--name', 'usr1', '--stop-signal', 'USR1', 'busybox', 'sh', '-c', 'trap "echo got USR1; exit 9" USR1; while true; do sleep 0.1; done']);
  await env.ok(['stop', 'usr1']);
  assert.equal(await status('usr1'), 'exited 9');
  await env.ok(['run', '-d', '--name', 'victim', 'busybox', 'sleep', '600']);
  await env.ok(['kill', 'victim']);
  assert.equal(await env.ok(['wait', 'victim']), '137\n');
});

test('restart, start -a, pause/unpause and rename', async () => {
  await env.ok(['run', '-d', '--name', 'again', 'busybox', 'sh', '-c', 'echo run; sleep 600']);
  await env.ok(['restart', '-t', '0', 'again']);
  assert.equal(await status('again'), 'running 0');
  await waitFor(async () => (await env.ok(['logs', 'again'])) === 'run\nrun\n', 'two runs in the log');
  await env.ok(['pause', 'again']);
  assert.equal(await status('again'), 'paused 0');
  await env.ok(['unpause', 'again']);
  await env.ok(['rename', 'again', 'renamed']);
  assert.equal(await status('renamed'), 'running 0');
  await env.ok(['rm', '-f', 'renamed']);
  const id = (await env.ok(['create', '--name', 'later', 'busybox', 'sh', '-c', 'echo started later; exit 2'])).trim();
  assert.equal(await status('later'), 'created 0');
  const r = await env.hull(['start', '-a', 'later']);
  assert.equal(r.stdout, 'started later\n');
  assert.equal(r.code, 2);
  assert.match(id, /^[a-f0-9]{64}$/);
});

test('a container killed while no hull process runs shows as exited with its code', async () => {
  await env.ok(['run', '-d', '--name', 'orphan', 'busybox', 'sh', '-c', 'sleep 600']);
  const pid = Number((await env.ok(['inspect', '-f', '{{.State.Pid}}', 'orphan'])).trim());
  assert.ok(pid > 0);
  process.kill(pid, 'SIGKILL');
  await waitFor(async () => (await status('orphan')) === 'exited 137', 'the exit to be recorded');
  assert.match(await env.ok(['ps', '-a', '--format', '{{.Names}} {{.Status}}']), /^orphan Exited \(137\)/m);
});

test('run -d --rm removes the container when it exits; rm refuses a running one without -f', async () => {
  await env.ok(['run', '-d', '--rm', '--name', 'ephemeral', 'busybox', 'true']);
  await waitFor(async () => (await env.hull(['inspect', '--type', 'container', 'ephemeral'])).code === 1, 'the container to be removed');
  await env.ok(['run', '-d', '--name', 'busy', 'busybox', 'sleep', '600']);
  const refused = await env.hull(['rm', 'busy']);
  assert.equal(refused.code, 125);
  assert.match(refused.stderr, /is running/);
  await env.ok(['rm', '-f', 'busy']);
  const pruned = await env.ok(['container', 'prune', '-f']);
  assert.match(pruned, /Total reclaimed/);
  assert.equal(await env.ok(['ps', '-aq']), await env.ok(['ps', '-q']), 'only running containers remain');
});

test('the monitor is conmon, one small process per running container', async () => {
  await env.ok(['run', '-d', '--name', 'watched', 'busybox', 'sleep', '600']);
  const id = (await env.ok(['inspect', '-f', '{{.Id}}', 'watched'])).trim();
  const ps = spawnSync('ps', ['-eo', 'pid,rss,args'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.includes('conmon') && l.includes(id));
  assert.equal(ps.length, 1, 'exactly one monitor');
  const rssKb = Number(ps[0]?.trim().split(/\s+/)[1]);
  assert.ok(rssKb < 10_000, `monitor RSS ${rssKb} kB`);
  const conmonPid = Number(readFileSync(`${env.runroot}/containers/${id}/conmon.pid`, 'utf8'));
  assert.ok(conmonPid > 0);
  await env.ok(['rm', '-f', 'watched']);
});
