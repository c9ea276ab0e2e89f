/** hull events: recorded by every hull process (and conmon's exit command), filterable. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';

let env: HullEnv;
before(async () => {
  env = await hullWithBusybox();
});
after(async () => env.cleanup());

test('a container life shows as create, start, die (with its exit code), destroy', async () => {
  await env.hull(['run', '--rm', '--name', 'evented', 'busybox', 'sh', '-c', 'exit 5']);
  const out = await env.ok(['events', '--since', '1h', '--until', '0s', '--filter', 'container=evented', '--format', '{{.Action}} {{.Actor.Attributes.exitCode}}']);
  assert.deepEqual(out.trim().split('\n'), ['create <no value>', 'start <no value>', 'die 5', 'destroy <no value>']);
});

test('a detached container dying unwatched is recorded by its monitor; image events too', async () => {
  await env.ok(['run', '-d', '--name', 'bg', 'busybox', 'sh', '-c', 'exit 3']);
  await env.ok(['wait', 'bg']);
  const die = await env.ok(['events', '--since', '1h', '--until', '0s', '--filter', 'event=die', '--filter', 'container=bg', '--format', 'json']);
  const event = JSON.parse(die.trim().split('\n').at(-1) ?? '{}') as { Actor: { Attributes: Record<string, string> } };
  assert.equal(event.Actor.Attributes.exitCode, '3');
  await env.ok(['tag', 'busybox', 'another:name']);
  assert.match(await env.ok(['events', '--since', '1h', '--until', '0s', '--filter', 'type=image']), /image tag .*name=docker\.io\/library\/another:name/);
});
