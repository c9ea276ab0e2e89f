/** Top-level help lists the object groups as docker's does (issue 15, item 6's help part). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runHull } from '../../src/testing/hull-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'hull-help-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const hull = (args: string[]) => runHull(join(dir, 'root'), join(dir, 'run'), args);

test('hull --help lists image, container, system, builder and healthcheck under Management Commands', async () => {
  const r = await hull(['--help']);
  assert.equal(r.code, 0);
  const section = r.stdout.split('Management Commands:\n')[1]?.split('\n\n')[0] ?? '';
  assert.deepEqual(section.split('\n').map((l) => l.trim().split(/\s+/)[0]), ['builder', 'container', 'healthcheck', 'image', 'system']);
  assert.match(r.stdout, /^ {2}completion\s+Print a shell completion script/m);
});

test('hull image (and hull help image) lists its subcommands with summaries; an unknown one is an error', async () => {
  for (const args of [['image'], ['image', '--help'], ['help', 'image']]) {
    const r = await hull(args);
    assert.equal(r.code, 0, args.join(' '));
    assert.match(r.stdout, /^Usage: {2}hull image COMMAND\n/);
    assert.match(r.stdout, /^ {2}ls\s+List images$/m);
    assert.match(r.stdout, /^ {2}prune\s+Remove unused images$/m);
  }
  assert.doesNotMatch((await hull(['container'])).stdout, /cleanup/, 'the monitor\'s plumbing stays hidden');
  const bad = await hull(['image', 'bogus']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /Cannot run "hull image bogus": unknown command\nhint: commands: ls, list, rm/);
});
