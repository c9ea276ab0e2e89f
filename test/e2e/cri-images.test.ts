/**
 * The CRI ImageService through a real `hull cri serve` and a grpc-js client: ListImages,
 * ImageStatus (missing = empty, not an error), PullImage from hull's own registry with the auth
 * kubelet passes (username/password and base64 auth), through a registries.conf mirror
 * (registry.k8s.io/... from a local mirror, stored under its own name), RemoveImage (idempotent),
 * ImageFsInfo; and the runtime's Version, Status, RuntimeConfig.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import bcrypt from 'bcryptjs';
import { busyboxTarball, hullWithBusybox, HULL_BIN, type HullEnv } from '../../src/testing/hull-cli.js';
import { waitListening } from '../../src/testing/api-service.js';
import { startCriService, type CriService } from '../../src/testing/cri-service.js';

let env: HullEnv;
let cri: CriService;
let registry: ChildProcess;
let reg: string;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

interface CriImage { id: string; repo_tags: string[]; repo_digests: string[]; size: string; username: string }

before(async () => {
  env = await hullWithBusybox();
  reg = `127.0.0.1:${await freePort()}`;
  const htpasswd = join(env.dir, 'htpasswd');
  writeFileSync(htpasswd, `kube:${bcrypt.hashSync('let-me-in', 4)}\n`);
  registry = spawn(HULL_BIN, ['registry', 'serve', '--root', join(env.dir, 'registry'), '--addr', reg, '--htpasswd', htpasswd], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  registry.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  await waitListening(Object.assign(registry, { stderr: registry.stdout }) as ChildProcess, () => out, /listening/);
  // Distinct images (a label each): CRI's RemoveImage removes an image with all its names.
  for (const [name, label] of [[`${reg}/team/bb:1`, 'team'], [`${reg}/k8s-mirror/pause:3.9`, 'pause']] as const) {
    await env.ok(['import', '--change', `LABEL test=${label}`, busyboxTarball(), name]);
    await env.ok(['push', '--creds', 'kube:let-me-in', name]);
    await env.ok(['rmi', name]);
  }
  // The node's registries.conf: registry.k8s.io comes from the local mirror (closed network).
  writeFileSync(join(env.dir, 'registries.conf'), `[[registry]]\nprefix = "registry.k8s.io"\nlocation = "registry.k8s.io"\n[[registry.mirror]]\nlocation = "${reg}/k8s-mirror"\ninsecure = true\n\n[[registry]]\nprefix = "blocked.example"\nblocked = true\n`);
  cri = await startCriService(env);
});

after(async () => {
  cri.close();
  await cri.stop();
  registry.kill('SIGTERM');
  await env.cleanup();
});

test('Version, Status (RuntimeReady; NetworkReady only once a CNI configuration exists), RuntimeConfig (cgroupfs)', async () => {
  const v = await cri.runtime<{ runtime_name: string; runtime_api_version: string; runtime_version: string }>('Version', { version: 'v1' });
  assert.equal(v.runtime_name, 'hull');
  assert.equal(v.runtime_api_version, 'v1');
  assert.match(v.runtime_version, /^\d+\.\d+\.\d+/);
  type Status = { status: { conditions: Array<{ type: string; status: boolean; reason: string }> } };
  const before = await cri.runtime<Status>('Status', {});
  assert.deepEqual(before.status.conditions.map((c) => [c.type, c.status, c.reason]), [['RuntimeReady', true, ''], ['NetworkReady', false, 'NetworkPluginNotReady']]);
  writeFileSync(join(cri.cniConfDir, '10-test.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: 'test', plugins: [{ type: 'loopback' }] }));
  const now = await cri.runtime<Status>('Status', { verbose: true });
  assert.deepEqual(now.status.conditions.map((c) => [c.type, c.status]), [['RuntimeReady', true], ['NetworkReady', true]]);
  const rc = await cri.runtime<{ linux: { cgroup_driver: string } }>('RuntimeConfig', {});
  assert.equal(rc.linux.cgroup_driver, 'CGROUPFS');
  assert.deepEqual(await cri.runtime('UpdateRuntimeConfig', { runtime_config: { network_config: { pod_cidr: '10.244.0.0/24' } } }), {});
});

test('ListImages and ImageStatus: an imported image; a missing one is an empty status, not an error', async () => {
  const { images } = await cri.image<{ images: CriImage[] }>('ListImages', {});
  const bb = images.find((i) => i.repo_tags.includes('docker.io/library/busybox:latest'));
  assert.ok(bb, JSON.stringify(images));
  assert.match(bb.id, /^sha256:[0-9a-f]{64}$/);
  assert.ok(Number(bb.size) > 0);
  const status = await cri.image<{ image: CriImage | null }>('ImageStatus', { image: { image: 'busybox' } });
  assert.equal(status.image?.id, bb.id);
  const byId = await cri.image<{ image: CriImage | null }>('ImageStatus', { image: { image: bb.id } });
  assert.equal(byId.image?.id, bb.id);
  const missing = await cri.image<{ image: CriImage | null }>('ImageStatus', { image: { image: 'nosuch:1' } });
  assert.equal(missing.image, null);
  const filtered = await cri.image<{ images: CriImage[] }>('ListImages', { filter: { image: { image: 'nosuch:1' } } });
  assert.deepEqual(filtered.images, []);
  await assert.rejects(cri.image('ImageStatus', { image: { image: '' } }), (err: { code: number; details: string }) => err.code === 3 && /image spec is empty/.test(err.details));
});

test('PullImage with the auth kubelet passes: refused without it, accepted as username/password and as base64 auth', async () => {
  const image = `${reg}/team/bb:1`;
  await assert.rejects(cri.image('PullImage', { image: { image } }), (err: { code: number }) => err.code === 16 /* UNAUTHENTICATED */);
  const a = await cri.image<{ image_ref: string }>('PullImage', { image: { image }, auth: { username: 'kube', password: 'let-me-in' } });
  assert.match(a.image_ref, /^sha256:/);
  await cri.image('RemoveImage', { image: { image } });
  assert.equal((await cri.image<{ image: CriImage | null }>('ImageStatus', { image: { image } })).image, null);
  const b = await cri.image<{ image_ref: string }>('PullImage', { image: { image }, auth: { auth: Buffer.from('kube:let-me-in').toString('base64') } });
  assert.equal(b.image_ref, a.image_ref);
  const wrong = cri.image('PullImage', { image: { image: `${reg}/team/bb:1` }, auth: { username: 'kube', password: 'wrong' } });
  await assert.rejects(wrong, (err: { code: number }) => err.code === 16 /* UNAUTHENTICATED */);
});

