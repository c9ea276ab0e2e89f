/**
 * Rootless networking end to end (docs/rootless.md, "Published ports on user networks"): an
 * ordinary user, created for the test, publishes ports of containers on a user network and of a
 * compose project; the host reaches them through the forwarders of src/network/rootless-ports.ts,
 * which stop with the container.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, chownSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { busyboxTarball, HULL_BIN } from '../../src/testing/hull-cli.js';
import { createRootlessUser, rootlessUnsupported, type RootlessUser } from '../../src/testing/rootless-user.js';
import { eventually, getLocal } from '../../src/testing/wait.js';
import { freePort } from '../../src/registry-client/testing/reference-registry.js';

const why = rootlessUnsupported();
let dave: RootlessUser;

before(async () => {
  if (why) return;
  dave = createRootlessUser();
  const tar = join(dave.home, 'busybox.tar.gz');
  copyFileSync(busyboxTarball(), tar);
  chownSync(tar, dave.uid, dave.gid);
  await dave.ok(['import', tar, 'busybox']);
  await dave.ok(['network', 'create', 'pubnet']);
});

after(async () => {
  await dave?.remove();
});

/** Whether anything accepts TCP connections on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

test('a published port on a user network answers from the host, and stops with the container', { skip: why }, async () => {
  const port = await freePort(); // asked of the kernel: a fixed number may be another test's ephemeral port
  await dave.ok(['run', '-d', '--name', 'web', '--network', 'pubnet', '-p', `${port}:80`, 'busybox', 'sh', '-c', 'echo hello-user-network > /index.html; httpd -f -p 80 -h /']);
  try {
    assert.equal(await eventually(() => getLocal(port, '/index.html'), 'GET the published port'), 'hello-user-network\n');
    // A second connection while the first forwarder child is gone: the listener forks per connection.
    assert.equal(await getLocal(port, '/index.html'), 'hello-user-network\n');
    assert.match(await dave.ok(['port', 'web']), new RegExp(`80/tcp -> 0.0.0.0:${port}`));
    const ports = JSON.parse(await dave.ok(['inspect', '-f', '{{json .NetworkSettings.Ports}}', 'web'])) as Record<string, Array<{ HostPort: string }>>;
    assert.equal(ports['80/tcp']?.[0]?.HostPort, String(port));
    await dave.ok(['stop', '-t', '1', 'web']);
    await eventually(async () => assert.equal(await accepts(port), false), 'the forwarder stopped with the container');
  } finally {
    await dave.ok(['rm', '-f', 'web']);
  }
  // Nothing of the forwarder is left: no socat of the user's, no relay socket.
  // (Zombies are dead already: this machine's pid 1 reaps orphans late.)
  // A process on its way out shows as "[socat]" for a moment: wait for it to be gone.
  const socats = () => execFileSync('ps', ['-u', String(dave.uid), '-o', 'stat=,args=']).toString().split('\n').filter((l) => !l.startsWith('Z') && l.includes('socat'));
  await eventually(async () => assert.deepEqual(socats(), []), 'the forwarder\'s socat gone');
  assert.deepEqual(execFileSync('find', [join(dave.runtimeDir, 'hull'), '-name', '*.sock', '-path', '*portfwd*']).toString(), '');
});

test('a port in use on the host, and one below 1024, get clear errors on a user network', { skip: why }, async () => {
  const port = await freePort(); // asked of the kernel: a fixed number may be another test's ephemeral port
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(port, '0.0.0.0', r));
  try {
    const r = await dave.hull(['run', '--rm', '--network', 'pubnet', '-p', `${port}:80`, 'busybox', 'true']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, new RegExp(`Cannot publish port 0.0.0.0:${port}/tcp`));
  } finally {
    taken.close();
  }
  const low = await dave.hull(['run', '--rm', '--network', 'pubnet', '-p', '80:80', 'busybox', 'true']);
  assert.equal(low.code, 125);
  assert.match(low.stderr, /may not bind ports below/);
  assert.match(low.stderr, /ip_unprivileged_port_start/);
});

test('compose up: a service\'s published port answers from the host', { skip: why }, async () => {
  const port = await freePort(); // asked of the kernel: a fixed number may be another test's ephemeral port
  const dir = join(dave.home, 'pubproj');
  mkdirSync(dir);
  writeFileSync(join(dir, 'compose.yaml'), [
    'services:',
    '  web:',
    '    image: busybox',
    '    command: sh -c "echo composed-and-published > /index.html; httpd -f -p 80 -h /"',
    '    ports:',
    `      - "${port}:80"`,
    '',
  ].join('\n'));
  execFileSync('chown', ['-R', `${dave.uid}:${dave.gid}`, dir]);
  await dave.ok(['compose', 'up', '-d'], { cwd: dir });
  try {
    assert.equal(await eventually(() => getLocal(port, '/index.html'), 'GET the compose service'), 'composed-and-published\n');
  } finally {
    await dave.ok(['compose', 'down'], { cwd: dir });
  }
  await eventually(async () => assert.equal(await accepts(port), false), 'compose down stopped the forwarder');
});

test('a published UDP port on a user network answers from the host', { skip: why }, async () => {
  const port = await freePort(); // asked of the kernel: a fixed number may be another test's ephemeral port
  // busybox has no UDP server: the host's socat, its /usr bind-mounted read-only, answers each datagram.
  const serve = 'exec /usr/bin/socat UDP4-RECVFROM:7,fork "SYSTEM:read l; echo got-\\$l"';
  await dave.ok(['run', '-d', '--name', 'udp', '--network', 'pubnet', '-p', `${port}:7/udp`, '-v', '/usr:/usr:ro', '-v', '/usr/lib:/lib:ro', '-v', '/usr/lib64:/lib64:ro', 'busybox', 'sh', '-c', serve]);
  const s = createSocket('udp4');
  try {
    const reply = await eventually(() => new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no reply')), 2000);
      s.once('message', (m) => {
        clearTimeout(timer);
        resolve(m.toString());
      });
      s.send('ping-udp\n', port, '127.0.0.1');
    }), 'a UDP reply');
    assert.equal(reply, 'got-ping-udp\n');
    assert.match(await dave.ok(['port', 'udp']), new RegExp(`7/udp -> 0.0.0.0:${port}`));
  } finally {
    s.close();
    await dave.ok(['rm', '-f', 'udp']);
  }
});

test('--network slirp4netns: its own namespace set up podman\'s way, -p through its API, stopped with the container', { skip: why }, async () => {
  const port = await freePort(); // asked of the kernel: a fixed number may be another test's ephemeral port
  const inside = await dave.ok(['run', '--rm', '--network', 'slirp4netns', 'busybox', 'sh', '-c', 'ip -4 addr show tap0; cat /etc/resolv.conf']);
  assert.match(inside, /inet 10\.0\.2\.100\/24/);
  assert.match(inside, /^nameserver 10\.0\.2\.3$/m);
  await dave.ok(['run', '-d', '--name', 'slirpweb', '--network', 'slirp4netns', '-p', `${port}:80`, 'busybox', 'sh', '-c', 'echo hello-slirp > /index.html; httpd -f -p 80 -h /']);
  try {
    assert.equal(await eventually(() => getLocal(port, '/index.html'), 'GET through slirp4netns'), 'hello-slirp\n');
    assert.match(await dave.ok(['port', 'slirpweb']), new RegExp(`80/tcp -> 0.0.0.0:${port}`));
  } finally {
    await dave.ok(['rm', '-f', 'slirpweb']);
  }
  await eventually(async () => assert.equal(await accepts(port), false), 'slirp4netns stopped with the container');
  // A process on its way out shows as "[slirp4netns]" for a moment: wait for it to be gone.
  const left = () => execFileSync('ps', ['-u', String(dave.uid), '-o', 'stat=,args=']).toString().split('\n').filter((l) => !l.startsWith('Z') && l.includes('slirp4netns'));
  await eventually(async () => assert.deepEqual(left(), []), 'slirp4netns gone');
  const opts = await dave.hull(['run', '--rm', '--network', 'slirp4netns:port_handler=rootlesskit', 'busybox', 'true']);
  assert.equal(opts.code, 125);
  assert.match(opts.stderr, /Cannot use --network "slirp4netns:port_handler=rootlesskit": hull takes no slirp4netns options/);
});

test('default_rootless_network_cmd = "slirp4netns" in ~/.config/hull/containers.conf makes it the default network\'s', { skip: why }, async () => {
  const dir = join(dave.home, '.config', 'hull');
  await dave.run(['mkdir', '-p', dir]);
  const conf = join(dir, 'containers.conf');
  writeFileSync(conf, '[network]\ndefault_rootless_network_cmd = "slirp4netns"\n');
  chownSync(conf, dave.uid, dave.gid);
  try {
    assert.match(await dave.ok(['run', '--rm', 'busybox', 'ip', '-4', 'addr', 'show', 'tap0']), /inet 10\.0\.2\.100\/24/);
    assert.match(await dave.ok(['info']), /Network: slirp4netns .*default_rootless_network_cmd/);
    writeFileSync(conf, '[network]\ndefault_rootless_network_cmd = "vde"\n');
    const bad = await dave.hull(['run', '--rm', 'busybox', 'true']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /Cannot use default_rootless_network_cmd "vde" .*expected "pasta" or "slirp4netns"/);
  } finally {
    rmSync(conf, { force: true });
  }
  // Without the file, pasta again (it copies the host's addresses: no 10.0.2.100).
  assert.doesNotMatch(await dave.ok(['run', '--rm', 'busybox', 'ip', '-4', 'addr']), /10\.0\.2\.100/);
});

test('hull system service listens on $XDG_RUNTIME_DIR/hull/hull.sock for an ordinary user, and the docker CLI uses it', { skip: why }, async () => {
  const socket = join(dave.runtimeDir, 'hull', 'hull.sock');
  assert.match(await dave.ok(['info']), new RegExp(`APISocket: unix://${socket}:`));
  const argv = dave.argv([HULL_BIN, 'system', 'service', '--time', '0']);
  const service = spawn(argv[0] as string, argv.slice(1), { stdio: 'ignore' });
  try {
    await eventually(async () => assert.ok(existsSync(socket)), 'the socket appears');
    const docker = (args: string[]) => dave.run(['env', `DOCKER_HOST=unix://${socket}`, 'docker', ...args]);
    const hi = await eventually(async () => {
      const r = await docker(['run', '--rm', '--network', 'none', 'busybox', 'echo', 'hi-from-docker']);
      if (r.code !== 0) throw new Error(r.stderr);
      return r.stdout;
    }, 'docker run through the socket');
    assert.equal(hi, 'hi-from-docker\n');
    await dave.ok(['create', '--name', 'seen-by-docker', '--network', 'none', 'busybox', 'true']);
    const ps = await docker(['ps', '-a', '--format', '{{.Names}}']);
    assert.equal(ps.code, 0, ps.stderr);
    assert.match(ps.stdout, /^seen-by-docker$/m);
    await dave.ok(['rm', 'seen-by-docker']);
  } finally {
    service.kill('SIGTERM');
  }
});
