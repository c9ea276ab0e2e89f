/** `hull volume` end to end through the built CLI, each test with its own --root. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHullEnv } from '../../testing/hull-cli.js';
import { volumesInUse } from '../../volumes/in-use.js';

test('hull volume: create, ls, inspect, rm, prune', async () => {
  const env = createHullEnv();
  try {
    assert.equal(await env.ok(['volume', 'create', '--label', 'team=a', 'data']), 'data\n');
    assert.equal(await env.ok(['volume', 'create', 'data']), 'data\n', 'creating an existing volume returns it');
    const anon = (await env.ok(['volume', 'create'])).trim();
    assert.match(anon, /^[0-9a-f]{64}$/);
    const names = [anon, 'data'].sort();
    assert.equal(await env.ok(['volume', 'ls']), `DRIVER   VOLUME NAME\n${names.map((n) => `local    ${n}\n`).join('')}`);
    assert.equal(await env.ok(['volume', 'ls', '-q']), names.map((n) => `${n}\n`).join(''));
    const json = JSON.parse(await env.ok(['volume', 'ls', '--format', 'json'])) as Array<{ Name: string; Labels: string }>;
    assert.deepEqual(Object.fromEntries(json.map((v) => [v.Name, v.Labels])), { [anon]: 'com.docker.volume.anonymous=', data: 'team=a' });
    const [info] = JSON.parse(await env.ok(['volume', 'inspect', 'data'])) as Array<Record<string, unknown>>;
    assert.deepEqual(Object.keys(info ?? {}).sort(), ['CreatedAt', 'Driver', 'Labels', 'Mountpoint', 'Name', 'Options', 'Scope']);
    assert.equal(info?.Mountpoint, join(env.root, 'volumes/data/_data'));
    assert.equal(await env.ok(['volume', 'inspect', '--format', '{{.Driver}} {{.Labels.team}}', 'data']), 'local a\n');
    const missing = await env.hull(['volume', 'inspect', 'data', 'nope']);
    assert.equal(missing.code, 125);
    assert.match(missing.stderr, /Error: Cannot inspect volume "nope": no such volume/);

    writeFileSync(join(env.root, `volumes/${anon}/_data/f`), 'x'.repeat(2000));
    const pruneNo = await env.hull(['volume', 'prune'], { input: 'n\n' });
    assert.equal(pruneNo.code, 0);
    assert.match(pruneNo.stdout, /WARNING! This will remove anonymous local volumes not used by at least one container/);
    assert.ok(existsSync(join(env.root, 'volumes', anon)));
    assert.equal(await env.ok(['volume', 'prune', '-f']), `Deleted Volumes:\n${anon}\n\nTotal reclaimed space: 2kB\n`);
    assert.equal(await env.ok(['volume', 'ls', '-q']), 'data\n', 'prune keeps named volumes without -a');

    assert.equal(await env.ok(['volume', 'rm', 'data']), 'data\n');
    const rmMissing = await env.hull(['volume', 'rm', 'data']);
    assert.equal(rmMissing.code, 125);
    assert.match(rmMissing.stderr, /Cannot remove volume "data": no such volume/);
    assert.equal((await env.hull(['volume', 'rm', '-f', 'data'])).code, 0);
    await env.ok(['volume', 'create', 'v2']);
    assert.equal(await env.ok(['volume', 'prune', '-a', '-f']), 'Deleted Volumes:\nv2\n\nTotal reclaimed space: 0B\n');
  } finally {
    await env.cleanup();
  }
});

test('hull volume: help, unknown subcommands, bad names and arguments', async () => {
  const env = createHullEnv();
  try {
    const help = await env.ok(['volume']);
    assert.match(help, /Usage: {2}hull volume COMMAND/);
    assert.match(help, /prune +Remove unused anonymous volumes/);
    assert.match(await env.ok(['volume', 'create', '--help']), /Usage: {2}hull volume create \[OPTIONS\] \[VOLUME\]/);
    assert.match(await env.ok(['volume', '--help']), /hull volume COMMAND/);
    assert.match(await env.ok(['--help']), /volume +Manage volumes/);
    const cases: Array<[string[], RegExp]> = [
      [['volume', 'frobnicate'], /Cannot run "hull volume frobnicate": unknown command/],
      [['volume', 'create', 'a'], /Cannot use volume name "a"/],
      [['volume', 'create', 'a/b'], /Cannot use volume name "a\/b"/],
      [['volume', 'create', 'x1', 'x2'], /"hull volume create" accepts at most 1 argument, got 2/],
      [['volume', 'create', '--driver', 'nfs', 'x1'], /hull has only "local"/],
      [['volume', 'rm'], /"hull volume rm" accepts at least 1 argument, got 0/],
      [['volume', 'ls', '--bogus'], /unknown flag: --bogus/],
    ];
    for (const [args, re] of cases) {
      const r = await env.hull(args);
      assert.equal(r.code, 125, args.join(' '));
      assert.match(r.stderr, re, args.join(' '));
    }
  } finally {
    await env.cleanup();
  }
});

test('volumesInUse reads docker-shaped Mounts from container records', () => {
  assert.deepEqual(volumesInUse([{ Mounts: [{ Type: 'volume', Name: 'a' }, { Type: 'bind' }] }, {}, { Mounts: [{ Type: 'volume', Name: 'b' }] }]), new Set(['a', 'b']));
});