test('PullImage through a registries.conf mirror: registry.k8s.io/pause:3.9 comes from the local mirror, under its own name', async () => {
  const r = await cri.image<{ image_ref: string }>('PullImage', { image: { image: 'registry.k8s.io/pause:3.9' }, auth: { username: 'kube', password: 'let-me-in' } });
  const status = await cri.image<{ image: CriImage | null }>('ImageStatus', { image: { image: 'registry.k8s.io/pause:3.9' } });
  assert.equal(status.image?.id, r.image_ref);
  assert.deepEqual(status.image?.repo_tags, ['registry.k8s.io/pause:3.9'], 'the mirror name is not left behind');
  await assert.rejects(cri.image('PullImage', { image: { image: 'blocked.example/app:1' } }), (err: { code: number; details: string }) => err.code === 7 && /blocked/.test(err.details));
  await assert.rejects(cri.image('PullImage', { image: { image: 'Bad Name' } }), (err: { code: number }) => err.code === 3);
});

test('RemoveImage: removes every name, a missing image is success; ImageFsInfo reports the store', async () => {
  await env.ok(['import', '--change', 'LABEL test=two', busyboxTarball(), 'example/two:1']);
  await env.ok(['tag', 'example/two:1', 'example/two:2']);
  const id = (await cri.image<{ image: CriImage }>('ImageStatus', { image: { image: 'example/two:1' } })).image.id;
  await cri.image('RemoveImage', { image: { image: 'example/two:1' } });
  assert.equal((await cri.image<{ image: CriImage | null }>('ImageStatus', { image: { image: 'example/two:2' } })).image, null);
  assert.ok((await cri.image<{ image: CriImage | null }>('ImageStatus', { image: { image: 'busybox' } })).image, 'other images stay');
  assert.equal((await cri.image<{ image: CriImage | null }>('ImageStatus', { image: { image: id } })).image, null);
  assert.deepEqual(await cri.image('RemoveImage', { image: { image: 'example/two:1' } }), {});
  const fs = await cri.image<{ image_filesystems: Array<{ fs_id: { mountpoint: string }; used_bytes: { value: string } }> }>('ImageFsInfo', {});
  assert.equal(fs.image_filesystems[0]?.fs_id.mountpoint, env.root);
  assert.ok(Number(fs.image_filesystems[0]?.used_bytes.value) >= 0);
});

test('optional calls hull does not implement answer UNIMPLEMENTED', async () => {
  await assert.rejects(cri.runtime('CheckpointContainer', { container_id: 'x' }), (err: { code: number }) => err.code === 12);
  await assert.rejects(cri.runtime('ListMetricDescriptors', {}), (err: { code: number }) => err.code === 12);
});

test('SIGTERM stops the server even while a client holds an event stream open, and removes its socket', async () => {
  const stream = (cri.runtimeClient as unknown as { GetContainerEvents(req: object): { on(e: string, f: () => void): void; cancel(): void } }).GetContainerEvents({});
  stream.on('error', () => {});
  await new Promise((r) => setTimeout(r, 300));
  const exited = new Promise<number | null>((r) => cri.child.once('exit', (code) => r(code)));
  cri.child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.equal(existsSync(cri.socket), false);
});
