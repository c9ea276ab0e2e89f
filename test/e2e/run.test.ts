/**
 * `hull run` end to end, as root, with the real kernel, overlayfs and runc: what a user checks
 * after installing hull.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';

let env: HullEnv;
before(async () => {
  env = await hullWithBusybox();
});
after(async () => env.cleanup());

test('run prints the command output and exits with its code', async () => {
  const r = await env.hull(['run', '--rm', 'busybox', 'echo', 'hello', 'world']);
  assert.equal(r.stdout, 'hello world\n');
  assert.equal(r.code, 0);
  assert.equal((await env.hull(['run', '--rm', 'busybox', 'sh', '-c', 'exit 3'])).code, 3);
  const err = await env.hull(['run', '--rm', 'busybox', 'sh', '-c', 'echo oops >&2; exit 1']);
  assert.equal(err.stderr, 'oops\n');
  assert.equal(err.code, 1);
});

test('a missing command exits 127, a non-executable one 126, a missing image 125', async () => {
  const missing = await env.hull(['run', '--rm', 'busybox', 'no-such-command']);
  assert.equal(missing.code, 127);
  assert.match(missing.stderr, /no-such-command.*not found/);
  const notExec = await env.hull(['run', '--rm', 'busybox', '/etc/passwd']);
  assert.equal(notExec.code, 126);
  // A missing image is pulled first, as docker does; here from a loopback port nothing listens on.
  const noImage = await env.hull(['run', '--rm', '127.0.0.1:1/no-such-image', 'true']);
  assert.equal(noImage.code, 125);
  assert.match(noImage.stderr, /Cannot pull "127\.0\.0\.1:1\/no-such-image:latest"/);
});

test('env, workdir and user are applied', async () => {
  const out = await env.ok(['run', '--rm', '-e', 'GREETING=hi', '-e', 'PATH_EXTRA', '-w', '/made/here', '-u', 'tester', 'busybox', 'sh', '-c', 'echo "$GREETING $(pwd) $(id -u):$(id -g) $(id -G) $HOME"']);
  assert.equal(out, 'hi /made/here 1000:1000 1000 50 /home/tester\n');
  const numeric = await env.ok(['run', '--rm', '-u', '4321:99', 'busybox', 'id']);
  assert.match(numeric, /uid=4321 gid=99/);
  const bad = await env.hull(['run', '--rm', '-u', 'nosuchuser', 'busybox', 'id']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /nosuchuser.*\/etc\/passwd/);
  const relative = await env.hull(['run', '--rm', '-w', 'rel', 'busybox', 'true']);
  assert.match(relative.stderr, /absolute path/);
});

test('--entrypoint, --hostname and --name behave like docker', async () => {
  assert.equal(await env.ok(['run', '--rm', '--entrypoint', 'echo', 'busybox', 'a', 'b']), 'a b\n');
  assert.equal(await env.ok(['run', '--rm', '--hostname', 'box1', 'busybox', 'hostname']), 'box1\n');
  await env.ok(['run', '--name', 'named', 'busybox', 'true']);
  const dup = await env.hull(['run', '--name', 'named', 'busybox', 'true']);
  assert.equal(dup.code, 125);
  assert.match(dup.stderr, /name is already in use/);
  await env.ok(['rm', 'named']);
});

test('the container is isolated: PID 1, hidden host processes, own hostname, masked /proc, no CAP_SYS_ADMIN, no-new-privileges', async () => {
  const ps = await env.ok(['run', '--rm', 'busybox', 'ps', '-o', 'pid,comm']);
  const rows = ps.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
  assert.deepEqual(rows, [['1', 'ps']], 'only the command itself, as PID 1');
  const host = hostname();
  const containerHostname = (await env.ok(['run', '--rm', 'busybox', 'hostname'])).trim();
  assert.notEqual(containerHostname, host);
  assert.match(containerHostname, /^[a-f0-9]{12}$/);
  // /proc/kcore is masked (absent on kernels without it); /proc/timer_list reads empty.
  const masked = await env.ok(['run', '--rm', 'busybox', 'sh', '-c', 'wc -c < /proc/timer_list; [ ! -e /proc/kcore ] || wc -c < /proc/kcore']);
  for (const n of masked.trim().split('\n')) assert.equal(n.trim(), '0');
  const status = await env.ok(['run', '--rm', 'busybox', 'cat', '/proc/self/status']);
  const capEff = BigInt('0x' + (/CapEff:\s*([0-9a-f]+)/.exec(status)?.[1] ?? 'ffffffff'));
  const capBnd = BigInt('0x' + (/CapBnd:\s*([0-9a-f]+)/.exec(status)?.[1] ?? 'ffffffff'));
  const CAP_SYS_ADMIN = 21n;
  assert.equal((capBnd >> CAP_SYS_ADMIN) & 1n, 0n, 'CAP_SYS_ADMIN not in the bounding set');
  assert.equal((capEff >> CAP_SYS_ADMIN) & 1n, 0n);
  assert.match(status, /NoNewPrivs:\s*1/);
  const mount = await env.hull(['run', '--rm', 'busybox', 'mount', '-t', 'tmpfs', 'x', '/mnt']);
  assert.notEqual(mount.code, 0, 'mount needs CAP_SYS_ADMIN');
  const ro = await env.hull(['run', '--rm', 'busybox', 'sh', '-c', 'echo 1 > /proc/sys/kernel/domainname']);
  assert.notEqual(ro.code, 0, '/proc/sys is read-only');
});

test('--network none: only loopback, up', async () => {
  const out = await env.ok(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'ls /sys/class/net; ip -o addr show lo']);
  assert.match(out, /^lo\n/);
  assert.match(out, /inet 127\.0\.0\.1\/8/);
});

test('generated /etc files: hostname, hosts with localhost, resolv.conf without loopback nameservers', async () => {
  const out = await env.ok(['run', '--rm', '--hostname', 'web', 'busybox', 'sh', '-c', 'cat /etc/hostname; grep -c localhost /etc/hosts; grep -c "nameserver 127" /etc/resolv.conf || true']);
  const [h, count, loop] = out.trim().split('\n');
  assert.equal(h, 'web');
  assert.ok(Number(count) >= 1);
  assert.equal(loop, '0');
});

test('rlimits never exceed the host hard limits', async () => {
  const hostHard = Number(/Max open files\s+\d+\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1]);
  const out = await env.ok(['run', '--rm', 'busybox', 'sh', '-c', 'ulimit -Hn']);
  assert.equal(Number(out.trim()), hostHard);
});

test('ps, inspect and rm follow the container through its life; --rm leaves nothing', async () => {
  assert.equal((await env.hull(['run', '--name', 'life', 'busybox', 'sh', '-c', 'exit 7'])).code, 7);
  const ps = await env.ok(['ps', '-a', '--format', '{{.Names}} {{.State}} {{.ExitCode}}']);
  assert.match(ps, /^life exited 7$/m);
  assert.equal(await env.ok(['ps', '-q']), '', 'nothing running');
  const [inspected] = JSON.parse(await env.ok(['inspect', 'life'])) as Array<{ Name: string; State: { Status: string; ExitCode: number }; Config: { Cmd: string[] } }>;
  assert.equal(inspected?.Name, '/life');
  assert.equal(inspected?.State.Status, 'exited');
  assert.equal(inspected?.State.ExitCode, 7);
  assert.equal(await env.ok(['inspect', '-f', '{{.State.ExitCode}}', 'life']), '7\n');
  await env.ok(['rm', 'life']);
  assert.equal((await env.hull(['inspect', 'life', '--type', 'container'])).code, 1);
  const before = await env.ok(['ps', '-aq']);
  await env.ok(['run', '--rm', 'busybox', 'true']);
  assert.equal(await env.ok(['ps', '-aq']), before);
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
  assert.ok(!mounts.includes(env.runroot), 'no rootfs left mounted');
  assert.ok(existsSync(env.root));
});

test('run --rm in the foreground (hull as the monitor): stdin with -i, visible to ps and stop while it runs, SIGTERM forwarded, nothing left after', async () => {
  const { spawn } = await import('node:child_process');
  const { HULL_BIN } = await import('../../src/testing/hull-cli.js');
  assert.equal((await env.hull(['run', '--rm', '-i', 'busybox', 'sh', '-c', 'cat; echo done'], { input: 'piped in\n' })).stdout, 'piped in\ndone\n');
  assert.equal((await env.hull(['run', '--rm', 'busybox', 'sh', '-c', 'cat; echo no stdin'], { input: 'ignored\n' })).stdout, 'no stdin\n');
  const before = await env.ok(['ps', '-aq']);
  const start = (name: string) => {
    const child = spawn(HULL_BIN, ['--root', env.root, '--runroot', env.runroot, 'run', '--rm', '--name', name, '--network', 'none', 'busybox', 'sh', '-c', 'trap "echo got TERM; exit 143" TERM; echo up; while true; do sleep 0.1; done'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const closed = new Promise<number | null>((r) => child.on('close', r));
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    return { child, closed, exited, out: () => out };
  };
  const waitFor = async (cond: () => boolean | Promise<boolean>) => {
    for (let i = 0; i < 200 && !(await cond()); i++) await new Promise((r) => setTimeout(r, 50));
  };
  // Another hull process sees it running and can stop it.
  const a = start('fg-stop');
  await waitFor(() => a.out().includes('up'));
  assert.match(await env.ok(['ps', '--format', '{{.Names}} {{.State}}']), /^fg-stop running$/m);
  await env.ok(['stop', '-t', '5', 'fg-stop']);
  assert.equal(await a.closed, 143);
  assert.match(a.out(), /got TERM/);
  // SIGTERM to the hull process reaches the container's PID 1.
  const b = start('fg-term');
  await waitFor(() => b.out().includes('up'));
  b.child.kill('SIGTERM');
  assert.equal(await b.closed, 143);
  assert.equal(await env.ok(['ps', '-aq']), before, 'both removed');
  // hull killed with -9: the container carries on; the next commands can stop and remove it.
  const c = start('fg-orphan');
  await waitFor(() => c.out().includes('up'));
  c.child.kill('SIGKILL');
  await c.exited; // the container still holds the output pipe: no 'close' until it is removed
  await env.ok(['rm', '-f', 'fg-orphan']);
  assert.equal(await env.ok(['ps', '-aq']), before);
  assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(env.runroot), 'no rootfs left mounted');
});
