/**
 * Networking end to end as root: published ports, names on user networks, isolation, internal
 * networks, connect/disconnect, and nothing left behind (veth, bridge, iptables, leases), even
 * after a SIGKILL. Traffic goes only to loopback and to addresses of the networks made here.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { HULL_BIN, createHullEnv, hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';
import { waitFor, fetchText } from '../../src/testing/wait.js';

let env: HullEnv;
before(async () => {
  env = await hullWithBusybox();
});
after(async () => env.cleanup());

const inspect = async (name: string, template: string) => (await env.ok(['inspect', '-f', template, name])).trim();
const netJson = async (net: string) => (JSON.parse(await env.ok(['network', 'inspect', net])) as Array<{ Internal: boolean; Options: Record<string, string>; IPAM: { Config: Array<{ Subnet: string; Gateway: string }> }; Containers: Record<string, { Name: string }> }>)[0]!;
const httpd = (name: string, ...flags: string[]) => env.ok(['run', '-d', '--name', name, ...flags, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/var/www']);
/** The host side of a container's veth pairs, from its sandbox state. */
function hostVeths(id: string): string[] {
  const state = JSON.parse(readFileSync(join(env.runroot, 'netns', `${id}.json`), 'utf8')) as { endpoints: Array<{ result?: { interfaces?: Array<{ name: string; sandbox?: string }> } }> };
  return state.endpoints.flatMap((e) => e.result?.interfaces?.filter((i) => !i.sandbox && i.name.startsWith('veth')).map((i) => i.name) ?? []);
}

test('a published port answers on 127.0.0.1 and, from another container, on its gateway; hull port lists it', async () => {
  await httpd('pub', '-p', '80');
  const port = (await env.ok(['port', 'pub', '80'])).trim().split(':')[1];
  assert.match(port ?? '', /^\d+$/);
  assert.match(await env.ok(['port', 'pub']), new RegExp(`^80/tcp -> 0\\.0\\.0\\.0:${port}$`, 'm'));
  await waitFor(async () => (await fetchText(`http://127.0.0.1:${port}/`).catch(() => '')).includes('hello from hull'), 'httpd on the published port');
  assert.equal(await inspect('pub', '{{json .NetworkSettings.Ports}}'), JSON.stringify({ '80/tcp': [{ HostIp: '0.0.0.0', HostPort: port }] }));
  // From a container on the same (default) network, through the host address of its gateway (hairpin).
  const gw = await inspect('pub', '{{.NetworkSettings.Gateway}}');
  assert.match(await env.ok(['run', '--rm', 'busybox', 'wget', '-qO-', `http://${gw}:${port}/`]), /hello from hull/);
  const fixed = await env.hull(['run', '--rm', '-p', `${port}:80`, 'busybox', 'true']);
  assert.equal(fixed.code, 125, 'a host port already published is refused');
  assert.match(fixed.stderr, /Cannot publish port/);
  await env.ok(['rm', '-f', 'pub']);
});

test('containers on a user network find each other by name and alias, and the answers follow them', async () => {
  await env.ok(['network', 'create', 'names']);
  await env.ok(['run', '-d', '--name', 'client', '--network', 'names', 'busybox', 'sleep', '600']);
  await httpd('web', '--network', 'names', '--network-alias', 'www');
  assert.match(await env.ok(['exec', 'client', 'wget', '-qO-', 'http://web/']), /hello from hull/);
  assert.match(await env.ok(['exec', 'client', 'wget', '-qO-', 'http://www/']), /hello from hull/);
  assert.match(await env.ok(['run', '--rm', '--network', 'names', 'busybox', 'wget', '-qO-', 'http://www/']), /hello from hull/);
  await env.ok(['stop', '-t', '0', 'web']);
  assert.doesNotMatch(await env.ok(['exec', 'client', 'cat', '/etc/hosts']), /\bweb\b/, 'a stopped peer is gone from hosts');
  await env.ok(['start', 'web']);
  assert.match(await env.ok(['exec', 'client', 'cat', '/etc/hosts']), /\bweb www\b/, 'and back when it starts');
  // The default network resolves no names, as docker's.
  assert.doesNotMatch(await env.ok(['run', '--rm', 'busybox', 'cat', '/etc/hosts']), /\bweb\b/);
  await env.ok(['rm', '-f', 'web', 'client']);
  await env.ok(['network', 'rm', 'names']);
});

