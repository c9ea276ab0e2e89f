/**
 * `hull import`: formats accepted, bad input refused with a clear error and nothing stored, and
 * concurrent hull processes leaving a consistent store.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { busyboxTarball, createHullEnv, type HullEnv } from '../../src/testing/hull-cli.js';

let env: HullEnv;
before(() => {
  env = createHullEnv();
});
after(async () => env.cleanup());

/** Everything a user (or the next hull command) could see of the store. */
function storeSnapshot(root: string): string {
  const list = (p: string) => (existsSync(p) ? readdirSync(p).filter((n) => !n.startsWith('.')).sort() : []);
  return JSON.stringify({
    blobs: list(join(root, 'content/blobs/sha256')),
    ingest: list(join(root, 'content/ingest')),
    images: existsSync(join(root, 'images.json')) ? readFileSync(join(root, 'images.json'), 'utf8') : '',
    layers: list(join(root, 'snapshots/overlay/layers')).concat(list(join(root, 'snapshots/copy/layers'))),
    tmp: list(join(root, 'snapshots/overlay/tmp')).concat(list(join(root, 'snapshots/copy/tmp'))),
  });
}

test('import accepts gzip and plain tarballs, from a file or stdin, with --change', async () => {
  const id = (await env.ok(['import', busyboxTarball(), 'bb:gz'])).trim();
  assert.match(id, /^sha256:[a-f0-9]{64}$/);
  const plain = join(env.dir, 'plain.tar');
  writeFileSync(plain, gunzipSync(readFileSync(busyboxTarball())));
  await env.ok(['import', '--change', 'CMD ["echo", "from cmd"]', '--change', 'ENV A=1 B="two words"', '--change', 'WORKDIR /tmp', '-', 'bb:plain'], { input: readFileSync(plain) });
  assert.equal(await env.ok(['run', '--rm', 'bb:plain']), 'from cmd\n');
  assert.equal(await env.ok(['run', '--rm', 'bb:plain', 'sh', '-c', 'echo $A-$B-$(pwd)']), '1-two words-/tmp\n');
  const images = await env.ok(['images', '--format', '{{.Repository}}:{{.Tag}}']);
  assert.deepEqual(images.trim().split('\n').sort(), ['bb:gz', 'bb:plain']);
  const [inspected] = JSON.parse(await env.ok(['inspect', '--type', 'image', 'bb:plain'])) as Array<{ Config: { Cmd: string[]; WorkingDir: string }; RootFS: { Layers: string[] } }>;
  assert.deepEqual(inspected?.Config.Cmd, ['echo', 'from cmd']);
  assert.equal(inspected?.Config.WorkingDir, '/tmp');
  assert.equal(inspected?.RootFS.Layers.length, 1);
});

test('a corrupt, truncated or non-tar file is refused with a clear error and the store is unchanged', async () => {
  await env.ok(['import', busyboxTarball(), 'keep']);
  const before = storeSnapshot(env.root);
  const cases: Array<[string, Buffer]> = [
    ['text.txt', Buffer.from('this is not a tarball\n'.repeat(100))],
    ['truncated.tar.gz', readFileSync(busyboxTarball()).subarray(0, 200_000)],
    ['corrupt.tar.gz', Buffer.concat([readFileSync(busyboxTarball()).subarray(0, 1000), Buffer.alloc(5000, 0x55), readFileSync(busyboxTarball()).subarray(6000)])],
    ['empty.tar', Buffer.alloc(0)],
  ];
  for (const [name, bytes] of cases) {
    const file = join(env.dir, name);
    writeFileSync(file, bytes);
    const r = await env.hull(['import', file, `bad:${name.replace(/\W/g, '-')}`]);
    assert.equal(r.code, 125, name);
    assert.match(r.stderr, /^Error: Cannot (import|apply layer)/, `${name}: ${r.stderr}`);
    assert.equal(storeSnapshot(env.root), before, `${name} left something in the store`);
  }
  const missing = await env.hull(['import', join(env.dir, 'nope.tar'), 'x']);
  assert.match(missing.stderr, /no such file/);
  const badChange = await env.hull(['import', '--change', 'FROM x', busyboxTarball(), 'x']);
  assert.match(badChange.stderr, /"FROM" is not supported/);
  assert.equal(storeSnapshot(env.root), before);
});

test('two hull processes importing and running at once leave a consistent store', async () => {
  const work = Array.from({ length: 4 }, (_, i) =>
    (async () => {
      await env.ok(['import', busyboxTarball(), `conc:${i}`]);
      return env.ok(['run', '--rm', `conc:${i}`, 'echo', `ran ${i}`]);
    })(),
  );
  const outputs = await Promise.all(work);
  assert.deepEqual(outputs, ['ran 0\n', 'ran 1\n', 'ran 2\n', 'ran 3\n']);
  const names = (await env.ok(['images', '--format', '{{.Repository}}:{{.Tag}}'])).split('\n').filter((n) => n.startsWith('conc:'));
  assert.equal(names.length, 4);
  // Each import is a new image (its config records when), as with docker; the layer is shared.
  const layers = readdirSync(join(env.root, 'snapshots/overlay/layers')).concat(existsSync(join(env.root, 'snapshots/copy/layers')) ? readdirSync(join(env.root, 'snapshots/copy/layers')) : []);
  assert.equal(layers.length, 1, 'one layer for one content');
  assert.equal(await env.ok(['ps', '-aq']), '');
  assert.deepEqual(readdirSync(join(env.root, 'content/ingest')), []);
});

test('rmi untags, then deletes; refuses while a container uses the image', async () => {
  await env.ok(['import', busyboxTarball(), 'victim:1']);
  await env.ok(['tag', 'victim:1', 'victim:2']);
  assert.match(await env.ok(['rmi', 'victim:2']), /Untagged: victim:2/);
  await env.ok(['run', '--name', 'user-of-victim', 'victim:1', 'true']);
  const refused = await env.hull(['rmi', 'victim:1']);
  assert.equal(refused.code, 125);
  assert.match(refused.stderr, /used by a container/);
  await env.ok(['rm', 'user-of-victim']);
  assert.match(await env.ok(['rmi', 'victim:1']), /Untagged: victim:1/);
  assert.equal((await env.hull(['rmi', 'victim:1'])).code, 1);
});
