/**
 * `hull save` / `hull load`: what hull writes is read by skopeo, umoci and oci-image-tool; what
 * podman and skopeo write loads into hull and runs; a round trip keeps IDs and names; damaged
 * archives are refused naming the problem, leaving the store as it was.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHullEnv, hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';
import { buildTar } from '../../src/testing/tar-builder.js';
import { which } from '../../src/sys/which.js';

let src: HullEnv;
let imageId: string;
before(async () => {
  src = await hullWithBusybox();
  await src.ok(['tag', 'busybox', 'localhost:5000/team/bb:1.0']);
  imageId = (await src.ok(['inspect', '-f', '{{.Id}}', 'busybox'])).trim();
});
after(async () => src.cleanup());

function sh(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
}

/** Everything a user (or the next hull command) could see of the store. */
function storeSnapshot(root: string): string {
  const list = (p: string) => (existsSync(p) ? readdirSync(p).filter((n) => !n.startsWith('.')).sort() : []);
  return JSON.stringify({
    blobs: list(join(root, 'content/blobs/sha256')),
    ingest: list(join(root, 'content/ingest')),
    images: existsSync(join(root, 'images.json')) ? JSON.parse(readFileSync(join(root, 'images.json'), 'utf8')) : {},
    layers: list(join(root, 'snapshots/overlay/layers')).concat(list(join(root, 'snapshots/copy/layers'))),
    leases: list(join(root, 'leases')),
  });
}

async function loadsAndRuns(archive: string, name: string): Promise<void> {
  const env = createHullEnv();
  try {
    const out = await env.ok(['load', '-i', archive]);
    assert.match(out, /^Loaded image/m, out);
    assert.equal(await env.ok(['run', '--rm', name, 'echo', 'ok']), 'ok\n');
  } finally {
    await env.cleanup();
  }
}

