/**
 * Rootless mode end to end (docs/rootless.md): ordinary users, created for the test with their own
 * subordinate ID ranges, run the built hull. What a user would check: root inside is the user
 * outside, keep-id, bind-mount ownership, a published port, names on a user network, build,
 * push to a local registry, compose, the error without ranges, and that users cannot see or touch
 * each other's containers.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, chownSync, mkdirSync, statSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { busyboxTarball, HULL_BIN } from '../../src/testing/hull-cli.js';
import { createRootlessUser, rootlessUnsupported, type RootlessUser } from '../../src/testing/rootless-user.js';
import { eventually, getLocal } from '../../src/testing/wait.js';
import { freePort } from '../../src/registry-client/testing/reference-registry.js';

const why = rootlessUnsupported();
let alice: RootlessUser;
let bob: RootlessUser;

before(async () => {
  if (why) return;
  alice = createRootlessUser();
  bob = createRootlessUser();
  for (const u of [alice, bob]) {
    const tar = join(u.home, 'busybox.tar.gz');
    copyFileSync(busyboxTarball(), tar);
    chownSync(tar, u.uid, u.gid);
    await u.ok(['import', tar, 'busybox']);
  }
});

after(async () => {
  await alice?.remove();
  await bob?.remove();
});

test('hull info says rootless, where each store is and why', { skip: why }, async () => {
  const info = JSON.parse(await alice.ok(['info', '--format', 'json'])) as { Root: string; RunRoot: string; Rootless?: { UID: number; Layout: Record<string, string>; CgroupLimits: string } };
  assert.equal(info.Root, join(alice.home, '.local/share/hull'));
  assert.equal(info.RunRoot, join(alice.runtimeDir, 'hull'));
  assert.equal(info.Rootless?.UID, alice.uid);
  assert.match(info.Rootless?.Layout.Root ?? '', /XDG_DATA_HOME is unset/);
  assert.match(info.Rootless?.CgroupLimits ?? '', /cgroup/);
  const text = await alice.ok(['info']);
  assert.match(text, /^Rootless:\s+true$/m);
});

test('root in the container is the user on the host', { skip: why }, async () => {
  assert.match(await alice.ok(['run', '--rm', '--network', 'none', 'busybox', 'id']), /^uid=0\(root\) gid=0\(root\)/);
  await alice.ok(['run', '-d', '--name', 'sleeper', '--network', 'none', 'busybox', 'sleep', '300']);
  const pid = (await alice.ok(['inspect', '-f', '{{.State.Pid}}', 'sleeper'])).trim();
  assert.equal(execFileSync('ps', ['-o', 'user=', '-p', pid]).toString().trim(), alice.name);
  await alice.ok(['rm', '-f', 'sleeper']);
});

test('--userns keep-id runs as the user\'s own ID inside', { skip: why }, async () => {
  const out = await alice.ok(['run', '--rm', '--network', 'none', '--userns', 'keep-id', 'busybox', 'id', '-u']);
  assert.equal(out.trim(), String(alice.uid));
});

test('a file written to a bind mount is the user\'s on the host', { skip: why }, async () => {
  const dir = join(alice.home, 'data');
  mkdirSync(dir);
  chownSync(dir, alice.uid, alice.gid);
  await alice.ok(['run', '--rm', '--network', 'none', '-v', `${dir}:/data`, 'busybox', 'sh', '-c', 'echo hi > /data/f']);
  const st = statSync(join(dir, 'f'));
  assert.equal(st.uid, alice.uid);
  assert.equal(st.gid, alice.gid);
});

test('a rootless container cannot write a root-owned host file through a bind mount', { skip: why }, async () => {
  const dir = `/tmp/hull-rootless-rootdir-${alice.name}`;
  mkdirSync(dir, { mode: 0o755 });
  writeFileSync(join(dir, 'owned-by-root'), 'original\n', { mode: 0o644 });
  try {
    const r = await alice.hull(['run', '--rm', '--network', 'none', '-v', `${dir}:/d`, 'busybox', 'sh', '-c', 'echo changed > /d/owned-by-root; touch /d/new']);
    assert.notEqual(r.code, 0);
    assert.equal(readFileSync(join(dir, 'owned-by-root'), 'utf8'), 'original\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('logs, exec, cp, commit and a named volume work as the user', { skip: why }, async () => {
  await alice.ok(['run', '-d', '--name', 'worker', '--network', 'none', '-v', 'work:/v', 'busybox', 'sh', '-c', 'echo log-line; echo data > /v/x; sleep 300']);
  try {
    assert.match(await eventually(async () => {
      const out = await alice.ok(['logs', 'worker']);
      if (!out.includes('log-line')) throw new Error('no log yet');
      return out;
    }, 'logs'), /log-line/);
    assert.equal(await eventually(() => alice.ok(['exec', 'worker', 'cat', '/v/x']), 'exec'), 'data\n');
    await alice.ok(['cp', 'worker:/v/x', join(alice.home, 'x.out')]);
    assert.equal(statSync(join(alice.home, 'x.out')).uid, alice.uid);
    await alice.ok(['exec', 'worker', 'sh', '-c', 'echo committed > /c']);
    await alice.ok(['commit', 'worker', 'snap']);
    assert.equal(await alice.ok(['run', '--rm', '--network', 'none', 'snap', 'cat', '/c']), 'committed\n');
  } finally {
    await alice.ok(['rm', '-f', 'worker']);
    await alice.ok(['volume', 'rm', 'work']);
  }
});

test('a published port answers through the rootless network (pasta)', { skip: why }, async () => {
  const port = await freePort(); // asked of the kernel: a fixed number may be another test's ephemeral port
  await alice.ok(['run', '-d', '--name', 'web', '-p', `${port}:80`, 'busybox', 'sh', '-c', 'echo hello-rootless > /index.html; httpd -f -p 80 -h /']);
  try {
    assert.equal(await eventually(() => getLocal(port, '/index.html'), 'GET the published port'), 'hello-rootless\n');
    assert.match(await alice.ok(['port', 'web']), new RegExp(`80/tcp -> 0.0.0.0:${port}`));
  } finally {
    await alice.ok(['rm', '-f', 'web']);
  }
});

test('a port below the unprivileged start gets a clear error', { skip: why }, async () => {
  const r = await alice.hull(['run', '--rm', '-p', '80:80', 'busybox', 'true']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /may not bind ports below/);
  assert.match(r.stderr, /ip_unprivileged_port_start/);
});

test('two containers on a user network find each other by name', { skip: why }, async () => {
  await alice.ok(['network', 'create', 'appnet']);
  await alice.ok(['run', '-d', '--name', 'server', '--network', 'appnet', 'busybox', 'sh', '-c', 'echo from-server > /index.html; httpd -f -p 80 -h /']);
  try {
    const out = await eventually(() => alice.ok(['run', '--rm', '--network', 'appnet', 'busybox', 'sh', '-c', 'timeout 5 wget -qO- http://server/index.html']), 'fetch by name');
    assert.equal(out, 'from-server\n');
  } finally {
    await alice.ok(['rm', '-f', 'server']);
    await alice.ok(['network', 'rm', 'appnet']);
  }
});

test('a limit flag is refused on cgroup v1, not ignored', { skip: why }, async () => {
  const r = await alice.hull(['run', '--rm', '--network', 'none', '--memory', '64m', 'busybox', 'true']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /Cannot use --memory in rootless mode/);
});

test('build with RUN, push to a local registry, pull it back', { skip: why }, async () => {
  const ctx = join(alice.home, 'ctx');
  mkdirSync(ctx);
  writeFileSync(join(ctx, 'Containerfile'), 'FROM busybox\nRUN echo built > /built && chown 1000:1000 /built\nCMD ["cat", "/built"]\n');
  execFileSync('chown', ['-R', `${alice.uid}:${alice.gid}`, ctx]);
  await alice.ok(['build', '-t', 'made', '.'], { cwd: ctx });
  assert.equal(await alice.ok(['run', '--rm', '--network', 'none', 'made']), 'built\n');
  // Ownership inside the image survives the user namespace.
  assert.match(await alice.ok(['run', '--rm', '--network', 'none', 'made', 'stat', '-c', '%u:%g', '/built']), /^1000:1000$/m);
  // The registry server on a high port, run by the user.
  const port = await freePort();
  const registry: ChildProcess = spawn('runuser', ['-u', alice.name, '--', 'env', '-i', `HOME=${alice.home}`, 'PATH=/usr/bin:/bin:/usr/sbin:/sbin', `XDG_RUNTIME_DIR=${alice.runtimeDir}`, HULL_BIN, 'registry', 'serve', '--root', join(alice.home, 'registry'), '--addr', `127.0.0.1:${port}`], { stdio: 'ignore' });
  try {
    await eventually(() => getLocal(port, '/v2/'), 'registry up');
    await alice.ok(['tag', 'made', `localhost:${port}/made:1`]);
    await alice.ok(['push', `localhost:${port}/made:1`]);
    await alice.ok(['rmi', 'made', `localhost:${port}/made:1`]);
    await alice.ok(['pull', `localhost:${port}/made:1`]);
    assert.equal(await alice.ok(['run', '--rm', '--network', 'none', `localhost:${port}/made:1`]), 'built\n');
  } finally {
    registry.kill('SIGTERM');
  }
});

test('compose up: services reach each other by name', { skip: why }, async () => {
  const dir = join(alice.home, 'proj');
  mkdirSync(dir);
  writeFileSync(join(dir, 'compose.yaml'), [
    'services:',
    '  web:',
    '    image: busybox',
    '    command: sh -c "echo composed > /index.html; httpd -f -p 80 -h /"',
    '  client:',
    '    image: busybox',
    '    command: sh -c "until timeout 5 wget -qO- http://web/index.html; do sleep 0.5; done; sleep 300"',
    '',
  ].join('\n'));
  execFileSync('chown', ['-R', `${alice.uid}:${alice.gid}`, dir]);
  await alice.ok(['compose', 'up', '-d'], { cwd: dir });
  try {
    const logs = await eventually(async () => {
      const out = await alice.ok(['compose', 'logs', 'client'], { cwd: dir });
      if (!out.includes('composed')) throw new Error(`not yet: ${out}`);
      return out;
    }, 'client fetched web');
    assert.match(logs, /composed/);
  } finally {
    await alice.ok(['compose', 'down'], { cwd: dir });
  }
});

test('another user cannot list or remove the first user\'s containers', { skip: why }, async () => {
  await alice.ok(['create', '--name', 'private', '--network', 'none', 'busybox', 'true']);
  try {
    assert.doesNotMatch(await bob.ok(['ps', '-a']), /private/);
    const rm = await bob.hull(['rm', '-f', 'private']);
    assert.notEqual(rm.code, 0);
    assert.match(rm.stderr, /no such container/);
    // Pointing at alice's store is refused by the kernel (her data dir is hers alone).
    const peek = await bob.hull(['--root', join(alice.home, '.local/share/hull'), 'ps', '-a']);
    assert.notEqual(peek.code, 0);
    assert.match(await alice.ok(['ps', '-a']), /private/);
  } finally {
    await alice.ok(['rm', '-f', 'private']);
  }
});

test('a user without subordinate ranges gets the error and the fix', { skip: why }, async () => {
  const carol = createRootlessUser({ subids: false });
  try {
    const r = await carol.hull(['run', '--rm', 'busybox', 'true']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, new RegExp(`Cannot run rootless as user "${carol.name}": no subordinate user IDs in /etc/subuid`));
    assert.match(r.stderr, /usermod --add-subuids/);
  } finally {
    await carol.remove();
  }
});
