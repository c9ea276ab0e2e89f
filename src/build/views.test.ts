import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OverlaySnapshotter } from '../snapshots/overlay.js';
import { claimBuildDir, listDeadBuilds, reapDeadBuilds } from './views.js';
import { deadOwnerToken } from '../testing/dead-owner.js';

test('a build directory appears with its owner file in it, and a reaper never takes one it cannot prove dead', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hull-views-'));
  try {
    const runroot = join(dir, 'run');
    const claimed = claimBuildDir(runroot, 'mine');
    assert.match(readFileSync(join(claimed, 'owner'), 'utf8'), new RegExp(`^${process.pid} \\d+$`));
    // A directory whose owner file is not there (yet): the race of issue #14, defect 4.
    mkdirSync(join(runroot, 'build', 'ownerless'));
    const dead = (await deadOwnerToken()).replace('-', ' ');
    mkdirSync(join(runroot, 'build', 'dead'));
    writeFileSync(join(runroot, 'build', 'dead', 'owner'), dead);
    mkdirSync(join(runroot, 'build', `.new-${dead.replace(' ', '-')}-ab12`));
    assert.deepEqual(listDeadBuilds(runroot).sort(), [`.new-${dead.replace(' ', '-')}-ab12`, 'dead']);
    const snapshotter = new OverlaySnapshotter(join(dir, 'root'));
    await reapDeadBuilds(runroot, snapshotter, { binary: 'runc', stateDir: join(dir, 'no-runc-state') });
    assert.deepEqual(readdirSync(join(runroot, 'build')).filter((n) => !n.startsWith('.reap')).sort(), ['mine', 'ownerless']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
