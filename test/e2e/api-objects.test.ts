/**
 * Volumes, networks, events and system df through the docker CLI and docker-py: what the socket
 * creates the hull CLI sees, and events made by hull CLI processes come out of /events.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { busyboxTarball, hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';
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

test('volumes: create with labels, ls with filters, inspect, rm, prune; the hull CLI sees them', async () => {
  assert.equal((await api.dockerOk(['volume', 'create', '--label', 'team=a', 'data1'])).trim(), 'data1');
  await api.dockerOk(['volume', 'create', 'data2']);
  assert.equal((await api.dockerOk(['volume', 'ls', '-q', '--filter', 'label=team=a'])).trim(), 'data1');
  assert.match(await env.ok(['volume', 'ls']), /data2/);
  const [v] = JSON.parse(await api.dockerOk(['volume', 'inspect', 'data1'])) as Array<{ Labels: Record<string, string>; Driver: string }>;
  assert.deepEqual([v?.Labels, v?.Driver], [{ team: 'a' }, 'local']);
  const missing = await api.docker(['volume', 'inspect', 'nosuch']);
  assert.match(missing.stderr, /No such volume: nosuch/);
  const bad = await api.docker(['volume', 'create', '--driver', 'nfs', 'x1']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /field "Driver" "nfs" is not supported/);
  await api.dockerOk(['volume', 'rm', 'data2']);
  assert.match(await api.dockerOk(['volume', 'prune', '-a', '-f']), /data1/);
  assert.equal((await api.dockerOk(['volume', 'ls', '-q'])).trim(), '');
});

test('networks: create with a subnet, ls, inspect, duplicate name 409, rm', async () => {
  const id = (await api.dockerOk(['network', 'create', '--subnet', '10.231.7.0/24', '--label', 'x=y', 'apinet'])).trim();
  assert.match(id, /^[a-f0-9]{64}$/);
  try {
    assert.match(await api.dockerOk(['network', 'ls', '--format', '{{.Name}}']), /apinet/);
    const [n] = JSON.parse(await api.dockerOk(['network', 'inspect', 'apinet'])) as Array<{ IPAM: { Config: Array<{ Subnet: string }> }; Labels: Record<string, string> }>;
    assert.equal(n?.IPAM.Config[0]?.Subnet, '10.231.7.0/24');
    assert.deepEqual(n?.Labels, { x: 'y' });
    const dup = await api.docker(['network', 'create', 'apinet']);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /already exists/);
    assert.match(await env.ok(['network', 'ls']), /apinet/);
  } finally {
    await api.dockerOk(['network', 'rm', 'apinet']);
  }
  assert.match((await api.docker(['network', 'inspect', 'apinet'])).stderr, /No such network: apinet/);
});

test('events: --since/--until return what hull CLI processes recorded; a follower sees new ones', async () => {
  const start = Math.floor(Date.now() / 1000) - 1;
  await env.ok(['tag', 'busybox', 'evt:1']);
  await env.ok(['rmi', 'evt:1']);
  const end = Math.floor(Date.now() / 1000) + 1;
  const past = await api.dockerOk(['events', '--since', String(start), '--until', String(end), '--filter', 'type=image', '--format', '{{.Action}} {{.Actor.Attributes.name}}']);
  assert.match(past, /tag docker\.io\/library\/evt:1/);
  assert.match(past, /untag docker\.io\/library\/evt:1/);
  const onlyTags = await api.dockerOk(['events', '--since', String(start), '--until', String(end), '--filter', 'event=tag', '--format', '{{.Action}}']);
  assert.deepEqual(onlyTags.trim().split('\n'), ['tag']);
  // Follow: new events reach an open stream (the import is repeated until the follower shows one).
  const follower = spawn('docker', ['events', '--filter', 'event=import', '--format', '{{.Actor.Attributes.name}}'], { env: { ...process.env, ...api.clientEnv } });
  let seen = '';
  follower.stdout.on('data', (b: Buffer) => (seen += b.toString()));
  for (let i = 0; i < 50 && !seen.includes('followed:'); i++) await env.ok(['import', busyboxTarball(), `followed:${i}`]);
  follower.kill('SIGTERM');
  assert.match(seen, /followed:\d+/);
  const bad = await api.docker(['events', '--filter', 'colour=red', '--until', '0s']);
  assert.match(bad.stderr, /invalid filter "colour"/);
});

test('system df counts what the store holds', async () => {
  const out = await api.dockerOk(['system', 'df', '--format', '{{.Type}} {{.TotalCount}}']);
  assert.match(out, /^Images [1-9]/m);
  assert.match(out, /^Local Volumes 0/m);
});

test('docker-py: volumes and networks; NotFound on a missing network', async () => {
  const r = await api.python(`
v = client.volumes.create(name='pyvol', labels={'k': 'v'})
assert client.volumes.get('pyvol').attrs['Labels'] == {'k': 'v'}
n = client.networks.create('pynet', driver='bridge')
assert n.name == 'pynet', n.name
assert any(x.name == 'pynet' for x in client.networks.list())
n.remove()
v.remove()
try:
    client.networks.get('pynet')
    raise SystemExit('expected NotFound')
except docker.errors.NotFound:
    print('gone')
`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'gone');
});

test('swarm-only objects answer 503 to docker-py as a dockerd outside a swarm does', async () => {
  const r = await api.python(`
try:
    client.services.list()
except docker.errors.APIError as e:
    print(e.status_code, e.explanation)
`);
  assert.match(r.stdout, /^503 This node is not a swarm manager/);
});

test('docker events: volume and network create and destroy, from the API and from hull, with type, event and name filters', async () => {
  const since = String(Math.floor(Date.now() / 1000) - 1);
  await api.dockerOk(['volume', 'create', 'ev-vol']);
  await env.ok(['volume', 'create', 'ev-vol2']);
  await api.dockerOk(['volume', 'rm', 'ev-vol']);
  const netId = (await api.dockerOk(['network', 'create', 'ev-net'])).trim();
  await env.ok(['network', 'rm', 'ev-net']);
  const until = String(Math.floor(Date.now() / 1000) + 1);
  // Only this test's objects: other tests of the file work in the same seconds.
  const events = async (filters: string[]) => (await api.dockerOk(['events', '--since', since, '--until', until, '--format', '{{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}}', ...filters.flatMap((f) => ['--filter', f])]))
    .split('\n').filter((l) => / ev-/.test(l)).map((l) => `${l}\n`).join('');
  assert.equal(await events(['type=volume']), 'volume create ev-vol <no value>\nvolume create ev-vol2 <no value>\nvolume destroy ev-vol <no value>\n');
  assert.equal(await events(['type=network']), `network create ${netId} ev-net\nnetwork destroy ${netId} ev-net\n`);
  assert.equal(await events(['network=ev-net', 'event=destroy']), `network destroy ${netId} ev-net\n`);
  assert.equal(await events(['volume=ev-vol2']), 'volume create ev-vol2 <no value>\n');
});

test('docker events: network connect and disconnect (with the container), exec_create/exec_start/exec_die (with the exit code)', async () => {
  const since = String(Math.floor(Date.now() / 1000) - 1);
  const netId = (await api.dockerOk(['network', 'create', 'ev-conn'])).trim();
  const id = (await api.dockerOk(['run', '-d', '--name', 'ev-exec', '--network', 'none', 'busybox', 'sleep', '600'])).trim();
  try {
    await api.dockerOk(['exec', 'ev-exec', 'sh', '-c', 'exit 4']).catch(() => '');
    await api.dockerOk(['rm', '-f', 'ev-exec']);
    const c2 = (await api.dockerOk(['create', '--name', 'ev-conn-c', 'busybox', 'true'])).trim();
    await api.dockerOk(['network', 'connect', 'ev-conn', 'ev-conn-c']);
    await api.dockerOk(['network', 'disconnect', 'ev-conn', 'ev-conn-c']);
    await api.dockerOk(['rm', 'ev-conn-c']);
    const until = String(Math.floor(Date.now() / 1000) + 1);
    const read = async (filters: string[], format: string) => (await api.dockerOk(['events', '--since', since, '--until', until, '--format', format, ...filters.flatMap((f) => ['--filter', f])])).trim().split('\n');
    assert.deepEqual(await read(['network=ev-conn', 'type=network'], '{{.Action}} {{.Actor.ID}} {{.Actor.Attributes.container}}'), [`create ${netId} <no value>`, `connect ${netId} ${c2}`, `disconnect ${netId} ${c2}`]);
    const execs = await read(['container=ev-exec'], '{{.Action}} {{.Actor.Attributes.exitCode}}');
    assert.deepEqual(execs.filter((l) => l.startsWith('exec_')), ['exec_create: sh -c exit 4 <no value>', 'exec_start: sh -c exit 4 <no value>', 'exec_die 4'], id);
  } finally {
    await api.docker(['rm', '-f', 'ev-exec', 'ev-conn-c']);
    await api.docker(['network', 'rm', 'ev-conn']);
  }
});
