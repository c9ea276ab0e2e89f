/**
 * The crash suite (issue #14): each operation (pull, pull --all-platforms, manifest push, load, ...) that changes the store is killed with SIGKILL at a
 * seeded random moment of its run; then `hull system check` must find nothing damaged (what the
 * dead process left behind is allowed, it is reclaimed later), a retry must succeed, and after it
 * the store must check clean. Delays are spread over the operation's own duration, measured once.
 *
 * Bounded: HULL_CRASH_TRIALS trials per operation (default 2); HULL_CRASH_SEED replays a run (the
 * seed is printed). E.g. `HULL_CRASH_TRIALS=12 node --test dist/test/e2e/crash.test.js`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';
import { haveReferenceRegistry, startReferenceRegistry, type ReferenceRegistry } from '../../src/registry-client/testing/reference-registry.js';
import { bigRootfsTarball, buildContext, killedAfter, seededRandom, suiteSeed, systemCheck, timed, trialCount } from '../../src/testing/crash-harness.js';

const skip = haveReferenceRegistry() ? false : 'docker-registry is not installed (scripts/setup.sh installs it)';
const TRIALS = trialCount(2);
const SEED = suiteSeed();
const random = seededRandom(SEED);
let env: HullEnv;
let reg: ReferenceRegistry;
let tarball = '';
let archive = '';
let ctx = '';
let remote = '';
let list = '';

before(async () => {
  if (skip) return;
  console.log(`crash suite: seed ${SEED}, ${TRIALS} trials per operation (HULL_CRASH_SEED=${SEED} replays it)`);
  env = await hullWithBusybox();
  reg = await startReferenceRegistry();
  tarball = bigRootfsTarball(env.dir, 6);
  await env.ok(['import', tarball, 'big:1']);
  archive = join(env.dir, 'big.tar');
  await env.ok(['save', '-o', archive, 'big:1']);
  remote = `${reg.host}/crash/big:1`;
  await env.ok(['tag', 'big:1', remote]);
  await env.ok(['push', remote]);
  list = `${reg.host}/crash/list:1`;
  await env.ok(['manifest', 'create', list, 'big:1']);
  await env.ok(['manifest', 'push', list]);
  ctx = buildContext(env.dir, 'big:1', 4);
  // Keeps big:1 in use, so that the prunes below leave it alone; commit works on it.
  await env.ok(['run', '-d', '--name', 'src', 'big:1', 'sh', '-c', 'dd if=/dev/urandom of=/changed bs=1M count=6 2>/dev/null; sleep 3600']);
  await env.ok(['exec', 'src', 'sh', '-c', 'while [ $(stat -c %s /changed 2>/dev/null || echo 0) -lt 6291456 ]; do sleep 0.05; done']);
});
after(async () => {
  await env?.cleanup();
  await reg?.close();
});

async function listed(name: string): Promise<boolean> {
  return (await env.hull(['image', 'inspect', name])).code === 0;
}

interface Operation {
  /** Brings the store to where the operation has work to do. */
  prepare?: () => Promise<void>;
  args: string[] | (() => string[]);
  /** Finishes what the killed run was doing; must succeed. */
  retry: () => Promise<unknown>;
  /** What a user would check afterwards. */
  verify?: () => Promise<void>;
}

async function runs(image: string): Promise<void> {
  assert.equal(await env.ok(['run', '--rm', '--network', 'none', image, 'echo', 'ok']), 'ok\n', `${image} runs`);
}

