/**
 * DNS on user networks end to end, as root with runc, CNI and aardvark-dns: busybox nslookup finds
 * containers by name and alias, other names go to an upstream resolver (dnsmasq on a loopback
 * address started here: there is no internet), records follow connect and disconnect, the DNS
 * process exits with the last container, comes back after a kill -9, and two stores keep theirs
 * apart. Traffic goes only to loopback and to addresses of the networks made here.
 */
import { DEFAULT_HOST_PATHS } from '../../src/sys/host-paths.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HULL_BIN, createHullEnv, hullWithBusybox, busyboxTarball, type HullEnv } from '../../src/testing/hull-cli.js';
import { waitFor } from '../../src/testing/wait.js';
import { NetworkService } from '../../src/network/service.js';
import { findAardvark } from '../../src/network/dns.js';

let env: HullEnv;
let upstream: ChildProcess;
// A loopback address of its own, so that concurrent runs and the host's resolvers never clash.
const UPSTREAM = `127.53.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;

before(async () => {
  env = await hullWithBusybox();
  // dnsmasq answers ext.test on its own address, port 53 (aardvark forwards to port 53 only).
  upstream = spawn('dnsmasq', ['--keep-in-foreground', '--no-resolv', '--no-hosts', `--listen-address=${UPSTREAM}`, '--bind-interfaces', '--port=53', '--address=/ext.test/192.0.2.7', '--pid-file', '--user=root'], { stdio: 'ignore' });
  await waitFor(() => readFileSync('/proc/net/udp', 'utf8').includes(`${hex(UPSTREAM)}:0035`), 'dnsmasq to listen');
});
after(async () => {
  upstream?.kill();
  await env.cleanup();
});

function hex(ip: string): string {
  return ip.split('.').reverse().map((o) => Number(o).toString(16).toUpperCase().padStart(2, '0')).join('');
}

/** Pids of the aardvark-dns processes serving a store's runroot. */
function aardvarks(runroot: string): number[] {
  const dir = join(runroot, 'networks', 'hull-dns');
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
        return (argv[0] ?? '').endsWith('aardvark-dns') && argv.includes(dir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

const inspect = async (e: HullEnv, name: string, template: string) => (await e.ok(['inspect', '-f', template, name])).trim();
const gatewayOf = async (e: HullEnv, net: string) => (JSON.parse(await e.ok(['network', 'inspect', net])) as Array<{ IPAM: { Config: Array<{ Gateway: string }> } }>)[0]!.IPAM.Config[0]!.Gateway;
/** busybox nslookup NAME in a running container: the addresses of the answer ("" when none). */
async function lookup(e: HullEnv, container: string, name: string): Promise<string[]> {
  const r = await e.hull(['exec', container, 'nslookup', '-type=a', name]);
  const answer = r.stdout.split(/\n\s*\n/).slice(1).join('\n');
  return [...answer.matchAll(/Address: (\d+\.\d+\.\d+\.\d+)/g)].map((m) => m[1] as string);
}

test('nslookup finds containers by name, alias and short id, forwards other names, and the server stops with the last container', async () => {
  await env.ok(['network', 'create', 'dnsnet']);
  const gw = await gatewayOf(env, 'dnsnet');
  const db = (await env.ok(['run', '-d', '--name', 'db', '--network', 'dnsnet', '--network-alias', 'database', 'busybox', 'sleep', '600'])).trim();
  const dbIp = await inspect(env, 'db', '{{.NetworkSettings.IPAddress}}');
  assert.equal(aardvarks(env.runroot).length, 1, 'one DNS server for the store');
  await env.ok(['run', '-d', '--name', 'client', '--network', 'dnsnet', '--dns', UPSTREAM, 'busybox', 'sleep', '600']);
  const resolv = await env.ok(['exec', 'client', 'cat', '/etc/resolv.conf']);
  assert.match(resolv, new RegExp(`^nameserver ${gw.replace(/\./g, '\\.')}$`, 'm'), 'the gateway is the nameserver');
  assert.doesNotMatch(resolv, new RegExp(UPSTREAM), '--dns servers are the DNS server\'s upstreams, not the container\'s');
  assert.deepEqual(await lookup(env, 'client', 'db'), [dbIp]);
  assert.deepEqual(await lookup(env, 'client', 'database'), [dbIp]);
  assert.deepEqual(await lookup(env, 'client', db.slice(0, 12)), [dbIp]);
  assert.deepEqual(await lookup(env, 'client', 'ext.test'), ['192.0.2.7'], 'forwarded to the upstream');
  assert.deepEqual(await lookup(env, 'db', 'client'), [await inspect(env, 'client', '{{.NetworkSettings.IPAddress}}')]);
  // The default network keeps the host's resolvers and resolves no names (docker's rule).
  const plain = await env.ok(['run', '--rm', 'busybox', 'cat', '/etc/resolv.conf']);
  assert.doesNotMatch(plain, new RegExp(`nameserver ${gw}`));
  await env.ok(['rm', '-f', 'client']);
  assert.deepEqual(await lookup(env, 'db', 'client'), [], 'a removed container is gone from DNS');
  await env.ok(['rm', '-f', 'db']);
  assert.deepEqual(aardvarks(env.runroot), [], 'no DNS process once no container needs it');
  assert.deepEqual(readdirSync(join(env.runroot, 'networks', 'hull-dns')), [], 'no DNS config left');
  await env.ok(['network', 'rm', 'dnsnet']);
});

test('records follow connect, disconnect and stop/start', async () => {
  await env.ok(['network', 'create', 'dns-a']);
  await env.ok(['network', 'create', 'dns-b']);
  await env.ok(['run', '-d', '--name', 'roam', '--network', 'dns-a', 'busybox', 'sleep', '600']);
  await env.ok(['run', '-d', '--name', 'watcher', '--network', 'dns-b', 'busybox', 'sleep', '600']);
  assert.deepEqual(await lookup(env, 'watcher', 'roam'), [], 'not on the same network yet');
  await env.ok(['network', 'connect', '--alias', 'roamer', 'dns-b', 'roam']);
  const nets = (JSON.parse(await env.ok(['inspect', 'roam'])) as Array<{ NetworkSettings: { Networks: Record<string, { IPAddress?: string }> } }>)[0]!.NetworkSettings.Networks;
  const found = await lookup(env, 'watcher', 'roamer');
  assert.equal(found.length, 1);
  if (nets['dns-b']?.IPAddress) assert.deepEqual(found, [nets['dns-b'].IPAddress]);
  assert.deepEqual(await lookup(env, 'watcher', 'roam'), found);
  assert.match(await env.ok(['exec', 'roam', 'cat', '/etc/resolv.conf']), new RegExp(`nameserver ${(await gatewayOf(env, 'dns-b')).replace(/\./g, '\\.')}`), 'the new network\'s server in resolv.conf');
  await env.ok(['network', 'disconnect', 'dns-b', 'roam']);
  assert.deepEqual(await lookup(env, 'watcher', 'roamer'), []);
  await env.ok(['stop', '-t', '0', 'watcher']);
  await env.ok(['start', 'watcher']);
  assert.deepEqual(await lookup(env, 'watcher', 'watcher'), [await inspect(env, 'watcher', '{{.NetworkSettings.IPAddress}}')], 'back after a restart');
  await env.ok(['rm', '-f', 'roam', 'watcher']);
  assert.deepEqual(aardvarks(env.runroot), []);
  await env.ok(['network', 'rm', 'dns-a', 'dns-b']);
});

test('after a kill -9 of the DNS server, the next hull command starts it again', async () => {
  await env.ok(['network', 'create', 'dns-kill']);
  await env.ok(['run', '-d', '--name', 'k1', '--network', 'dns-kill', 'busybox', 'sleep', '600']);
  await env.ok(['run', '-d', '--name', 'k2', '--network', 'dns-kill', 'busybox', 'sleep', '600']);
  const [pid] = aardvarks(env.runroot);
  assert.ok(pid);
  process.kill(pid, 'SIGKILL');
  await waitFor(() => !existsSync(`/proc/${pid}/cmdline`) || readFileSync(`/proc/${pid}/cmdline`).length === 0, 'aardvark to die');
  await env.ok(['ps']);
  assert.equal(aardvarks(env.runroot).length, 1, 'running again');
  assert.deepEqual(await lookup(env, 'k1', 'k2'), [await inspect(env, 'k2', '{{.NetworkSettings.IPAddress}}')]);
  await env.ok(['rm', '-f', 'k1', 'k2']);
  assert.deepEqual(aardvarks(env.runroot), []);
  await env.ok(['network', 'rm', 'dns-kill']);
});

test('two stores on one host each run their own DNS server and see only their own containers', async () => {
  const other = createHullEnv('hull-dns-other-');
  try {
    await other.ok(['import', busyboxTarball(), 'busybox']);
    await env.ok(['network', 'create', 'mine']);
    await other.ok(['network', 'create', 'mine']);
    await env.ok(['run', '-d', '--name', 'same', '--network', 'mine', 'busybox', 'sleep', '600']);
    await other.ok(['run', '-d', '--name', 'same', '--network', 'mine', 'busybox', 'sleep', '600']);
    assert.equal(aardvarks(env.runroot).length, 1);
    assert.equal(aardvarks(other.runroot).length, 1);
    assert.deepEqual(await lookup(env, 'same', 'same'), [await inspect(env, 'same', '{{.NetworkSettings.IPAddress}}')]);
    assert.deepEqual(await lookup(other, 'same', 'same'), [await inspect(other, 'same', '{{.NetworkSettings.IPAddress}}')]);
    await other.ok(['rm', '-f', 'same']);
    assert.deepEqual(aardvarks(other.runroot), []);
    assert.equal(aardvarks(env.runroot).length, 1, 'the other store\'s server is untouched');
    await env.ok(['rm', '-f', 'same']);
    await env.ok(['network', 'rm', 'mine']);
    await other.ok(['network', 'rm', 'mine']);
  } finally {
    await other.cleanup();
  }
});

test('a rename updates the DNS records of a running container (NetworkService.rename, which rename calls)', async () => {
  // The container side of rename lives in src/containers; this drives the network layer directly,
  // with two real sandboxes (namespace, veth, lease) and busybox nslookup run inside one of them.
  const net = new NetworkService({ root: env.root, runroot: env.runroot, containersUsing: () => [], hostPaths: DEFAULT_HOST_PATHS });
  await net.create('dns-rename');
  const view = (id: string, name: string, extra = {}) => ({ Id: id, Name: name, Config: { Hostname: id.slice(0, 12) }, HostConfig: { NetworkMode: 'dns-rename', ...extra } });
  const a = 'a'.repeat(64);
  const b = 'b'.repeat(64);
  const bundles = mkdtempSync(join(tmpdir(), 'hull-dns-rename-'));
  try {
    const attA = await net.attach(view(a, 'before'), join(bundles, 'a'));
    // docker's --dns-search and --dns-option, as the record carries them.
    const attB = await net.attach(view(b, 'asker', { DnsSearch: ['corp.example'], DnsOptions: ['ndots:2'] }), join(bundles, 'b'));
    const ipA = net.sandbox(a)?.endpoints[0]?.ip;
    const gw = await gatewayOf(env, 'dns-rename');
    const ask = (name: string) => spawnSync('nsenter', [`--net=${join(env.runroot, 'netns', b)}`, 'busybox', 'nslookup', '-type=a', name, gw], { encoding: 'utf8', timeout: 10_000 }).stdout;
    assert.match(ask('before'), new RegExp(`Address: ${ipA}`));
    await net.rename(a, 'after');
    assert.match(ask('after'), new RegExp(`Address: ${ipA}`));
    assert.doesNotMatch(ask('before'), new RegExp(`Address: ${ipA}`));
    assert.match(readFileSync(join(bundles, 'b', 'hosts'), 'utf8'), /\bafter\b/, 'and the peers\' hosts files');
    assert.ok(attA.etc.resolvConf && readFileSync(attA.etc.resolvConf, 'utf8').includes(`nameserver ${gw}`));
    const resolvB = readFileSync(attB.etc.resolvConf ?? '', 'utf8');
    assert.match(resolvB, /^search corp\.example$/m);
    assert.match(resolvB, /^options ndots:2$/m);
    assert.match(resolvB, new RegExp(`^nameserver ${gw.replace(/\./g, '\\.')}$`, 'm'));
  } finally {
    await net.detach(a);
    await net.detach(b);
    rmSync(bundles, { recursive: true, force: true });
  }
  assert.deepEqual(aardvarks(env.runroot), []);
  await net.remove('dns-rename');
});

test('a hull run killed while it attaches leaves no DNS record or process after the next hull command', async () => {
  await env.ok(['network', 'create', 'dns-crash']);
  const netns = join(env.runroot, 'netns');
  const before = new Set(existsSync(netns) ? readdirSync(netns) : []);
  const child = spawn(HULL_BIN, ['--root', env.root, '--runroot', env.runroot, 'run', '--name', 'dns-victim', '--network', 'dns-crash', 'busybox', 'sleep', '600'], { stdio: 'ignore' });
  await waitFor(() => existsSync(netns) && readdirSync(netns).some((f) => f.endsWith('.json') && !before.has(f)), 'the sandbox state');
  child.kill('SIGKILL');
  await new Promise((r) => child.on('close', r));
  const victim = await inspect(env, 'dns-victim', '{{.Id}}');
  if ((await inspect(env, 'dns-victim', '{{.State.Status}}')) === 'running') {
    // The kill came after the start: kill the container too, so that only a reconcile can clean up.
    process.kill(Number(readFileSync(join(env.runroot, 'containers', victim, 'conmon.pid'), 'utf8')), 'SIGKILL');
    process.kill(Number(await inspect(env, 'dns-victim', '{{.State.Pid}}')), 'SIGKILL');
    await waitFor(async () => (await inspect(env, 'dns-victim', '{{.State.Status}}')) !== 'running', 'the victim to be seen dead');
  }
  // The next hull commands reconcile: a DNS server still daemonising when hull was killed may be
  // found only by the one after (its process appears once it has forked).
  await env.ok(['ps', '-a']);
  for (let i = 0; i < 10 && aardvarks(env.runroot).length > 0; i++) {
    await new Promise((r) => setTimeout(r, 300));
    await env.ok(['ps', '-a']);
  }
  assert.deepEqual(aardvarks(env.runroot), [], 'no DNS process');
  const dir = join(env.runroot, 'networks', 'hull-dns');
  assert.deepEqual(existsSync(dir) ? readdirSync(dir) : [], [], 'no DNS record');
  await env.ok(['rm', '-f', 'dns-victim']);
  await env.ok(['network', 'rm', 'dns-crash']);
});

test("the DNS server of a store deleted without cleanup is stopped by another store's next network create", async () => {
  // A store removed with rm -rf while its DNS server ran: that server would keep port 53 of a
  // gateway address that a new network may get. Made here by hand: aardvark-dns serving a
  // loopback address from a hull-shaped config directory, which is then deleted.
  const bin = findAardvark();
  assert.ok(bin, 'aardvark-dns is installed');
  const doomed = mkdtempSync(join(tmpdir(), 'hull-dns-doomed-'));
  const dir = join(doomed, 'run', 'networks', 'hull-dns');
  mkdirSync(dir, { recursive: true });
  const ip = `127.54.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
  writeFileSync(join(dir, 'n'.repeat(64)), `${ip}\n${'c'.repeat(64)} 10.200.0.2  ghost\n`);
  assert.equal(spawnSync(bin, ['--config', dir, '-p', '53', 'run']).status, 0);
  await waitFor(() => aardvarks(join(doomed, 'run')).length === 1, 'the doomed DNS server');
  rmSync(doomed, { recursive: true, force: true });
  await env.ok(['network', 'create', 'after-doomed-dns']);
  assert.deepEqual(aardvarks(join(doomed, 'run')), [], 'stopped');
  await env.ok(['network', 'rm', 'after-doomed-dns']);
});
