/**
 * Image endpoints through the real clients: the docker CLI against a hull registry on a loopback
 * port (tag, push, rmi, pull with progress, save/load, import, history, inspect, filters, prune,
 * search, login), docker-py (Debian's python3-docker) and dockerode.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import Docker from 'dockerode';
import { busyboxTarball, hullWithBusybox, HULL_BIN, type HullEnv } from '../../src/testing/hull-cli.js';
import { startApiService, waitListening, runProcess, type ApiService } from '../../src/testing/api-service.js';

let env: HullEnv;
let api: ApiService;
let registry: ChildProcess;
let reg: string;

before(async () => {
  env = await hullWithBusybox();
  api = await startApiService(env);
  const { createServer } = await import('node:net');
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  reg = `127.0.0.1:${port}`;
  registry = spawn(HULL_BIN, ['registry', 'serve', '--root', join(env.dir, 'registry'), '--addr', reg], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  registry.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  await waitListening(Object.assign(registry, { stderr: registry.stdout }) as ChildProcess, () => out, /listening/);
});
after(async () => {
  registry.kill('SIGTERM');
  await api.stop();
  await env.cleanup();
});

test('docker images, tag, inspect, history', async () => {
  await api.dockerOk(['tag', 'busybox', 'example/app:1']);
  const rows = (await api.dockerOk(['images', '--format', '{{.Repository}}:{{.Tag}}'])).trim().split('\n').sort();
  assert.deepEqual(rows, ['busybox:latest', 'example/app:1']);
  const [image] = JSON.parse(await api.dockerOk(['image', 'inspect', 'example/app:1'])) as Array<{ Id: string; RepoTags: string[]; Os: string }>;
  assert.deepEqual(image?.RepoTags.sort(), ['busybox:latest', 'example/app:1']);
  assert.equal(image?.Os, 'linux');
  const history = await api.dockerOk(['history', '--no-trunc', '--format', '{{.ID}} {{.CreatedBy}}', 'busybox']);
  assert.match(history, new RegExp(`^${image?.Id} hull import`));
  const missing = await api.docker(['image', 'inspect', 'nosuch:1']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /No such image: nosuch:1/);
});

test('filters: reference, dangling, label; a bad filter is a 400 naming it', async () => {
  assert.equal((await api.dockerOk(['images', '--filter', 'reference=example/*', '--format', '{{.Repository}}'])).trim(), 'example/app');
  assert.equal((await api.dockerOk(['images', '--filter', 'dangling=true', '-q'])).trim(), '');
  assert.equal((await api.dockerOk(['images', '--filter', 'label=nosuch', '-q'])).trim(), '');
  const bad = await api.docker(['images', '--filter', 'colour=blue']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /invalid filter "colour"/);
});

test('push to a hull registry with progress, rmi, pull back with progress; the image runs the same content', async () => {
  const name = `${reg}/team/bb:1`;
  const since = String(Math.floor(Date.now() / 1000) - 1);
  await api.dockerOk(['tag', 'busybox', name]);
  const push = await api.dockerOk(['push', name]);
  assert.match(push, /The push refers to repository \[127\.0\.0\.1:\d+\/team\/bb\]/);
  assert.match(push, /: Pushed/);
  assert.match(push, /1: digest: sha256:[a-f0-9]{64} size: \d+/);
  const rmi = await api.dockerOk(['rmi', name]);
  assert.match(rmi, new RegExp(`Untagged: ${name.replace(/[.]/g, '\\.')}`));
  await api.dockerOk(['rmi', '-f', 'busybox', 'example/app:1']);
  assert.equal((await api.dockerOk(['images', '-q'])).trim(), '', 'no image is left, so the pull downloads');
  const pull = await api.dockerOk(['pull', name]);
  assert.match(pull, /1: Pulling from team\/bb\n/);
  assert.match(pull, /Pull complete/);
  assert.match(pull, /Digest: sha256:/);
  assert.match(pull, /Status: Downloaded newer image for 127\.0\.0\.1:\d+\/team\/bb:1/);
  assert.match(await api.dockerOk(['pull', name]), /Image is up to date/);
  const hullImages = await env.ok(['images', '--format', '{{.Repository}}:{{.Tag}}']);
  assert.match(hullImages, /team\/bb:1/, 'the hull CLI sees what the API pulled');
  const dist = JSON.parse(await runProcess(['curl', '-s', '--unix-socket', api.socket, `http://x/v1.47/distribution/${name}/json`]).then((r) => r.stdout)) as { Descriptor: { digest: string } };
  assert.match(dist.Descriptor.digest, /^sha256:/);
  const events = await api.dockerOk(['events', '--since', since, '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', 'type=image', '--filter', 'event=push', '--filter', 'event=pull', '--format', '{{.Action}} {{.Actor.Attributes.name}}']);
  assert.match(events, new RegExp(`^push ${name.replace(/[.]/g, '\\.')}\n(pull ${name.replace(/[.]/g, '\\.')}\n){2}$`), 'push and pull events, as dockerd records them');
});

test('a pull of a missing tag fails with the reason; a bad reference is a 400', async () => {
  const missing = await api.docker(['pull', `${reg}/team/bb:nope`]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /MANIFEST_UNKNOWN|not found|no such/i);
  const bad = await runProcess(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'POST', '--unix-socket', api.socket, 'http://x/images/create?fromImage=UPPER/Case']);
  assert.equal(bad.stdout, '400');
});

test('save, load and import', async () => {
  const name = `${reg}/team/bb:1`;
  const file = join(env.dir, 'saved.tar');
  await api.dockerOk(['save', '-o', file, name]);
  await api.dockerOk(['rmi', name]);
  assert.match(await api.dockerOk(['load', '-i', file]), /Loaded image: 127\.0\.0\.1:\d+\/team\/bb:1/);
  const id = (await api.dockerOk(['import', '-m', 'from api', '-', 'imported:1'], { input: readFileSync(busyboxTarball()) })).trim();
  assert.match(id, /^sha256:[a-f0-9]{64}$/);
  assert.equal((await env.ok(['run', '--rm', '--network', 'none', 'imported:1', 'echo', 'ok'])).trim(), 'ok');
});

test('search a registry catalog; docker login checks and stores the credentials', async () => {
  const found = await api.dockerOk(['search', '--format', '{{.Name}}', `${reg}/team`]);
  assert.equal(found.trim(), `${reg}/team/bb`);
  const hub = await api.docker(['search', 'busybox']);
  assert.equal(hub.code, 1);
  assert.match(hub.stderr, /name the registry/);
  const login = await api.docker(['login', '-u', 'alice', '--password-stdin', reg], { input: 'secret\n' });
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stdout, /Login Succeeded/);
  const saved = JSON.parse(readFileSync(join(env.dir, 'auth.json'), 'utf8')) as { auths: Record<string, unknown> };
  assert.ok(saved.auths[reg], 'the service stored the login as hull login does');
});

test('prune removes unused images', async () => {
  await api.dockerOk(['tag', 'imported:1', 'doomed:1']);
  const out = await api.dockerOk(['image', 'prune', '-a', '-f']);
  assert.match(out, /untagged: doomed:1/);
  assert.match(out, /Total reclaimed space/);
});

test('docker-py: images.pull, list, get, tag, remove; ImageNotFound on a missing image', async () => {
  const r = await api.python(`
img = client.images.pull(${JSON.stringify(`${reg}/team/bb`)}, tag='1')
assert img.id.startswith('sha256:'), img.id
assert any(t.endswith('/team/bb:1') for t in img.tags), img.tags
img.tag('pyapp', 'v1')
assert 'pyapp:v1' in client.images.get('pyapp:v1').tags
assert len(client.images.list(name='pyapp')) == 1
client.images.remove('pyapp:v1')
try:
    client.images.get('pyapp:v1')
    raise SystemExit('expected ImageNotFound')
except docker.errors.ImageNotFound as e:
    print('not found:', e.explanation)
`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /not found: No such image: pyapp:v1/);
});

test('dockerode: listImages, getImage().inspect, pull stream with followProgress', async () => {
  const docker = new Docker({ socketPath: api.socket });
  const stream = await docker.pull(`${reg}/team/bb:1`);
  const events = await new Promise<Array<{ status?: string }>>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null, out: Array<{ status?: string }>) => (err ? reject(err) : resolve(out))));
  assert.ok(events.some((e) => e.status?.startsWith('Status:')));
  const list = await docker.listImages({ filters: { reference: ['*/team/bb'] } });
  assert.equal(list.length, 1);
  const info = await docker.getImage(`${reg}/team/bb:1`).inspect();
  assert.equal(info.Id, list[0]?.Id);
  await assert.rejects(docker.getImage('nosuch:1').inspect(), (err: { statusCode?: number }) => err.statusCode === 404);
});
