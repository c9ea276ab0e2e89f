/**
 * Interoperability with skopeo and podman through the reference registry: skopeo pushes a
 * multi-layer OCI image (and a Docker schema2 conversion) that hull pulls and runs; hull pushes
 * an image that skopeo inspects and copies and podman pulls; a multi-platform index where hull
 * picks the host's platform by default and another with --platform.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { busyboxTarball, createHullEnv, hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';
import { haveReferenceRegistry, startReferenceRegistry, type ReferenceRegistry } from '../../src/registry-client/testing/reference-registry.js';
import { buildImage, buildIndex, digestOf, layerFromFiles, layerFromGzip, writeOciLayout } from '../../src/registry-client/testing/images.js';
import { hostPlatform } from '../../src/oci/platform.js';
import { which } from '../../src/sys/which.js';

const exec = promisify(execFile);
const skip = !haveReferenceRegistry() ? 'docker-registry is not installed (scripts/setup.sh installs it)' : !which('skopeo') ? 'skopeo is not installed' : false;
let env: HullEnv;
let reg: ReferenceRegistry;

async function sh(bin: string, args: string[]): Promise<string> {
  try {
    return (await exec(bin, args, { maxBuffer: 64 << 20 })).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${bin} ${args.join(' ')}: ${e.stderr ?? e.message}`, { cause: err });
  }
}

before(async () => {
  if (skip) return;
  env = await hullWithBusybox();
  reg = await startReferenceRegistry();
});
after(async () => {
  await env?.cleanup();
  await reg?.close();
});

describe('skopeo pushes, hull pulls', { skip }, () => {
  test('a three-layer OCI image, layers applied in order, and its Docker schema2 conversion', async () => {
    const layers = [
      layerFromGzip(readFileSync(busyboxTarball())),
      await layerFromFiles({ 'etc/motd': 'layer two\n', 'data/a.txt': 'a\n' }),
      await layerFromFiles({ 'etc/motd': 'layer three wins\n', 'data/b.txt': 'b\n' }),
    ];
    const img = buildImage(layers, hostPlatform());
    const layout = join(env.dir, 'layout-three');
    writeOciLayout(layout, img.blobs, { bytes: img.manifest, mediaType: 'application/vnd.oci.image.manifest.v1+json' }, 'v1');
    await sh('skopeo', ['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${reg.host}/interop/three:oci`]);
    await sh('skopeo', ['copy', '--dest-tls-verify=false', '--format', 'v2s2', `oci:${layout}:v1`, `docker://${reg.host}/interop/three:v2s2`]);
    const fresh = createHullEnv();
    try {
      for (const tag of ['oci', 'v2s2']) {
        const name = `${reg.host}/interop/three:${tag}`;
        const r = await fresh.hull(['pull', name]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout.trim(), img.configDigest, 'the image ID is the config digest');
        assert.equal(await fresh.ok(['run', '--rm', name, 'sh', '-c', 'cat /etc/motd /data/a.txt /data/b.txt']), 'layer three wins\na\nb\n');
      }
      const [inspected] = JSON.parse(await fresh.ok(['inspect', '--type', 'image', `${reg.host}/interop/three:oci`])) as Array<{ RootFS: { Layers: string[] } }>;
      assert.deepEqual(inspected?.RootFS.Layers, layers.map((l) => l.diffId));
    } finally {
      await fresh.cleanup();
    }
  });

  test('a multi-platform index: the host platform by default, another with --platform', async () => {
    const busybox = layerFromGzip(readFileSync(busyboxTarball()));
    const host = hostPlatform();
    const other = host.architecture === 'arm64' ? { os: 'linux', architecture: 'amd64' } : { os: 'linux', architecture: 'arm64', variant: 'v8' };
    const mine = buildImage([busybox], host);
    const theirs = buildImage([busybox], other);
    const { index } = buildIndex([{ image: mine, platform: host }, { image: theirs, platform: other }]);
    const layout = join(env.dir, 'layout-multi');
    writeOciLayout(layout, [...mine.blobs, ...theirs.blobs], { bytes: index, mediaType: 'application/vnd.oci.image.index.v1+json' }, 'multi');
    await sh('skopeo', ['copy', '--all', '--dest-tls-verify=false', `oci:${layout}:multi`, `docker://${reg.host}/interop/multi:1`]);
    const name = `${reg.host}/interop/multi:1`;
    const a = createHullEnv();
    const b = createHullEnv();
    try {
      const def = await a.hull(['pull', name]);
      assert.equal(def.code, 0, def.stderr);
      assert.equal(def.stdout.trim(), mine.configDigest);
      const [ia] = JSON.parse(await a.ok(['inspect', '--type', 'image', name])) as Array<{ Architecture: string }>;
      assert.equal(ia?.Architecture, host.architecture);
      assert.equal(await a.ok(['run', '--rm', name, 'echo', 'native']), 'native\n');

      const picked = await b.hull(['pull', '--platform', `${other.os}/${other.architecture}`, name]);
      assert.equal(picked.code, 0, picked.stderr);
      assert.match(picked.stderr, new RegExp(`Selected ${other.os}/${other.architecture}`));
      const [ib] = JSON.parse(await b.ok(['inspect', '--type', 'image', name])) as Array<{ Architecture: string; RepoDigests: string[] }>;
      assert.equal(ib?.Architecture, other.architecture);
      assert.equal(ib?.RepoDigests[0], `${name.slice(0, name.lastIndexOf(':'))}@${theirs.manifestDigest}`, 'the platform manifest is stored');

      const none = await b.hull(['pull', '--platform', 'linux/s390x', name]);
      assert.equal(none.code, 125);
      assert.match(none.stderr, /no image for platform linux\/s390x \(the index offers linux\/(amd64|arm64)/);
      assert.match(none.stderr, /hint: choose one with --platform/);
    } finally {
      await a.cleanup();
      await b.cleanup();
    }
  });
});

describe('hull pushes, skopeo and podman read', { skip }, () => {
  test('skopeo inspects and copies what hull pushed, byte for byte', async () => {
    const name = `${reg.host}/interop/from-hull:1`;
    await env.ok(['tag', 'busybox', name]);
    const pushed = await env.ok(['push', name]);
    const digest = /digest: (sha256:[a-f0-9]{64})/.exec(pushed)?.[1];
    const info = JSON.parse(await sh('skopeo', ['inspect', '--tls-verify=false', `docker://${name}`])) as { Digest: string; Architecture: string };
    assert.equal(info.Digest, digest);
    const out = join(env.dir, 'skopeo-out');
    await sh('skopeo', ['copy', '--src-tls-verify=false', `docker://${name}`, `oci:${out}:copied`]);
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    assert.equal(index.manifests[0]?.digest, digest);
    const manifest = readFileSync(join(out, 'blobs/sha256', (digest ?? '').slice(7)));
    assert.equal(digestOf(manifest), digest);
  });

  test('podman pulls what hull pushed (and runs it when this host lets podman run)', { skip: which('podman') ? false : 'podman is not installed' }, async (t) => {
    const name = `${reg.host}/interop/from-hull:1`;
    const store = ['--root', join(env.dir, 'podman/root'), '--runroot', join(env.dir, 'podman/runroot'), '--storage-driver', 'vfs'];
    mkdirSync(join(env.dir, 'podman'), { recursive: true });
    t.after(async () => {
      await exec('podman', [...store, 'rmi', '-af']).catch(() => {});
    });
    await sh('podman', [...store, 'pull', '-q', '--tls-verify=false', name]);
    const inspected = JSON.parse(await sh('podman', [...store, 'image', 'inspect', name])) as Array<{ Id: string }>;
    const hullId = JSON.parse(await env.ok(['inspect', '--format', '{{json .Id}}', name])) as string;
    assert.equal(`sha256:${inspected[0]?.Id}`, hullId, 'podman sees the same image ID');
    try {
      const ran = await sh('podman', [...store, 'run', '--rm', '--runtime', 'runc', '--network', 'none', '--ulimit', 'nofile=1024:1024', name, 'echo', 'ok']);
      assert.equal(ran, 'ok\n');
    } catch (err) {
      t.diagnostic(`podman run is not possible here (pull and inspect were checked): ${(err as Error).message.split('\n')[0]}`);
    }
  });
});
