/**
 * Rootless storage and user namespaces end to end (docs/storage.md, docs/rootless.md), as an
 * ordinary user created for the test: the fuse-overlayfs driver (forced: this kernel's own overlay
 * works in a user namespace, so the chain would not reach it), a store that refuses another
 * driver, ownership through run/commit/build, no mount left behind by rm or a kill -9, the kernel
 * overlay's opaque directories in a user namespace, and keep-id's user inside the container.
 * Then fuse-overlayfs chosen by root.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, copyFileSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { busyboxTarball, createHullEnv, HULL_BIN } from '../../src/testing/hull-cli.js';
import { killIfStill } from '../../src/testing/kill-verified.js';
import { createRootlessUser, rootlessUnsupported, type RootlessUser } from '../../src/testing/rootless-user.js';
import { which } from '../../src/sys/which.js';
import { eventually } from '../../src/testing/wait.js';

const noFuse = which('fuse-overlayfs') ? undefined : 'fuse-overlayfs is not installed';
const why = rootlessUnsupported() ?? noFuse;
let carol: RootlessUser;

/** The fuse-overlayfs mounts in the user's namespace, and the user's fuse-overlayfs daemons. */
async function fuseLeft(u: RootlessUser): Promise<{ mounts: string[]; daemons: number[] }> {
  const mountinfo = await u.ok(['unshare', 'cat', '/proc/self/mountinfo']);
  const mounts = mountinfo.split('\n').filter((l) => l.includes(' - fuse.fuse-overlayfs '));
  const daemons = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).flatMap((p) => {
    try {
      return statSync(`/proc/${p}`).uid === u.uid && readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'fuse-overlayfs' ? [Number(p)] : [];
    } catch {
      return [];
    }
  });
  return { mounts, daemons };
}

async function noFuseLeft(u: RootlessUser, what: string): Promise<void> {
  await eventually(async () => {
    const left = await fuseLeft(u);
    if (left.mounts.length > 0 || left.daemons.length > 0) throw new Error(`left: ${JSON.stringify(left)}`);
  }, what);
}

function subordinateStart(u: RootlessUser): number {
  const line = readFileSync('/etc/subuid', 'utf8').split('\n').find((l) => l.startsWith(`${u.name}:`));
  return Number(line?.split(':')[1]);
}

before(async () => {
  if (why) return;
  carol = createRootlessUser();
  const tar = join(carol.home, 'busybox.tar.gz');
  copyFileSync(busyboxTarball(), tar);
  chownSync(tar, carol.uid, carol.gid);
  // The first command creates the store: with the fuse-overlayfs driver, asked for.
  await carol.ok(['--storage-driver', 'fuse-overlayfs', 'import', tar, 'busybox']);
});

after(async () => {
  await carol?.remove();
});

test('hull info shows the fuse-overlayfs driver and why; another driver for the store is refused', { skip: why }, async () => {
  const info = JSON.parse(await carol.ok(['info', '--format', 'json'])) as { Driver: string; DriverReason: string };
  assert.equal(info.Driver, 'fuse-overlayfs');
  assert.match(info.DriverReason, /requested .*fuse-overlayfs test mount succeeded/);
  const r = await carol.hull(['--storage-driver', 'overlay', 'images']); // any command, not only one that mounts
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Cannot use storage driver "overlay" for ".*": the store was created with "fuse-overlayfs"/);
  assert.match(await carol.ok(['images']), /busybox/, 'the refusal changed nothing');
  const bad = await carol.hull(['--storage-driver', 'zfs', 'info']);
  assert.match(bad.stderr, /Cannot use storage driver "zfs": unknown driver/);
});

test('fuse-overlayfs: a container writes, files keep their owner on the host and through commit; rm leaves no mount', { skip: why }, async () => {
  const id = (await carol.ok(['run', '-d', '--name', 'writer', '--network', 'none', 'busybox', 'sleep', '300'])).trim();
  try {
    await carol.ok(['exec', 'writer', 'sh', '-c', 'echo written > /f && chown 1234:1234 /f && rm /etc/shadow; true']);
    const mount = (await fuseLeft(carol)).mounts;
    assert.equal(mount.length, 1, 'one fuse-overlayfs mount while it runs');
    assert.match(mount[0] as string, new RegExp(`/containers/${id}/rootfs `));
    // uid 1234 inside is subordinate ID start+1233 on the host (0 is the user itself).
    const upper = join(carol.home, '.local/share/hull/snapshots/overlay/views', id, 'upper');
    assert.equal(statSync(join(upper, 'f')).uid, subordinateStart(carol) + 1233);
    await carol.ok(['commit', 'writer', 'written']);
    assert.equal(await carol.ok(['run', '--rm', '--network', 'none', 'written', 'stat', '-c', '%u:%g %n', '/f']), '1234:1234 /f\n');
  } finally {
    await carol.ok(['rm', '-f', 'writer']);
  }
  await noFuseLeft(carol, 'after rm');
});

