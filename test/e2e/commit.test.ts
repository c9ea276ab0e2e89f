/** commit, export and diff: a container's changes become an image, a tarball, a list. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';

let env: HullEnv;
before(async () => {
  env = await hullWithBusybox();
  await env.ok(['run', '--name', 'changed', 'busybox', 'sh', '-c', 'echo new > /added; echo changed >> /etc/passwd; rm /bin/vi; mkdir -p /srv/app && echo app > /srv/app/file']);
});
after(async () => env.cleanup());

test('diff lists A/C/D changes relative to the image', async () => {
  const lines = (await env.ok(['diff', 'changed'])).trim().split('\n');
  for (const expected of ['A /added', 'C /etc/passwd', 'D /bin/vi', 'A /srv/app/file']) assert.ok(lines.includes(expected), `${expected} in\n${lines.join('\n')}`);
  assert.ok(lines.includes('C /etc') || lines.includes('C /bin'), 'parent directories show as changed');
});

test('a committed container image runs and shows the committed change, deletions included', async () => {
  const id = (await env.ok(['commit', '-m', 'my change', '-c', 'ENV MODE=committed', '-c', 'CMD ["cat", "/added"]', 'changed', 'committed:1'])).trim();
  assert.match(id, /^sha256:[a-f0-9]{64}$/);
  assert.equal(await env.ok(['run', '--rm', 'committed:1']), 'new\n');
  assert.equal(await env.ok(['run', '--rm', 'committed:1', 'sh', '-c', 'echo $MODE; tail -1 /etc/passwd; cat /srv/app/file; [ -e /bin/vi ] && echo vi-present || echo vi-gone']), 'committed\nchanged\napp\nvi-gone\n');
  const [image] = JSON.parse(await env.ok(['inspect', '--type', 'image', 'committed:1'])) as Array<{ RootFS: { Layers: string[] }; History: Array<{ comment?: string }> }>;
  assert.equal(image?.RootFS.Layers.length, 2);
  assert.equal(image?.History.at(-1)?.comment, 'my change');
});

test('export writes the container filesystem as a tarball that import reads back', async () => {
  const file = join(env.dir, 'exported.tar');
  await env.ok(['export', '-o', file, 'changed']);
  const listing = spawnSync('tar', ['-tf', file], { encoding: 'utf8' }).stdout.split('\n');
  assert.ok(listing.includes('added') || listing.includes('./added'));
  assert.ok(!listing.some((l) => l.endsWith('bin/vi')));
  await env.ok(['import', file, 'reimported']);
  assert.equal(await env.ok(['run', '--rm', 'reimported', 'cat', '/added']), 'new\n');
});

test('SIGKILL during commit at several points leaves a usable store and no partial image; commit then succeeds', async () => {
  // Enough changed data that a commit takes a while to stream and compress.
  await env.ok(['run', '--name', 'big', 'busybox', 'sh', '-c', 'mkdir /data; for i in $(seq 1 40); do head -c 500000 /dev/urandom > /data/f$i; done']);
  const { spawn } = await import('node:child_process');
  const { HULL_BIN } = await import('../../src/testing/hull-cli.js');
  const before = (await env.ok(['images', '-q', '--no-trunc'])).trim().split('\n').sort();
  for (const delay of [30, 120, 300, 700]) {
    const child = spawn(HULL_BIN, ['--root', env.root, '--runroot', env.runroot, 'commit', 'big', `crash:${delay}`], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, delay));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    const images = (await env.ok(['images', '--format', '{{.Repository}}:{{.Tag}}'])).trim().split('\n');
    // Either the commit finished before the kill (a whole image) or nothing of it is listed.
    for (const name of images.filter((n) => n.startsWith('crash:'))) assert.equal(await env.ok(['run', '--rm', name, 'sh', '-c', 'ls /data | wc -l']), '40\n');
    assert.equal((await env.hull(['ps', '-a'])).code, 0);
  }
  const id = (await env.ok(['commit', 'big', 'crash:final'])).trim();
  assert.match(id, /^sha256:/);
  assert.equal(await env.ok(['run', '--rm', 'crash:final', 'sh', '-c', 'ls /data | wc -l']), '40\n');
  assert.ok(before.length > 0);
});
