/**
 * Attached `hull compose up` as root: the containers' output prefixed by their names, a job
 * (service_completed_successfully) run to its end before its dependant, and --exit-code-from.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hullWithBusybox } from '../../src/testing/hull-cli.js';

const COMPOSE = `
services:
  migrate:
    image: busybox
    command: sh -c 'echo migrating; echo to stderr >&2'
  worker:
    image: busybox
    command: sh -c 'echo working; exit 4'
    depends_on:
      migrate: {condition: service_completed_successfully}
`;

test('up (attached) prints the output of each container with its name and exits with the code of --exit-code-from', async () => {
  const env = await hullWithBusybox();
  try {
    const dir = join(env.dir, 'jobs');
    mkdirSync(dir);
    writeFileSync(join(dir, 'compose.yaml'), COMPOSE);
    const f = join(dir, 'compose.yaml');
    const r = await env.hull(['compose', '-f', f, 'up', '--exit-code-from', 'worker']);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stdout, /^jobs-migrate-1 {2}\| migrating$/m);
    assert.match(r.stdout, /^jobs-worker-1 {3}\| working$/m);
    assert.match(r.stderr, /^jobs-migrate-1 {2}\| to stderr$/m);
    assert.match(r.stdout, /^jobs-worker-1 exited with code 4$/m);
    const events = r.stderr.split('\n').filter((l) => / {2}(Exited|Started)$/.test(l));
    assert.deepEqual(events, ['Container jobs-migrate-1  Started', 'Container jobs-migrate-1  Exited', 'Container jobs-worker-1  Started']);
    const again = await env.hull(['compose', '-f', f, 'up']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.match(/\| working/g)?.length, 1, 'a second up shows only the new output');
    await env.ok(['compose', '-f', f, 'down']);
  } finally {
    await env.cleanup();
  }
});

const BUILD = `
services:
  hello:
    build:
      context: .
      dockerfile_inline: |
        FROM busybox
        ARG WHO=nobody
        RUN echo "hello $$WHO" > /greeting
        CMD ["cat", "/greeting"]
      args: [WHO=compose]
  web:
    image: busybox
    init: true
    command: httpd -f -p 80
    ports: ["80"]
`;

test('build (dockerfile_inline, args), create without starting, start, port, images, top, down --rmi local', async () => {
  const env = await hullWithBusybox();
  try {
    const dir = join(env.dir, 'bld');
    mkdirSync(dir);
    writeFileSync(join(dir, 'compose.yaml'), BUILD);
    const c = (args: string[]) => env.ok(['compose', '-f', join(dir, 'compose.yaml'), ...args]);
    await c(['build']);
    assert.match(await env.ok(['images', '--format', '{{.Repository}}']), /^bld-hello$/m);
    await c(['create']);
    const created = JSON.parse(await c(['ps', '-a', '--format', 'json'])) as Array<{ Name: string; State: string }>;
    assert.deepEqual(created.map((x) => [x.Name, x.State]), [['bld-hello-1', 'created'], ['bld-web-1', 'created']]);
    await c(['start']);
    assert.equal((await env.ok(['wait', 'bld-hello-1'])).trim(), '0');
    assert.equal(await c(['logs', '--no-log-prefix', 'hello']), 'hello compose\n');
    assert.match(await c(['port', 'web', '80']), /^0\.0\.0\.0:\d+\n$/);
    assert.match(await c(['images']), /^bld-hello-1 +bld-hello +[0-9a-f]{12}$/m);
    assert.match(await c(['top', 'web']), /^bld-web-1\n.*CMD\n(.*\n)*.*httpd -f -p 80$/m);
    await c(['down', '--rmi', 'local']);
    assert.equal(await env.ok(['images', '--format', '{{.Repository}}']), 'busybox\n', '--rmi local removes the built image, keeps the named one');
  } finally {
    await env.cleanup();
  }
});