test('fuse-overlayfs: build with RUN steps (a removed lower directory, a whiteout, USER)', { skip: why }, async () => {
  const ctx = join(carol.home, 'ctx-build');
  mkdirSync(ctx);
  writeFileSync(join(ctx, 'Containerfile'), [
    'FROM busybox',
    'RUN mkdir /d && touch /d/a && echo gone > /g && echo app:x:1234:1234::/:/bin/sh >> /etc/passwd',
    'RUN rm -rf /d /g && mkdir /d && touch /d/c && mkdir /data && chown 1234:1234 /data',
    'USER app',
    'RUN echo y > /data/y',
  ].join('\n'));
  chownSync(ctx, carol.uid, carol.gid);
  chownSync(join(ctx, 'Containerfile'), carol.uid, carol.gid);
  await carol.ok(['build', '-t', 'layered', '.'], { cwd: ctx });
  assert.equal(await carol.ok(['run', '--rm', '--network', 'none', 'layered', 'sh', '-c', 'ls /d; test -e /g || echo no-g; stat -c %u /data/y; id -u']), 'c\nno-g\n1234\n1234\n');
  // hull diff reads fuse-overlayfs's markers (it may write the opaque one as a file too).
  await carol.ok(['run', '-d', '--name', 'differ', '--network', 'none', '--user', '0', 'layered', 'sleep', '300']);
  try {
    await carol.ok(['exec', 'differ', 'sh', '-c', 'rm -rf /data && mkdir /data && touch /data/n']);
    assert.equal(await carol.ok(['diff', 'differ']), 'C /data\nA /data/n\nD /data/y\n');
  } finally {
    await carol.ok(['rm', '-f', 'differ']);
  }
  await noFuseLeft(carol, 'after build and run --rm');
});

test('fuse-overlayfs: a container whose monitor and init were killed -9 leaves no mount past the next ps', { skip: why }, async () => {
  const mark = `kill9mark${process.pid}`;
  const id = (await carol.ok(['run', '-d', '--name', 'killed', '--network', 'none', 'busybox', 'sh', '-c', `sleep 300; echo ${mark}`])).trim();
  const pid = Number((await carol.ok(['inspect', '-f', '{{.State.Pid}}', 'killed'])).trim());
  const conmon = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
  assert.ok(killIfStill(conmon, id), 'the monitor was killed');
  assert.ok(killIfStill(pid, mark), 'the init was killed');
  await eventually(async () => {
    if (existsProc(pid)) throw new Error('init still there');
  }, 'init gone');
  assert.match(await carol.ok(['ps', '-a']), /Exited \(255\)/);
  assert.deepEqual((await fuseLeft(carol)).mounts, []);
  await carol.ok(['rm', 'killed']);
  await noFuseLeft(carol, 'after the kill');
});

test('fuse-overlayfs: a build killed -9 in a RUN step leaves no mount past the next ps', { skip: why }, async () => {
  const mark = `buildkill${process.pid}`;
  const ctx = join(carol.home, `ctx-${mark}`);
  mkdirSync(ctx);
  writeFileSync(join(ctx, 'Containerfile'), `FROM busybox\nRUN sleep 300; echo ${mark}\n`);
  const [cmd, ...args] = carol.argv([HULL_BIN, 'build', '-t', 'never', ctx]);
  const child = spawn(cmd as string, args, { stdio: 'ignore' });
  try {
    // The step runs: its shell's command line carries the mark.
    await eventually(async () => {
      if (pidsOf(carol, mark, 'sh').length === 0) throw new Error('the RUN step has not started');
    }, 'RUN step running', 60_000);
    const builders = pidsOf(carol, ctx, 'node');
    assert.ok(builders.length > 0, 'the building hull process');
    for (const p of builders) killIfStill(p, ctx);
    assert.ok((await fuseLeft(carol)).mounts.length > 0, 'the killed build left its view mounted');
    await carol.ok(['ps', '-a']);
    await noFuseLeft(carol, 'after the next ps');
    assert.deepEqual(pidsOf(carol, mark, 'sh'), [], 'the step container is gone too');
  } finally {
    child.kill('SIGKILL');
  }
});

/** The user's processes named `comm` whose command line includes `mark`. */
function pidsOf(u: RootlessUser, mark: string, comm: string): number[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).flatMap((p) => {
    try {
      const mine = statSync(`/proc/${p}`).uid === u.uid || readFileSync(`/proc/${p}/status`, 'utf8').includes(`\nUid:\t${u.uid}\t`);
      return mine && readFileSync(`/proc/${p}/comm`, 'utf8').trim() === comm && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(mark) && existsProc(Number(p)) ? [Number(p)] : [];
    } catch {
      return [];
    }
  });
}