const ops: Record<string, Operation> = {
  pull: {
    prepare: async () => {
      if (await listed(remote)) await env.ok(['rmi', remote]);
      await env.ok(['rmi', '-f', 'big:1']).catch(() => {}); // the layer stays: src uses the image
    },
    args: () => ['pull', remote],
    retry: () => env.ok(['pull', remote]),
    verify: async () => {
      await runs(remote);
      await env.ok(['tag', remote, 'big:1']);
    },
  },
  load: {
    prepare: async () => {
      if (await listed('loaded:1')) await env.ok(['rmi', 'loaded:1']);
      await env.ok(['tag', 'big:1', 'loaded:1']);
      await env.ok(['rmi', 'loaded:1']);
    },
    args: () => ['load', '-i', archive],
    retry: () => env.ok(['load', '-i', archive]),
    verify: () => runs('big:1'),
  },
  import: {
    prepare: async () => {
      if (await listed('imported:1')) await env.ok(['rmi', 'imported:1']);
    },
    args: () => ['import', tarball, 'imported:1'],
    retry: () => env.ok(['import', tarball, 'imported:1']),
    verify: () => runs('imported:1'),
  },
  commit: {
    prepare: async () => {
      if (await listed('committed:1')) await env.ok(['rmi', 'committed:1']);
    },
    args: ['commit', 'src', 'committed:1'],
    retry: () => env.ok(['commit', 'src', 'committed:1']),
    verify: async () => {
      await runs('committed:1');
      assert.equal((await env.ok(['inspect', '--format', '{{.State.Status}}', 'src'])).trim(), 'running');
    },
  },
  push: {
    args: () => ['push', remote],
    retry: () => env.ok(['push', remote]),
  },
  'pull --all-platforms': {
    prepare: async () => {
      if (await listed(list)) await env.ok(['rmi', list]);
    },
    args: () => ['pull', '--all-platforms', list],
    retry: () => env.ok(['pull', '--all-platforms', list]),
    verify: () => runs(list),
  },
  'manifest push': {
    args: () => ['manifest', 'push', list, `${reg.host}/crash/list-copy:1`],
    retry: () => env.ok(['manifest', 'push', list, `${reg.host}/crash/list-copy:1`]),
  },
  build: {
    prepare: async () => {
      if (await listed('built:1')) await env.ok(['rmi', 'built:1']);
    },
    args: () => ['build', '--no-cache', '--network', 'none', '-t', 'built:1', ctx],
    retry: () => env.ok(['build', '--network', 'none', '-t', 'built:1', ctx]),
    verify: () => runs('built:1'),
  },
  rmi: {
    prepare: async () => {
      if (!(await listed('doomed:1'))) await env.ok(['import', tarball, 'doomed:1']);
    },
    args: ['rmi', 'doomed:1'],
    retry: async () => {
      if (await listed('doomed:1')) await env.ok(['rmi', 'doomed:1']);
      await env.ok(['image', 'prune', '-f']);
    },
    verify: async () => assert.equal(await listed('doomed:1'), false),
  },
  prune: {
    prepare: async () => {
      await env.ok(['import', tarball]); // dangling: prune removes it
    },
    args: ['image', 'prune', '-f'],
    retry: () => env.ok(['image', 'prune', '-f']),
  },
  'rm -f': {
    prepare: async () => {
      if ((await env.hull(['inspect', 'victim'])).code !== 0) await env.ok(['run', '-d', '--name', 'victim', '--network', 'none', 'big:1', 'sleep', '600']);
    },
    args: ['rm', '-f', 'victim'],
    retry: async () => {
      if ((await env.hull(['inspect', 'victim'])).code === 0) await env.ok(['rm', '-f', 'victim']);
    },
    verify: async () => assert.notEqual((await env.hull(['inspect', 'victim'])).code, 0),
  },
};

for (const [name, op] of Object.entries(ops)) {
  test(`crash: ${name} killed at a random moment leaves a store that checks clean after a retry`, { skip }, async () => {
    const args = () => (typeof op.args === 'function' ? op.args() : op.args);
    await op.prepare?.();
    const duration = await timed(env, args());
    await op.verify?.();
    for (let trial = 0; trial < TRIALS; trial++) {
      await op.prepare?.();
      const delay = Math.floor(random() * duration);
      const what = `${name}, trial ${trial}, killed after ${delay} ms of ~${duration} (seed ${SEED})`;
      await killedAfter(env, args(), delay);
      const afterKill = await systemCheck(env);
      assert.deepEqual(afterKill.findings.filter((f) => f.kind === 'damage'), [], `${what}: damage found\n${afterKill.text}`);
      await op.retry();
      await op.verify?.();
      const afterRetry = await systemCheck(env);
      assert.equal(afterRetry.code, 0, `${what}: not clean after the retry\n${afterRetry.text}`);
    }
  });
}
