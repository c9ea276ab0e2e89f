/**
 * Multi-platform images against real registries (Debian's docker-registry) and a real client
 * (skopeo): `hull manifest create/add/inspect/push` of busybox (this host) and an arm64 image
 * (built FROM scratch with --platform, no emulation needed), what skopeo sees, `pull --platform`
 * of the pushed list, `pull --all-platforms` + push to a second registry keeping the index digest,
 * GC keeping what a list references, and the errors of bad input.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHullEnv, hullWithBusybox, runProcess, type HullEnv } from '../../src/testing/hull-cli.js';
import { haveReferenceRegistry, startReferenceRegistry, type ReferenceRegistry } from '../../src/registry-client/testing/reference-registry.js';

const skip = haveReferenceRegistry() && process.arch === 'x64' ? false : 'needs docker-registry (scripts/setup.sh) on an amd64 host';
let env: HullEnv;
let reg: ReferenceRegistry;
let mirror: ReferenceRegistry;

interface Index {
  mediaType: string;
  manifests: Array<{ digest: string; mediaType: string; platform?: { os: string; architecture: string; variant?: string } }>;
}

async function skopeoRaw(ref: string): Promise<Buffer> {
  const r = await runProcess(['skopeo', 'inspect', '--raw', '--tls-verify=false', `docker://${ref}`]);
  assert.equal(r.code, 0, r.stderr);
  return Buffer.from(r.stdout, 'utf8');
}

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

before(async () => {
  if (skip) return;
  env = await hullWithBusybox();
  [reg, mirror] = await Promise.all([startReferenceRegistry(), startReferenceRegistry()]);
  const ctx = join(env.dir, 'ctx');
  mkdirSync(ctx, { recursive: true });
  writeFileSync(join(ctx, 'hello'), 'from arm64\n');
  writeFileSync(join(ctx, 'Containerfile'), 'FROM scratch\nCOPY hello /hello\n');
  await env.ok(['build', '-q', '--platform', 'linux/arm64', '-t', 'app:arm64', ctx]);
});
after(async () => {
  await env?.cleanup();
  await Promise.all([reg?.close(), mirror?.close()]);
});

test('manifest create/add/inspect/push: skopeo sees an index of both platforms, pull --platform gets each', { skip }, async () => {
  const list = `${reg.host}/multi/app:1`;
  const armId = (await env.ok(['inspect', '-f', '{{.Id}}', 'app:arm64'])).trim();
  const bbId = (await env.ok(['inspect', '-f', '{{.Id}}', 'busybox'])).trim();
  await env.ok(['manifest', 'create', list, 'busybox']);
  await env.ok(['manifest', 'add', '--variant', 'v8', '--annotation', 'team=hull', list, 'app:arm64']);
  const local = JSON.parse(await env.ok(['manifest', 'inspect', list])) as Index;
  assert.equal(local.mediaType, 'application/vnd.oci.image.index.v1+json');
  assert.deepEqual(local.manifests.map((m) => m.platform), [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }]);
  assert.equal((await env.hull(['manifest', 'exists', list])).code, 0);
  assert.equal((await env.hull(['manifest', 'exists', 'busybox'])).code, 1, 'an image is not a list');
  // podman shows lists as images; run of the list runs this host's image.
  assert.match(await env.ok(['images', '--format', '{{.Repository}}:{{.Tag}}']), new RegExp(`${reg.host}/multi/app:1`));
  assert.equal(await env.ok(['run', '--rm', list, 'echo', 'host image']), 'host image\n');
  const saved = join(env.dir, 'list.tar');
  await env.ok(['save', '-o', saved, list]);
  const archived = await runProcess(['skopeo', 'inspect', `docker-archive:${saved}`]);
  assert.equal(archived.code, 0, archived.stderr);
  assert.equal((JSON.parse(archived.stdout) as { Architecture: string }).Architecture, 'amd64', 'save of a list writes the host image');

  // The arm64 image loses its name: the list still references it, so GC keeps its blobs.
  await env.ok(['rmi', 'app:arm64']);
  const pushed = await env.hull(['manifest', 'push', list]);
  assert.equal(pushed.code, 0, pushed.stderr);
  const digest = pushed.stdout.trim();
  const raw = await skopeoRaw(list);
  assert.equal(sha(raw), digest, 'the registry serves the index hull pushed, byte for byte');
  const remote = JSON.parse(raw.toString('utf8')) as Index;
  assert.deepEqual(remote.manifests.map((m) => `${m.platform?.os}/${m.platform?.architecture}`), ['linux/amd64', 'linux/arm64']);
  assert.equal(JSON.parse(await env.ok(['manifest', 'inspect', '--tls-verify=false', `${reg.host}/multi/app@${digest}`])).manifests.length, 2);

  const fresh = createHullEnv();
  try {
    assert.equal((await fresh.ok(['pull', '-q', '--platform', 'linux/arm64', list])).trim(), armId);
    assert.equal((await fresh.ok(['inspect', '-f', '{{.Architecture}}', list])).trim(), 'arm64');
    await fresh.ok(['rmi', list]);
    assert.equal((await fresh.ok(['pull', '-q', list])).trim(), bbId, 'this host gets busybox');
  } finally {
    await fresh.cleanup();
  }
  const check = await env.hull(['system', 'check']);
  assert.equal(check.code, 0, check.stdout + check.stderr);
});

test('pull --all-platforms then push to another registry keeps the index digest; every platform is there', { skip }, async () => {
  // A source made by skopeo copy --all from what the first test pushed: a real multi-platform index.
  const source = `${reg.host}/multi/app:1`;
  const sourceDigest = sha(await skopeoRaw(source));
  const fresh = createHullEnv();
  try {
    const pulled = await fresh.hull(['pull', '--all-platforms', source]);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.equal(pulled.stdout.trim(), sourceDigest, 'the record is the index');
    const packed = await fresh.hull(['system', 'check']);
    assert.equal(packed.code, 0, `nothing unpacked yet is not damage: ${packed.stdout}`);
    assert.equal(await fresh.ok(['run', '--rm', source, 'echo', 'unpacked on first run']), 'unpacked on first run\n');
    const dest = `${mirror.host}/mirror/app:1`;
    const pushed = await fresh.hull(['push', source, dest]);
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.match(pushed.stdout, new RegExp(`digest: ${sourceDigest}`));
    const raw = await skopeoRaw(dest);
    assert.equal(sha(raw), sourceDigest, 'the mirror serves the same index');
    const copy = await runProcess(['skopeo', 'copy', '--all', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${dest}`, `oci:${join(fresh.dir, 'layout')}:x`]);
    assert.equal(copy.code, 0, copy.stderr);
    const check = await fresh.hull(['system', 'check', '--verify-blobs']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    // A container of the list keeps its layers when the list goes (rmi -f runs GC).
    await fresh.ok(['create', '--name', 'from-list', source, 'echo', 'still here']);
    await fresh.ok(['rmi', '-f', source]);
    assert.equal((await fresh.ok(['images', '-q'])).trim(), '');
    assert.equal(await fresh.ok(['start', '-a', 'from-list']), 'still here\n');
    await fresh.ok(['rm', 'from-list']);
  } finally {
    await fresh.cleanup();
  }
});

test('a Docker manifest list (skopeo copy --all --format v2s2) keeps its type and digest through pull --all-platforms and push', { skip }, async () => {
  const docker = `${reg.host}/multi/docker:1`;
  const copy = await runProcess(['skopeo', 'copy', '--all', '--format', 'v2s2', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${reg.host}/multi/app:1`, `docker://${docker}`]);
  assert.equal(copy.code, 0, copy.stderr);
  const raw = await skopeoRaw(docker);
  assert.equal((JSON.parse(raw.toString('utf8')) as Index).mediaType, 'application/vnd.docker.distribution.manifest.list.v2+json');
  const fresh = createHullEnv();
  try {
    assert.equal((await fresh.ok(['pull', '-q', '--all-platforms', docker])).trim(), sha(raw));
    await fresh.ok(['push', docker, `${mirror.host}/mirror/docker:1`]);
    const mirrored = await skopeoRaw(`${mirror.host}/mirror/docker:1`);
    assert.equal(sha(mirrored), sha(raw));
  } finally {
    await fresh.cleanup();
  }
});

test('manifest create/add of docker:// references fetches them (no pull), and the list pushes without the source', { skip }, async () => {
  const source = `${reg.host}/multi/app:1`;
  const remote = JSON.parse((await skopeoRaw(source)).toString('utf8')) as Index;
  const arm = remote.manifests.find((m) => m.platform?.architecture === 'arm64')!;
  const fresh = createHullEnv();
  try {
    await fresh.ok(['manifest', 'create', 'lists/remote:1', `docker://${reg.host}/multi/app@${arm.digest}`]);
    let index = JSON.parse(await fresh.ok(['manifest', 'inspect', 'lists/remote:1'])) as Index;
    assert.deepEqual(index.manifests.map((m) => [m.digest, m.platform?.architecture]), [[arm.digest, 'arm64']], 'a single manifest: the platform from its config');
    await fresh.ok(['manifest', 'add', '--all', 'lists/remote:1', `docker://${source}`]);
    index = JSON.parse(await fresh.ok(['manifest', 'inspect', 'lists/remote:1'])) as Index;
    assert.deepEqual(index.manifests.map((m) => m.platform?.architecture).sort(), ['amd64', 'arm64'], 'the arm64 entry is replaced, not doubled');
    const missing = await fresh.hull(['manifest', 'add', 'lists/remote:1', `docker://${reg.host}/multi/nothing:1`]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /Cannot add "127\.0\.0\.1:\d+\/multi\/nothing:1" to a manifest list/);
    const digest = (await fresh.ok(['manifest', 'push', '--rm', 'lists/remote:1', `${mirror.host}/mirror/remote:1`])).trim();
    assert.equal(sha(await skopeoRaw(`${mirror.host}/mirror/remote:1`)), digest);
    assert.equal((await fresh.hull(['manifest', 'exists', 'lists/remote:1'])).code, 1, '--rm removed the local list');
    const check = await fresh.hull(['system', 'check', '--verify-blobs']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
  } finally {
    await fresh.cleanup();
  }
});

test('manifest add run at once from several processes: every image lands in the list', { skip }, async () => {
  const ctx = join(env.dir, 'ctx');
  const arches = ['s390x', 'ppc64le', 'riscv64'];
  for (const arch of arches) await env.ok(['build', '-q', '--platform', `linux/${arch}`, '-t', `app:${arch}`, ctx]);
  await env.ok(['manifest', 'create', 'lists/concurrent:1']);
  await Promise.all([...arches.map((a) => env.ok(['manifest', 'add', 'lists/concurrent:1', `app:${a}`])), env.ok(['manifest', 'add', 'lists/concurrent:1', 'busybox'])]);
  const index = JSON.parse(await env.ok(['manifest', 'inspect', 'lists/concurrent:1'])) as Index;
  assert.deepEqual(index.manifests.map((m) => m.platform?.architecture).sort(), ['amd64', ...arches].sort());
  const s390 = index.manifests.find((m) => m.platform?.architecture === 's390x')!;
  await env.ok(['manifest', 'remove', 'lists/concurrent:1', s390.digest]);
  assert.equal((JSON.parse(await env.ok(['manifest', 'inspect', 'lists/concurrent:1'])) as Index).manifests.length, 3);
  assert.equal((await env.ok(['images', '--format', '{{.Repository}}:{{.Tag}}'])).split('\n').filter((l) => l.startsWith('lists/concurrent')).length, 1, 'old versions of the list are gone');
  await env.ok(['manifest', 'rm', 'lists/concurrent:1']);
});

test('bad input: a missing image, an unknown list, a taken name, an image used as a list', { skip }, async () => {
  const add = await env.hull(['manifest', 'create', 'lists/bad:1', 'no-such-image:9']);
  assert.notEqual(add.code, 0);
  assert.match(add.stderr, /Cannot add "no-such-image:9" to a manifest list: no such image in the local store/);
  assert.match(add.stderr, /docker:\/\/no-such-image:9/, 'the hint names the remote form');
  assert.equal((await env.hull(['manifest', 'exists', 'lists/bad:1'])).code, 1, 'a failed create records nothing');
  const push = await env.hull(['manifest', 'push', 'lists/unknown:1', `${reg.host}/x/y:1`]);
  assert.notEqual(push.code, 0);
  assert.match(push.stderr, /Cannot find manifest list "lists\/unknown:1"/);
  await env.ok(['manifest', 'create', 'lists/empty:1']);
  const taken = await env.hull(['manifest', 'create', 'lists/empty:1']);
  assert.match(taken.stderr, /an image or list of that name exists/);
  const emptyPush = await env.hull(['manifest', 'push', 'lists/empty:1', `${reg.host}/x/empty:1`]);
  assert.match(emptyPush.stderr, /it is empty/);
  const notList = await env.hull(['manifest', 'add', 'busybox', 'busybox']);
  assert.match(notList.stderr, /Cannot use "busybox" as a manifest list: it is an image/);
  const badArch = await env.hull(['manifest', 'add', '--arch', 'ARM\u001b[31m', 'lists/empty:1', 'busybox']);
  assert.match(badArch.stderr, /Cannot use --arch/);
  assert.match(await env.ok(['images', '--format', '{{.Repository}}']), /lists\/empty/, 'an empty list lists');
  const check = await env.hull(['system', 'check']);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  await env.ok(['manifest', 'rm', 'lists/empty:1']);
  assert.equal((await env.hull(['manifest', 'exists', 'lists/empty:1'])).code, 1);
  const rmImage = await env.hull(['manifest', 'rm', 'busybox']);
  assert.match(rmImage.stderr, /it is an image/, 'manifest rm leaves images alone');
});

test('a malformed index from a registry is refused by pull, pull --all-platforms and inspect; nothing is stored', { skip }, async () => {
  // docker-registry accepts an index whose platform lacks its architecture (its children exist).
  const remote = JSON.parse((await skopeoRaw(`${reg.host}/multi/app:1`)).toString('utf8')) as Index;
  const child = remote.manifests[0]!;
  const bad = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: child.mediaType, digest: child.digest, size: 1, platform: { os: 'linux' } }] });
  const put = await fetch(`http://${reg.host}/v2/multi/app/manifests/bad`, { method: 'PUT', headers: { 'Content-Type': 'application/vnd.oci.image.index.v1+json' }, body: bad });
  assert.equal(put.status, 201, await put.text());
  const fresh = createHullEnv();
  try {
    for (const args of [['pull', '--all-platforms'], ['pull'], ['manifest', 'inspect', '--tls-verify=false']]) {
      const r = await fresh.hull([...args, `${reg.host}/multi/app:bad`]);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, /platform needs os and architecture/, args.join(' '));
    }
    assert.equal((await fresh.ok(['images', '-q'])).trim(), '');
    const check = await fresh.hull(['system', 'check']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
  } finally {
    await fresh.cleanup();
  }
});