function existsProc(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

test('kernel overlay in a user namespace: a lower directory removed and made again (opaque) in a build; keep-id keeps owners', { skip: why }, async () => {
  const store = ['--root', join(carol.home, 'kernel-store'), '--runroot', join(carol.runtimeDir, 'kernel-run')];
  await carol.ok([...store, 'import', join(carol.home, 'busybox.tar.gz'), 'busybox']);
  const info = JSON.parse(await carol.ok([...store, 'info', '--format', 'json'])) as { Driver: string; DriverReason: string };
  assert.equal(info.Driver, 'overlay');
  const ctx = join(carol.home, 'ctx-opaque');
  mkdirSync(ctx);
  writeFileSync(join(ctx, 'Containerfile'), 'FROM busybox\nRUN mkdir /d && touch /d/a\nRUN rm -rf /d && mkdir /d && touch /d/c\n');
  chownSync(ctx, carol.uid, carol.gid);
  await carol.ok([...store, 'build', '-t', 'opaque', '.'], { cwd: ctx });
  assert.equal(await carol.ok([...store, 'run', '--rm', '--network', 'none', 'opaque', 'ls', '/d']), 'c\n');
  // keep-id on a kernel-overlay store: the view is mounted by fuse-overlayfs, shifted, so the
  // image's owners stay theirs; what the user writes is the user's, also in a commit.
  await carol.ok([...store, 'run', '-d', '--name', 'kept-kernel', '--network', 'none', '--userns', 'keep-id', 'busybox', 'sleep', '300']);
  try {
    assert.equal(await carol.ok([...store, 'exec', 'kept-kernel', 'sh', '-c', 'echo mine > $HOME/mine; stat -c %u:%g /etc/passwd $HOME/mine']), `0:0\n${carol.uid}:${carol.gid}\n`);
    await carol.ok([...store, 'commit', 'kept-kernel', 'kept-image']);
  } finally {
    await carol.ok([...store, 'rm', '-f', 'kept-kernel']);
  }
  assert.equal(await carol.ok([...store, 'run', '--rm', '--network', 'none', 'kept-image', 'stat', '-c', '%u', '/etc/passwd', `${carol.home}/mine`]), `0\n${carol.uid}\n`);
});

test('keep-id: the user is known inside; exec as the user by name or uid, or as root with --user 0', { skip: why }, async () => {
  await carol.ok(['run', '-d', '--name', 'kept', '--network', 'none', '--userns', 'keep-id', 'busybox', 'sleep', '300']);
  try {
    const me = `uid=${carol.uid}(${carol.name}) gid=${carol.gid}(${carol.name})`;
    assert.equal((await carol.ok(['exec', 'kept', 'id'])).trim(), me);
    assert.equal((await carol.ok(['exec', '--user', String(carol.uid), 'kept', 'id'])).trim(), me);
    assert.equal((await carol.ok(['exec', '--user', carol.name, 'kept', 'id'])).trim(), me);
    assert.match(await carol.ok(['exec', '--user', '0', 'kept', 'id']), /^uid=0\(root\) gid=0\(root\)/);
    assert.equal(await carol.ok(['exec', 'kept', 'sh', '-c', 'echo $HOME; touch $HOME/x && echo writable']), `${carol.home}\nwritable\n`);
    // The image's owners stay theirs inside (the view is shifted back): root's files are root's.
    assert.equal(await carol.ok(['exec', 'kept', 'stat', '-c', '%u:%g', '/etc/passwd', '/bin', carol.home]), `0:0\n0:0\n${carol.uid}:${carol.gid}\n`);
  } finally {
    await carol.ok(['rm', '-f', 'kept']);
  }
  assert.match(await carol.ok(['run', '--rm', '--network', 'none', '--userns', 'keep-id', '--user', '0', 'busybox', 'id']), /^uid=0\(root\)/);
});

test('root may choose fuse-overlayfs too ($HULL_STORAGE_DRIVER): run, commit, rm leaves no mount', { skip: noFuse ?? (process.getuid?.() === 0 ? undefined : 'needs root') }, async () => {
  const env = createHullEnv();
  try {
    await env.ok(['import', busyboxTarball(), 'busybox'], { env: { ...process.env, HULL_STORAGE_DRIVER: 'fuse-overlayfs' } });
    assert.match(await env.ok(['info']), /^Driver:\s+fuse-overlayfs$/m);
    await env.ok(['run', '-d', '--name', 'rootfuse', '--network', 'none', 'busybox', 'sleep', '300']);
    await env.ok(['exec', 'rootfuse', 'sh', '-c', 'echo r > /r && chown 42:43 /r']);
    await env.ok(['commit', 'rootfuse', 'rootfused']);
    assert.equal(await env.ok(['run', '--rm', '--network', 'none', 'rootfused', 'stat', '-c', '%u:%g', '/r']), '42:43\n');
    await env.ok(['rm', '-f', 'rootfuse']);
    assert.equal(readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(env.dir)).length, 0);
  } finally {
    await env.cleanup();
  }
});