test('skopeo inspects every format hull saves; umoci unpacks the oci-dir; oci-image-tool validates it', async (t) => {
  const dockerTar = join(src.dir, 'docker.tar');
  const ociTar = join(src.dir, 'oci.tar');
  const ociDir = join(src.dir, 'oci-dir');
  await src.ok(['save', '-o', dockerTar, 'busybox']);
  await src.ok(['save', '--format', 'oci-archive', '-o', ociTar, 'busybox']);
  await src.ok(['image', 'save', '--format', 'oci-dir', '-o', ociDir, 'busybox']);
  for (const ref of [`docker-archive:${dockerTar}`, `oci-archive:${ociTar}`, `oci:${ociDir}`]) {
    const info = JSON.parse(sh('skopeo', ['inspect', ref])) as { Os: string; Layers: string[] };
    assert.equal(info.Os, 'linux', ref);
    assert.equal(info.Layers.length, 1, ref);
  }
  const config = JSON.parse(sh('skopeo', ['inspect', '--config', `docker-archive:${dockerTar}`])) as { rootfs: { diff_ids: string[] } };
  assert.equal(config.rootfs.diff_ids.length, 1);
  const manifest = JSON.parse(sh('tar', ['-xOf', dockerTar, 'manifest.json'])) as Array<{ RepoTags: string[]; Config: string }>;
  assert.deepEqual(manifest[0]?.RepoTags, ['busybox:latest']);
  assert.equal(manifest[0]?.Config, `${imageId.slice(7)}.json`);

  const bundle = join(src.dir, 'bundle');
  sh('umoci', ['unpack', '--image', `${ociDir}:latest`, bundle]);
  assert.ok(existsSync(join(bundle, 'rootfs/bin/busybox')), 'busybox in the unpacked rootfs');

  if (which('oci-image-tool')) {
    // This oci-image-tool (1.0.0-rc) validates a layout through --type image with a ref filter.
    const r = spawnSync('oci-image-tool', ['validate', '--type', 'image', '--ref', 'name=latest', ociDir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr + r.stdout);
  } else {
    t.diagnostic('oci-image-tool is not installed: layout validation skipped');
  }
});

test('what podman save and skopeo copy write loads into hull and runs', async () => {
  const ociTar = join(src.dir, 'for-podman.tar');
  await src.ok(['save', '--format', 'oci-archive', '-o', ociTar, 'busybox']);
  const store = `[vfs@${join(src.dir, 'pr')}+${join(src.dir, 'prr')}]`;
  sh('skopeo', ['copy', '-q', `oci-archive:${ociTar}`, `containers-storage:${store}localhost/pbb:1`]);
  const podman = ['--root', join(src.dir, 'pr'), '--runroot', join(src.dir, 'prr'), '--storage-driver', 'vfs'];
  for (const format of ['docker-archive', 'oci-archive']) {
    const out = join(src.dir, `podman-${format}.tar`);
    sh('podman', [...podman, 'save', '--format', format, '-o', out, 'localhost/pbb:1']);
    await loadsAndRuns(out, 'localhost/pbb:1');
  }
  const skopeoDir = join(src.dir, 'skopeo-oci');
  sh('skopeo', ['copy', '-q', `oci-archive:${ociTar}`, `oci:${skopeoDir}:sbb`]);
  await loadsAndRuns(skopeoDir, 'sbb');
  const skopeoDocker = join(src.dir, 'skopeo-docker.tar');
  sh('skopeo', ['copy', '-q', `oci-archive:${ociTar}`, `docker-archive:${skopeoDocker}:localhost/sdb:2`]);
  await loadsAndRuns(skopeoDocker, 'localhost/sdb:2');
  sh('podman', [...podman, 'rmi', '-a', '-f']);
});

test('save -> rmi -> load keeps the image ID, the names and (OCI) the manifest digest', async () => {
  const env = await hullWithBusybox();
  try {
    await env.ok(['tag', 'busybox', 'localhost:5000/team/bb:1.0']);
    const id = (await env.ok(['inspect', '-f', '{{.Id}}', 'busybox'])).trim();
    for (const format of ['oci-archive', 'oci-dir', 'docker-archive']) {
      const digest = (await env.ok(['inspect', '-f', '{{.Manifest.Digest}}', 'busybox'])).trim();
      const out = join(env.dir, `rt-${format}`);
      await env.ok(['save', '--format', format, '-o', out, 'busybox', 'localhost:5000/team/bb:1.0']);
      await env.ok(['rmi', '-f', id]);
      assert.equal((await env.ok(['images', '-q'])).trim(), '');
      const loaded = await env.ok(['load', '-i', out]);
      assert.equal(loaded, 'Loaded image: busybox:latest\nLoaded image: localhost:5000/team/bb:1.0\n', format);
      assert.equal((await env.ok(['inspect', '-f', '{{.Id}}', 'localhost:5000/team/bb:1.0'])).trim(), id, format);
      if (format !== 'docker-archive') assert.equal((await env.ok(['inspect', '-f', '{{.Manifest.Digest}}', 'busybox'])).trim(), digest, format);
      assert.equal(await env.ok(['run', '--rm', 'localhost:5000/team/bb:1.0', 'echo', 'ok']), 'ok\n');
    }
    // From stdin, gzip'd; by ID the image is saved untagged, as docker does.
    const byId = join(env.dir, 'by-id.tar');
    await env.ok(['save', '-o', byId, id.slice(7, 19)]);
    sh('gzip', ['-k', byId]);
    const fresh = createHullEnv();
    try {
      assert.equal(await fresh.ok(['load'], { input: readFileSync(`${byId}.gz`) }), `Loaded image ID: ${id}\n`);
    } finally {
      await fresh.cleanup();
    }
  } finally {
    await env.cleanup();
  }
});

test('damaged archives are refused with a clear error and the store is unchanged', async () => {
  const env = await hullWithBusybox();
  try {
    const good = join(env.dir, 'good.tar');
    await src.ok(['save', '-o', good, 'localhost:5000/team/bb:1.0']);
    const goodOci = join(env.dir, 'good-oci.tar');
    await src.ok(['save', '--format', 'oci-archive', '-o', goodOci, 'localhost:5000/team/bb:1.0']);
    const x = join(env.dir, 'x');
    mkdirSync(x);
    sh('tar', ['-xf', good, '-C', x]);
    const layerDir = readdirSync(x).find((n) => /^[a-f0-9]{64}$/.test(n)) as string;
    const entries = () => sh('tar', ['-tf', good]).split('\n').filter((n) => n && !n.endsWith('/'));
    const repack = (name: string, edit: (dir: string) => void): string => {
      const d = join(env.dir, `w-${name}`);
      mkdirSync(d);
      sh('tar', ['-xf', good, '-C', d]);
      edit(d);
      const out = join(env.dir, `${name}.tar`);
      sh('tar', ['-cf', out, '-C', d, ...entries()]);
      return out;
    };
    const flip = (file: string, at: number) => {
      const b = readFileSync(file);
      b[at] = (b[at] ?? 0) ^ 0xff;
      writeFileSync(file, b);
    };
    const ociFlipped = join(env.dir, 'oci-flipped');
    mkdirSync(ociFlipped);
    sh('tar', ['-xf', goodOci, '-C', ociFlipped]);
    const ociIndex = JSON.parse(readFileSync(join(ociFlipped, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    const ociManifest = JSON.parse(readFileSync(join(ociFlipped, 'blobs/sha256', ociIndex.manifests[0]?.digest.slice(7) ?? ''), 'utf8')) as { layers: Array<{ digest: string }> };
    flip(join(ociFlipped, 'blobs/sha256', ociManifest.layers[0]?.digest.slice(7) ?? ''), 5000);
    const ociFlippedTar = join(env.dir, 'oci-flipped.tar');
    sh('tar', ['-cf', ociFlippedTar, '-C', ociFlipped, '.']);
    const goodBytes = readFileSync(good);
    const cases: Array<[string, string, RegExp]> = [
      ['flipped byte in a layer', repack('flipped', (d) => flip(join(d, layerDir, 'layer.tar'), 20_000)), /layer ".*layer.tar" has digest sha256:\w+, but the config's diff_id for it is/],
      ['flipped byte in an OCI layer blob', ociFlippedTar, /layer "blobs\/sha256\/\w+" has digest/],
      ['truncated file', (() => {
        const f = join(env.dir, 'truncated.tar');
        writeFileSync(f, goodBytes.subarray(0, Math.floor(goodBytes.length / 2) + 100));
        return f;
      })(), /cut short|not in the archive/],
      ['manifest.json naming a missing layer', repack('missing', (d) => {
        const m = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')) as Array<{ Layers: string[] }>;
        (m[0] as { Layers: string[] }).Layers = ['0000000000000000000000000000000000000000000000000000000000000000/layer.tar'];
        writeFileSync(join(d, 'manifest.json'), JSON.stringify(m));
      }), /layer "0{64}\/layer.tar" named by manifest.json is not in the archive/],
      ['path traversal entry', (() => {
        const f = join(env.dir, 'traversal.tar');
        writeFileSync(f, buildTar([{ name: 'manifest.json', data: readFileSync(join(x, 'manifest.json')) }, { name: '../../evil', data: 'x' }]));
        return f;
      })(), /entry "..\/..\/evil" points outside the archive/],
      ['not an archive', (() => {
        const f = join(env.dir, 'text.txt');
        writeFileSync(f, 'hello\n'.repeat(300));
        return f;
      })(), /Cannot load/],
    ];
    const before = storeSnapshot(env.root);
    for (const [what, file, why] of cases) {
      const r = await env.hull(['load', '-i', file]);
      assert.equal(r.code, 125, `${what}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /^Error: Cannot load "/, what);
      assert.match(r.stderr, why, `${what}: ${r.stderr}`);
      assert.equal(storeSnapshot(env.root), before, `${what} left something in the store`);
    }
    assert.ok(!existsSync(join(env.dir, 'evil')) && !existsSync(join(env.root, '..', 'evil')));
  } finally {
    await env.cleanup();
  }
});
