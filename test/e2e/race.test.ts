/**
 * The race suite (issue #14): many hull processes on one store at once, no daemon.
 *   - a burst of runs, pulls, builds, commits, imports, loads and prunes started together;
 *   - GC (`image prune`) in a loop beside commit, import, pull, load and build.
 * Every command must succeed, every image it records must run, and the store must check clean.
 * Bounded: one round each by default; HULL_CRASH_TRIALS=N runs N rounds, and HULL_RACE_FULL=1
 * makes the burst the size of issue #14's (20 runs, 5 pulls, 5 builds, with the rest), for manual runs.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { hullWithBusybox, type HullEnv, type HullResult } from '../../src/testing/hull-cli.js';
import { haveReferenceRegistry, startReferenceRegistry, type ReferenceRegistry } from '../../src/registry-client/testing/reference-registry.js';
import { bigRootfsTarball, buildContext, systemCheck, trialCount } from '../../src/testing/crash-harness.js';

const skip = haveReferenceRegistry() ? false : 'docker-registry is not installed (scripts/setup.sh installs it)';
const ROUNDS = trialCount(1);
const FULL = process.env.HULL_RACE_FULL === '1';
const TAGS = FULL ? ['a', 'b', 'c', 'd', 'e'] : ['a', 'b'];
const BUILDS = FULL ? [1, 2, 3, 4, 5] : [1, 2];
let env: HullEnv;
let reg: ReferenceRegistry;
let tarball = '';
let archive = '';
let ctx = '';

before(async () => {
  if (skip) return;
  env = await hullWithBusybox();
  reg = await startReferenceRegistry();
  tarball = bigRootfsTarball(env.dir, 3);
  await env.ok(['import', tarball, 'big:1']);
  archive = join(env.dir, 'big.tar');
  await env.ok(['save', '-o', archive, 'big:1']);
  for (const tag of TAGS) {
    await env.ok(['tag', 'big:1', `${reg.host}/race/${tag}:1`]);
    await env.ok(['push', `${reg.host}/race/${tag}:1`]);
  }
  ctx = buildContext(env.dir, 'big:1', 2);
  await env.ok(['run', '-d', '--name', 'src', '--network', 'none', 'big:1', 'sh', '-c', 'echo changed > /changed; sleep 3600']);
});
after(async () => {
  await env?.cleanup();
  await reg?.close();
});

function expectOk(r: HullResult, what: string): void {
  assert.equal(r.code, 0, `${what} exited ${r.code}: ${r.stderr}`);
}

async function runs(image: string): Promise<void> {
  assert.equal(await env.ok(['run', '--rm', '--network', 'none', image, 'echo', 'ok']), 'ok\n', `${image} runs`);
}

async function assertClean(what: string): Promise<void> {
  const check = await systemCheck(env);
  assert.equal(check.code, 0, `${what}: the store does not check clean\n${check.text}`);
}

/** Removes what a round recorded, so the next round has the same work to do. */
async function forget(names: string[]): Promise<void> {
  for (const n of names) if ((await env.hull(['image', 'inspect', n])).code === 0) await env.ok(['rmi', n]);
  await env.ok(['image', 'prune', '-f']);
}

test('a burst of runs, pulls, builds, commits, imports, loads and prunes on one store', { skip }, async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const jobs: Array<[string, Promise<HullResult>]> = [];
    const start = (what: string, args: string[]) => jobs.push([what, env.hull(args)]);
    for (let i = 0; i < (FULL ? 20 : 6); i++) start(`run ${i}`, ['run', '--rm', '--network', 'none', 'big:1', 'echo', 'ok']);
    for (const tag of TAGS) start(`pull ${tag}`, ['pull', `${reg.host}/race/${tag}:1`]);
    for (const i of BUILDS) start(`build ${i}`, ['build', '--network', 'none', '-t', `built:${i}`, ctx]);
    for (const i of [1, 2]) start(`commit ${i}`, ['commit', 'src', `committed:${i}`]);
    for (const i of [1, 2]) start(`import ${i}`, ['import', tarball, `imported:${i}`]);
    start('load', ['load', '-i', archive]);
    for (const i of [1, 2]) start(`prune ${i}`, ['image', 'prune', '-f']);
    for (const [what, job] of jobs) expectOk(await job, `round ${round}: ${what}`);
    const made = [...TAGS.map((t) => `${reg.host}/race/${t}:1`), ...BUILDS.map((i) => `built:${i}`), 'committed:1', 'committed:2', 'imported:1', 'imported:2', 'big:1'];
    for (const image of made) await runs(image);
    await assertClean(`round ${round}`);
    await forget(made.filter((m) => m !== 'big:1'));
  }
});

test('GC in a loop beside commit, import, pull, load and build', { skip }, async () => {
  for (let round = 0; round < ROUNDS; round++) {
    let done = false;
    let collections = 0;
    const gc = (async () => {
      while (!done) {
        expectOk(await env.hull(['image', 'prune', '-f']), 'prune');
        collections += 1;
      }
    })();
    try {
      const ops: Array<[string, string[]]> = [
        ['committed:gc', ['commit', 'src', 'committed:gc']],
        ['imported:gc', ['import', tarball, 'imported:gc']],
        [`${reg.host}/race/a:1`, ['pull', `${reg.host}/race/a:1`]],
        ['big:1', ['load', '-i', archive]],
        ['built:gc', ['build', '--network', 'none', '--no-cache', '-t', 'built:gc', ctx]],
      ];
      for (const [image, args] of ops) {
        expectOk(await env.hull(args), `round ${round}: ${args[0]}`);
        await runs(image);
      }
    } finally {
      done = true;
      await gc;
    }
    assert.ok(collections > 0);
    await assertClean(`round ${round}`);
    await forget(['committed:gc', 'imported:gc', `${reg.host}/race/a:1`, 'built:gc']);
  }
});
