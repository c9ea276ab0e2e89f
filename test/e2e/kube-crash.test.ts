/**
 * kube play killed -9 at any moment (while the pod is made, its infra starts beside the member
 * creates, the members mount and join it): the store stays consistent. `kube down` removes what
 * was made, no container's root filesystem stays mounted, and the same play then runs whole.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HULL_BIN, hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';

let env: HullEnv;
before(async () => {
  env = await hullWithBusybox();
});
after(async () => env.cleanup());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const POD = ['apiVersion: v1', 'kind: Pod', 'metadata: {name: crashy}', 'spec:', '  terminationGracePeriodSeconds: 0', '  containers:', ...['a', 'b', 'c'].map((n) => `    - {name: ${n}, image: busybox, imagePullPolicy: Never, command: [sleep, "3600"]}`), ''].join('\n');

/** Container root filesystems of this store that are still mounted. */
function rootfsMounts(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(join(env.runroot, 'containers')));
}

test('a kill -9 anywhere in kube play leaves a store that kube down cleans and a second play fills', async () => {
  const file = join(env.dir, 'crashy.yaml');
  writeFileSync(file, POD);
  for (const delay of [150, 400, 700, 1000, 1500]) {
    const child = spawn(HULL_BIN, ['--root', env.root, '--runroot', env.runroot, 'kube', 'play', file], { stdio: 'ignore' });
    const closed = new Promise((r) => child.once('close', r));
    await sleep(delay);
    child.kill('SIGKILL');
    await closed;
    // Whatever was made is listed consistently and goes with kube down.
    await env.ok(['ps', '-a']);
    await env.ok(['kube', 'down', file]);
    const left = JSON.parse(await env.ok(['pod', 'ps', '--format', 'json'])) as Array<{ Name: string }>;
    assert.deepEqual(left.map((p) => p.Name), [], `after a kill at ${delay} ms`);
    assert.equal((await env.ok(['ps', '-a', '-q'])).trim(), '', `no container left after a kill at ${delay} ms`);
    assert.deepEqual(rootfsMounts(), [], `no rootfs mounted after a kill at ${delay} ms`);
  }
  // The same play then runs whole: the infra and the three members.
  await env.ok(['kube', 'play', file]);
  const running = (await env.ok(['ps', '--format', '{{.Names}}'])).trim().split('\n').sort();
  assert.deepEqual(running.filter((n) => !n.endsWith('-infra')), ['crashy-a', 'crashy-b', 'crashy-c']);
  assert.equal(running.length, 4);
  await env.ok(['kube', 'down', file]);
  assert.deepEqual(rootfsMounts(), []);
});
