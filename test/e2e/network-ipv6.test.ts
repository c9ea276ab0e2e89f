/**
 * Published ports on IPv6 loopback, as root with runc and CNI: `-p PORT:80` answers on
 * http://[::1]:PORT as on 127.0.0.1 (curl, as a user checks), UDP too (dnsmasq run inside the
 * container's namespace, queried with busybox nslookup on [::1]); a port published on an IPv4
 * address gets no IPv6 proxy; a port held on IPv6 is refused; nothing is left after rm or a crash.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';
import { waitFor } from '../../src/testing/wait.js';

let env: HullEnv;
before(async () => {
  env = await hullWithBusybox();
});
after(async () => env.cleanup());

const curl = (url: string) => spawnSync('curl', ['-gsS', '--max-time', '5', url], { encoding: 'utf8' });
const httpd = (name: string, ...flags: string[]) => env.ok(['run', '-d', '--name', name, ...flags, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
const hostPort = async (name: string, spec: string) => Number((await env.ok(['port', name, spec])).trim().split(':').pop());
/** Whether anything listens on [::]:port (tcp) in the host namespace. */
function listening6(port: number): boolean {
  const local = `${'0'.repeat(32)}:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/tcp6', 'utf8').split('\n').some((l) => l.trim().split(/\s+/)[1] === local);
}

test('-p PORT:80 answers on [::1] as on 127.0.0.1, and stops answering after rm', async () => {
  await httpd('v6web', '-p', '80');
  const port = await hostPort('v6web', '80');
  const hostname = (await env.ok(['inspect', '-f', '{{.Config.Hostname}}', 'v6web'])).trim();
  await waitFor(() => curl(`http://127.0.0.1:${port}/hostname`).stdout.includes(hostname), 'httpd');
  const v6 = curl(`http://[::1]:${port}/hostname`);
  assert.equal(v6.status, 0, v6.stderr);
  assert.equal(v6.stdout.trim(), hostname);
  await env.ok(['rm', '-f', 'v6web']);
  assert.notEqual(curl(`http://[::1]:${port}/hostname`).status, 0, 'refused once the container is gone');
  assert.equal(listening6(port), false, 'no proxy left listening');
});

test('a port published on an IPv4 address gets no IPv6 listener', async () => {
  await httpd('v4only', '-p', '127.0.0.1::80');
  const port = await hostPort('v4only', '80');
  await waitFor(() => curl(`http://127.0.0.1:${port}/hostname`).status === 0, 'httpd');
  assert.notEqual(curl(`http://[::1]:${port}/hostname`).status, 0);
  await env.ok(['rm', '-f', 'v4only']);
});

test('UDP published on every address answers on [::1]', async () => {
  const id = (await env.ok(['run', '-d', '--name', 'v6udp', '-p', '53/udp', 'busybox', 'sleep', '600'])).trim();
  const port = await hostPort('v6udp', '53/udp');
  // A real DNS server inside the container's network namespace (the test image has no UDP server).
  const dns = spawn('nsenter', [`--net=${join(env.runroot, 'netns', id)}`, 'dnsmasq', '--keep-in-foreground', '--no-resolv', '--no-hosts', '--port=53', '--address=/ext.test/192.0.2.9', '--pid-file', '--user=root'], { stdio: 'ignore' });
  try {
    let out = '';
    await waitFor(() => {
      out = spawnSync('busybox', ['nslookup', `-port=${port}`, '-type=a', 'ext.test', '::1'], { encoding: 'utf8', timeout: 5000 }).stdout;
      return out.includes('192.0.2.9');
    }, `an answer through [::1]:${port}/udp`);
    assert.match(out, /Address: 192\.0\.2\.9/);
  } finally {
    dns.kill();
    await env.ok(['rm', '-f', 'v6udp']);
  }
});

test('a host port already held on IPv6 is refused with a clear error', async () => {
  const holder = createServer();
  await new Promise<void>((r) => holder.listen({ port: 0, host: '::', ipv6Only: true }, r));
  const port = (holder.address() as AddressInfo).port;
  try {
    const r = await env.hull(['run', '--rm', '-p', `${port}:80`, 'busybox', 'true']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, new RegExp(`Cannot publish port 0\\.0\\.0\\.0:${port}/tcp`));
  } finally {
    holder.close();
  }
});

test('after a SIGKILL of the monitor and container, the next hull command stops the proxy', async () => {
  const id = (await httpd('v6crash', '-p', '80')).trim();
  const port = await hostPort('v6crash', '80');
  assert.equal(listening6(port), true);
  process.kill(Number(readFileSync(join(env.runroot, 'containers', id, 'conmon.pid'), 'utf8')), 'SIGKILL');
  process.kill(Number((await env.ok(['inspect', '-f', '{{.State.Pid}}', 'v6crash'])).trim()), 'SIGKILL');
  await waitFor(async () => (await env.ok(['inspect', '-f', '{{.State.Status}}', 'v6crash'])).trim() === 'exited', 'the container to be seen dead');
  await env.ok(['ps', '-a']);
  assert.equal(listening6(port), false, 'proxy stopped by reconcile');
  await env.ok(['rm', '-f', 'v6crash']);
});