test('two networks are isolated from each other', async () => {
  await env.ok(['network', 'create', 'iso-a']);
  await env.ok(['network', 'create', 'iso-b']);
  await httpd('iso-web', '--network', 'iso-a');
  const ip = await inspect('iso-web', '{{.NetworkSettings.IPAddress}}');
  await waitFor(async () => (await env.hull(['exec', 'iso-web', 'wget', '-qO-', 'http://127.0.0.1/'])).code === 0, 'httpd');
  assert.equal((await env.hull(['run', '--rm', '--network', 'iso-a', 'busybox', 'nc', '-w', '2', ip, '80'], { input: '' })).code, 0, 'same network: reachable');
  assert.notEqual((await env.hull(['run', '--rm', '--network', 'iso-b', 'busybox', 'nc', '-w', '2', ip, '80'], { input: '' })).code, 0, 'other network: not reachable');
  await env.ok(['rm', '-f', 'iso-web']);
  await env.ok(['network', 'rm', 'iso-a', 'iso-b']);
});

test('--internal: no default route, no way out, but names resolve inside', async () => {
  await env.ok(['network', 'create', '--internal', 'inner']);
  await env.ok(['network', 'create', 'outer']);
  await httpd('inner-web', '--network', 'inner');
  await waitFor(async () => (await env.hull(['exec', 'inner-web', 'wget', '-qO-', 'http://127.0.0.1/'])).code === 0, 'httpd');
  const outerGw = (await netJson('outer')).IPAM.Config[0]?.Gateway;
  const out = await env.hull(['run', '--rm', '--network', 'inner', 'busybox', 'sh', '-c', `ip route; nc -w 2 ${outerGw} 22 </dev/null && echo REACHED; wget -qO- http://inner-web/`]);
  assert.doesNotMatch(out.stdout, /default/);
  assert.doesNotMatch(out.stdout, /REACHED/);
  assert.match(out.stdout, /hello from hull/);
  assert.equal((await netJson('inner')).Internal, true);
  await env.ok(['rm', '-f', 'inner-web']);
  await env.ok(['network', 'rm', 'inner', 'outer']);
});

