/**
 * Containers through the Docker API with the real clients: the docker CLI (run exit codes, -i, -d,
 * -p, -v, logs, exec, ps, top, stats, diff, commit, export, wait, restart, kill, rm), docker-compose
 * 1.29 (up, ps, exec, logs, run, restart, stop, start, down -v with service-name DNS, a shared volume, a published port and
 * depends_on), docker-py and dockerode. What the socket makes, the hull CLI sees, and back.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';
import { runProcess, startApiService, type ApiService } from '../../src/testing/api-service.js';

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

test('docker run: output and exit codes, with and without --rm; -i feeds stdin', async () => {
  const table: Array<[string[], number, string]> = [
    [['run', '--rm', 'busybox', 'echo', 'hi'], 0, 'hi\n'],
    [['run', '--rm', 'busybox', 'sh', '-c', 'exit 3'], 3, ''],
    [['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 7'], 7, 'out\n'],
    [['run', '--name', 'kept', 'busybox', 'sh', '-c', 'exit 5'], 5, ''],
    [['run', '--rm', 'busybox', 'nosuchcommand'], 127, ''],
    [['run', '--rm', 'nosuchimage:1'], 125, ''],
  ];
  for (const [args, code, stdout] of table) {
    const r = await api.docker(args);
    assert.equal(r.code, code, `docker ${args.join(' ')}: ${r.stderr}`);
    if (stdout) assert.equal(r.stdout, stdout, args.join(' '));
  }
  const withStderr = await api.docker(['run', '--rm', 'busybox', 'sh', '-c', 'echo err >&2']);
  assert.equal(withStderr.stderr, 'err\n', 'stderr is demultiplexed to stderr');
  assert.equal((await api.dockerOk(['run', '--rm', '-i', 'busybox', 'cat'], { input: 'from stdin\n' })), 'from stdin\n');
  assert.match(await env.ok(['ps', '-a', '--format', '{{.Names}} {{.Status}}']), /kept Exited \(5\)/, 'the hull CLI sees the API-made container');
  assert.equal((await api.docker(['ps', '-aq', '--filter', 'status=exited'])).stdout.trim().split('\n').length, 1, '--rm containers are gone');
});

test('docker run -d, ps, logs, exec, top, stats, diff, commit, wait, restart, stop, rm', async () => {
  const id = (await api.dockerOk(['run', '-d', '--name', 'svc', '-p', '127.0.0.1::80', '-v', 'appdata:/data', 'busybox', 'sh', '-c', 'echo started; echo warn >&2; echo x > /data/f; echo y > /made-here; exec httpd -f -p 80 -h /var/www'])).trim();
  assert.match(id, /^[a-f0-9]{64}$/);
  assert.match(await api.dockerOk(['ps', '--format', '{{.Names}} {{.Status}}']), /svc Up/);
  const port = (await api.dockerOk(['port', 'svc', '80/tcp'])).trim();
  assert.match(port, /^127\.0\.0\.1:\d+$/);
  const page = await runProcess(['timeout', '10', 'wget', '-qO-', `http://${port}/`]);
  assert.match(page.stdout, /hello from hull/);
  let logs = await api.docker(['logs', 'svc']);
  for (let i = 0; i < 50 && !logs.stdout.includes('started'); i++) logs = await api.docker(['logs', 'svc']);
  assert.equal(logs.stdout, 'started\n');
  assert.equal(logs.stderr, 'warn\n');
  const exec = await api.docker(['exec', 'svc', 'sh', '-c', 'cat /data/f; echo e >&2; exit 4']);
  assert.deepEqual([exec.code, exec.stdout, exec.stderr], [4, 'x\n', 'e\n']);
  assert.equal(await api.dockerOk(['exec', '-i', 'svc', 'cat'], { input: 'piped\n' }), 'piped\n');
  assert.match(await api.dockerOk(['top', 'svc']), /httpd/);
  assert.match(await api.dockerOk(['stats', '--no-stream', '--format', '{{.Name}} {{.PIDs}}', 'svc']), /^svc 1$/m);
  assert.match(await api.dockerOk(['diff', 'svc']), /^A \/made-here$/m);
  const image = (await api.dockerOk(['commit', '-c', 'ENV FROM_COMMIT=1', 'svc', 'committed:1'])).trim();
  assert.match(image, /^sha256:/);
  assert.equal(await api.dockerOk(['run', '--rm', 'committed:1', 'sh', '-c', 'echo $FROM_COMMIT']), '1\n');
  await api.dockerOk(['restart', '-t', '1', 'svc']);
  assert.match(await env.ok(['ps', '--format', '{{.Names}} {{.Status}}']), /svc Up/);
  await api.dockerOk(['stop', '-t', '1', 'svc']);
  assert.equal((await api.dockerOk(['wait', 'svc'])).trim(), '137');
  const busy = await api.docker(['volume', 'rm', 'appdata']);
  assert.equal(busy.code, 1, 'a volume in use is not removed');
  await api.dockerOk(['rm', '-v', 'svc']);
  assert.match((await api.docker(['inspect', 'svc'])).stderr, /No such (object|container): svc/);
});

test('409 and 304 where docker gives them: rm of a running container, start of a started one, a name in use', async () => {
  await api.dockerOk(['run', '-d', '--name', 'busy', 'busybox', 'sleep', '300']);
  const rm = await api.docker(['rm', 'busy']);
  assert.equal(rm.code, 1);
  assert.match(rm.stderr, /stop the container before removing or force remove/);
  assert.equal((await api.docker(['start', 'busy'])).code, 0, 'starting a running container is a 304, not an error');
  const dup = await api.docker(['create', '--name', 'busy', 'busybox']);
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /busy/);
  await api.dockerOk(['rm', '-f', 'busy']);
  await env.ok(['create', '--name', 'cli-made', 'busybox', 'echo', 'from-cli']);
  assert.equal(await api.dockerOk(['start', '-a', 'cli-made']), 'from-cli\n', 'a container the hull CLI made starts through the API');
  await api.dockerOk(['rm', 'cli-made']);
});

test('docker-compose up/ps/exec/logs/run/restart/stop/start/down -v: service DNS, a shared volume, a published port, depends_on', async () => {
  const dir = join(env.dir, 'app');
  mkdirSync(dir);
  writeFileSync(join(dir, 'docker-compose.yml'), [
    'version: "3.7"',
    'services:',
    '  web:',
    '    image: busybox',
    '    command: ["httpd", "-f", "-p", "80", "-h", "/data"]',
    '    volumes: ["shared:/data"]',
    '    ports: ["127.0.0.1::80"]',
    '  client:',
    '    image: busybox',
    '    depends_on: [web]',
    '    command: ["sh", "-c", "echo hello-from-client > /data/index.html; echo client-ready; sleep 300"]',
    '    volumes: ["shared:/data"]',
    'volumes:',
    '  shared: {}',
    '',
  ].join('\n'));
  const compose = (args: string[]) => runProcess(['docker-compose', '-p', 'apitest', ...args], { cwd: dir, env: api.clientEnv });
  try {
    const up = await compose(['up', '-d']);
    assert.equal(up.code, 0, up.stderr);
    const ps = await compose(['ps']);
    assert.equal(ps.stdout.match(/apitest_web_1/g)?.length, 1, ps.stdout);
    assert.match(ps.stdout, /apitest_client_1 .* Up/);
    let page = await compose(['exec', '-T', 'client', 'wget', '-qO-', 'http://web/']);
    for (let i = 0; i < 50 && !page.stdout.includes('hello-from-client'); i++) page = await compose(['exec', '-T', 'client', 'wget', '-qO-', 'http://web/']);
    assert.equal(page.stdout, 'hello-from-client\n', 'the client reaches the web service by name and sees the shared volume');
    assert.match((await compose(['logs', 'client'])).stdout, /client-ready/);
    // A one-off container (compose v1 gives it legacy Links) reaches the service and exits with its code.
    const oneOff = await compose(['run', '--rm', '-T', 'client', 'sh', '-c', 'wget -qO- http://web/; exit 4']);
    assert.deepEqual([oneOff.code, oneOff.stdout], [4, 'hello-from-client\n'], oneOff.stderr);
    for (const verb of ['restart', 'stop', 'start']) assert.equal((await compose([verb])).code, 0, verb);
    assert.match((await compose(['ps'])).stdout, /apitest_web_1 .* Up/);
    assert.match(await env.ok(['ps', '--format', '{{.Names}}']), /apitest_web_1/);
  } finally {
    const down = await compose(['down', '-v']);
    assert.equal(down.code, 0, down.stderr);
  }
  assert.equal((await api.dockerOk(['ps', '-aq', '--filter', 'label=com.docker.compose.project=apitest'])).trim(), '');
  assert.doesNotMatch(await api.dockerOk(['volume', 'ls', '-q']), /apitest_shared/);
});

test('docker-py: containers.run (output, exit status), run detached, logs, exec_run, wait, remove', async () => {
  const r = await api.python(`
print(client.containers.run('busybox', ['echo', 'py-hello'], remove=True).decode().strip())
try:
    client.containers.run('busybox', ['sh', '-c', 'exit 2'], remove=True)
except docker.errors.ContainerError as e:
    print('exit', e.exit_status)
c = client.containers.run('busybox', ['sh', '-c', 'echo bg; sleep 300'], detach=True, name='pybg')
import time
for _ in range(100):
    if b'bg' in c.logs(): break
    time.sleep(0.05)
print(c.logs().decode().strip())
res = c.exec_run(['sh', '-c', 'echo in-exec; exit 3'])
print('exec', res.exit_code, res.output.decode().strip())
c.kill()
print('wait', c.wait()['StatusCode'])
c.remove()
`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'py-hello\nexit 2\nbg\nexec 3 in-exec\nwait 137\n');
});

test('dockerode: createContainer, attach before start, start, wait, inspect, remove', async () => {
  const docker = new Docker({ socketPath: api.socket });
  const container = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'echo node-out; echo node-err >&2; exit 6'], AttachStdout: true, AttachStderr: true });
  const stream = await container.attach({ stream: true, stdout: true, stderr: true, hijack: true });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const { Writable } = await import('node:stream');
  container.modem.demuxStream(stream, new Writable({ write: (c: Buffer, _e, cb) => (out.push(c), cb()) }), new Writable({ write: (c: Buffer, _e, cb) => (err.push(c), cb()) }));
  const ended = new Promise((resolve) => stream.on('end', resolve));
  const waited = container.wait({ condition: 'next-exit' });
  await container.start();
  const result = (await waited) as { StatusCode: number };
  await ended;
  assert.equal(result.StatusCode, 6);
  assert.equal(Buffer.concat(out).toString(), 'node-out\n');
  assert.equal(Buffer.concat(err).toString(), 'node-err\n');
  const info = await container.inspect();
  assert.equal(info.State.ExitCode, 6);
  await container.remove();
  await assert.rejects(container.inspect(), (e: { statusCode?: number }) => e.statusCode === 404);
});

test('docker cp both ways: a file in, a file and a directory out; a missing path is an error', async () => {
  await api.dockerOk(['run', '-d', '--name', 'cpbox', 'busybox', 'sleep', '300']);
  try {
    const hostFile = join(env.dir, 'to-container.txt');
    writeFileSync(hostFile, 'from the host\n');
    await api.dockerOk(['cp', hostFile, 'cpbox:/tmp/']);
    assert.equal(await api.dockerOk(['exec', 'cpbox', 'cat', '/tmp/to-container.txt']), 'from the host\n');
    const out = join(env.dir, 'cp-out');
    mkdirSync(out);
    await api.dockerOk(['cp', 'cpbox:/etc/passwd', join(out, 'passwd')]);
    assert.match(readFileSync(join(out, 'passwd'), 'utf8'), /^root:x:0:0/);
    await api.dockerOk(['cp', 'cpbox:/etc', out]);
    assert.ok(existsSync(join(out, 'etc', 'group')));
    const missing = await api.docker(['cp', 'cpbox:/nosuch', out]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no such file or directory/);
  } finally {
    await api.dockerOk(['rm', '-f', 'cpbox']);
  }
});

test('docker ps -s and inspect -s give the writable layer and the whole size; ps filters health, network, volume, before', async () => {
  await api.dockerOk(['run', '-d', '--name', 'sized', '--network', 'none', 'busybox', 'sh', '-c', 'dd if=/dev/zero of=/big bs=1k count=100 2>/dev/null; sleep 600']);
  try {
    let sizes = '';
    for (let i = 0; i < 100 && !/^sized 10\dkB \(virtual /.test(sizes); i++) sizes = await api.dockerOk(['ps', '-s', '--filter', 'name=^sized$', '--format', '{{.Names}} {{.Size}}']);
    assert.match(sizes, /^sized 10\dkB \(virtual \d/);
    const [rw, rootfs] = (await api.dockerOk(['inspect', '-s', '--format', '{{.SizeRw}} {{.SizeRootFs}}', 'sized'])).trim().split(' ').map(Number);
    assert.ok((rw as number) >= 102400 && (rootfs as number) > (rw as number), `${rw} ${rootfs}`);
    assert.equal((await api.dockerOk(['ps', '--filter', 'health=none', '--filter', 'network=none', '--filter', 'name=^sized$', '--format', '{{.Names}}'])).trim(), 'sized');
    assert.equal((await api.dockerOk(['ps', '--filter', 'health=healthy', '--filter', 'name=^sized$', '-q'])).trim(), '');
    const bad = await api.docker(['ps', '--filter', 'colour=red']);
    assert.match(bad.stderr, /invalid filter "colour"/);
  } finally {
    await api.dockerOk(['rm', '-f', 'sized']);
  }
});