test('connect and disconnect a running container', async () => {
  await env.ok(['network', 'create', 'first']);
  await env.ok(['network', 'create', 'second']);
  await env.ok(['run', '-d', '--name', 'roamer', '--network', 'first', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/var/www']);
  await env.ok(['network', 'connect', '--alias', 'roaming', 'second', 'roamer']);
  assert.match(await env.ok(['exec', 'roamer', 'ip', '-o', 'addr']), /eth1/);
  assert.match(await env.ok(['run', '--rm', '--network', 'second', 'busybox', 'wget', '-qO-', 'http://roaming/']), /hello from hull/);
  assert.match(JSON.stringify((await netJson('second')).Containers), /roamer/);
  await env.ok(['network', 'disconnect', 'second', 'roamer']);
  assert.doesNotMatch(await env.ok(['exec', 'roamer', 'ip', '-o', 'addr']), /eth1/);
  assert.doesNotMatch(await env.ok(['run', '--rm', '--network', 'second', 'busybox', 'cat', '/etc/hosts']), /roam/);
  assert.equal((await env.hull(['network', 'rm', 'first'])).code, 125, 'a network in use stays');
  await env.ok(['rm', '-f', 'roamer']);
  await env.ok(['network', 'rm', 'first', 'second']);
});

test('--network none, host and container:NAME', async () => {
  assert.equal(await env.ok(['run', '--rm', '--network', 'none', 'busybox', 'ls', '/sys/class/net']), 'lo\n');
  const hostLinks = readdirSync('/sys/class/net').sort();
  const seen = (await env.ok(['run', '--rm', '--network', 'host', 'busybox', 'ls', '/sys/class/net'])).trim().split('\n').sort();
  assert.ok(hostLinks.filter((l) => seen.includes(l)).length >= Math.min(hostLinks.length, seen.length) - 2, 'the host\'s interfaces');
  await env.ok(['network', 'create', 'shared']);
  await httpd('owner', '--network', 'shared');
  assert.match(await env.ok(['run', '--rm', '--network', 'container:owner', 'busybox', 'wget', '-qO-', 'http://127.0.0.1/']), /hello from hull/);
  assert.match(await env.ok(['run', '--rm', '--network', 'none', '--add-host', 'db.local:10.1.2.3', 'busybox', 'cat', '/etc/hosts']), /10\.1\.2\.3\tdb\.local/);
  await env.ok(['rm', '-f', 'owner']);
  await env.ok(['network', 'rm', 'shared']);
});

interface Leftovers {
  bridge: string;
  subnet: string;
  ids: string[];
  veths: string[];
}

async function networkFacts(net: string): Promise<Pick<Leftovers, 'bridge' | 'subnet'>> {
  const n = await netJson(net);
  return { bridge: n.Options['com.docker.network.bridge.name'] as string, subnet: n.IPAM.Config[0]?.Subnet as string };
}

function assertNothingLeft(l: Leftovers, networkRemoved: boolean): void {
  for (const v of l.veths) assert.ok(!existsSync(`/sys/class/net/${v}`), `veth ${v} removed`);
  const rules = spawnSync('iptables-save', { encoding: 'utf8' }).stdout.split('\n');
  for (const id of l.ids) assert.deepEqual(rules.filter((r) => r.includes(id)), [], 'no per-container rule (portmap) remains');
  const netnsDir = join(env.runroot, 'netns');
  for (const id of l.ids) assert.ok(!existsSync(join(netnsDir, id)) && !existsSync(join(netnsDir, `${id}.json`)), 'netns and state released');
  const ipam = join(env.runroot, 'networks', 'ipam');
  const leases = existsSync(ipam) ? readdirSync(ipam, { recursive: true }).map(String).filter((f) => /\d+\.\d+\.\d+\.\d+$/.test(f)) : [];
  assert.deepEqual(leases.filter((f) => l.ids.some((id) => readFileSync(join(ipam, f), 'utf8').startsWith(id))), [], 'no IPAM lease remains');
  if (networkRemoved) {
    assert.ok(!existsSync(`/sys/class/net/${l.bridge}`), 'bridge removed');
    assert.deepEqual(rules.filter((r) => r.includes(l.bridge) || r.includes(l.subnet)), [], 'no network rule remains');
  }
}

test('removing every container and network leaves no veth, bridge, iptables rule or lease', async () => {
  await env.ok(['network', 'create', 'tidy']);
  const facts = await networkFacts('tidy');
  const a = (await httpd('tidy-a', '--network', 'tidy', '-p', '80')).trim();
  const b = (await env.ok(['run', '-d', '--name', 'tidy-b', '--network', 'tidy', 'busybox', 'sleep', '600'])).trim();
  const veths = [...hostVeths(a), ...hostVeths(b)];
  assert.equal(veths.length, 2);
  assert.ok(spawnSync('iptables-save', { encoding: 'utf8' }).stdout.includes(facts.bridge), 'rules exist while the network does');
  await env.ok(['rm', '-f', 'tidy-a', 'tidy-b']);
  await env.ok(['network', 'rm', 'tidy']);
  assertNothingLeft({ ...facts, ids: [a, b], veths }, true);
});

test('after a SIGKILL during run, or of the monitor and container, one hull command releases everything', async () => {
  await env.ok(['network', 'create', 'crash']);
  const facts = await networkFacts('crash');
  // 1. hull run killed while it sets up the network (the state file appears before the first ADD).
  const before = new Set(existsSync(join(env.runroot, 'netns')) ? readdirSync(join(env.runroot, 'netns')) : []);
  const child = spawn(HULL_BIN, ['--root', env.root, '--runroot', env.runroot, 'run', '--name', 'victim', '--network', 'crash', '-p', '80', 'busybox', 'sleep', '600'], { stdio: 'ignore' });
  await waitFor(() => existsSync(join(env.runroot, 'netns')) && readdirSync(join(env.runroot, 'netns')).some((f) => f.endsWith('.json') && !before.has(f)), 'the sandbox state');
  child.kill('SIGKILL');
  await new Promise((r) => child.on('close', r));
  const victim = await inspect('victim', '{{.Id}}');
  if ((await inspect('victim', '{{.State.Status}}')) === 'running') {
    // The kill came after the start: the container runs on; kill it so that only a reconcile can clean up.
    process.kill(Number(readFileSync(join(env.runroot, 'containers', victim, 'conmon.pid'), 'utf8')), 'SIGKILL');
    process.kill(Number(await inspect('victim', '{{.State.Pid}}')), 'SIGKILL');
  }
  // 2. a detached container whose monitor and init are both killed: nobody runs the cleanup.
  const orphan = (await httpd('orphan', '--network', 'crash', '-p', '80')).trim();
  const veths = hostVeths(orphan);
  process.kill(Number(readFileSync(join(env.runroot, 'containers', orphan, 'conmon.pid'), 'utf8')), 'SIGKILL');
  process.kill(Number(await inspect('orphan', '{{.State.Pid}}')), 'SIGKILL');
  // A killed init lingers as a zombie until reaped; wait until hull sees it gone.
  await waitFor(async () => (await inspect('orphan', '{{.State.Status}}')) === 'exited', 'the orphan to be seen dead');
  await waitFor(async () => (await inspect('victim', '{{.State.Status}}')) !== 'running', 'the victim to be seen dead');
  await env.ok(['ps', '-a']);
  assertNothingLeft({ ...facts, ids: [victim, orphan], veths }, false);
  await env.ok(['rm', '-f', 'victim', 'orphan']);
  await env.ok(['network', 'rm', 'crash']);
  assertNothingLeft({ ...facts, ids: [victim, orphan], veths }, true);
});

test("a network whose store was deleted without \"network rm\" is removed by another store's next network change", async () => {
  const doomed = createHullEnv('hull-doomed-');
  let facts: Pick<Leftovers, 'bridge'>;
  try {
    await doomed.ok(['network', 'create', 'doomed']);
    const n = JSON.parse(await doomed.ok(['network', 'inspect', 'doomed'])) as Array<{ Options: Record<string, string> }>;
    facts = { bridge: n[0]?.Options['com.docker.network.bridge.name'] as string };
    assert.ok(existsSync(`/sys/class/net/${facts.bridge}`));
  } finally {
    rmSync(doomed.dir, { recursive: true, force: true }); // rm -rf of the store, no hull cleanup
  }
  assert.ok(existsSync(`/sys/class/net/${facts.bridge}`), 'the bridge outlives its store');
  await env.ok(['network', 'create', 'after-doomed']);
  assert.ok(!existsSync(`/sys/class/net/${facts.bridge}`), 'bridge removed');
  const rules = spawnSync('iptables-save', { encoding: 'utf8' }).stdout.split('\n');
  // Every rule names its bridge in a comment (the new network may reuse the freed subnet).
  assert.deepEqual(rules.filter((r) => r.includes(facts.bridge)), [], 'its rules removed');
  await env.ok(['network', 'rm', 'after-doomed']);
});
