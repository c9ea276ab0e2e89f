import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimScheduler, findScheduler, handOverScheduler, holderOfPid, releaseScheduler, tokenOf, wakeScheduler, type Holder } from './scheduler-lock.js';
import { startWaiter } from './waiter.js';

const me = holderOfPid(process.pid) as Holder;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(fn: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function dir(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'hull-waiter-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

// The program the waiter execs in the real scheduler's place: it writes who it is.
const reporter = (out: string) => [process.execPath, '-e', `const s=require('fs').readFileSync('/proc/self/stat','utf8');require('fs').writeFileSync(${JSON.stringify(out)}, process.pid+' '+s.slice(s.lastIndexOf(')')+2).split(' ')[19])`];

test('a waiter handed the lock is woken by SIGHUP and execs the scheduler as the same lock holder', async (t) => {
  const d = dir(t);
  const lock = join(d, 'scheduler.lock');
  const out = join(d, 'exec-ed');
  assert.equal(claimScheduler(lock, me), true);
  assert.equal(claimScheduler(lock, me), true, 'claiming a lock one holds is a no-op');
  const waiter = await startWaiter(3600, reporter(out), process.env);
  t.after(() => { try { process.kill(waiter.pid, 'SIGKILL'); } catch { /* gone */ } });
  assert.equal(handOverScheduler(lock, me, waiter), true);
  assert.equal(handOverScheduler(lock, me, waiter), false, 'only the holder can hand over');
  assert.deepEqual(findScheduler(lock), waiter);
  assert.equal(claimScheduler(lock, me), false, 'a live waiter keeps the lock');
  assert.equal(wakeScheduler(lock), true);
  const token = await until(() => (existsSync(out) ? readFileSync(out, 'utf8') : undefined), 'the exec-ed scheduler');
  assert.equal(token, tokenOf(waiter), 'the token in the lock still names the process after the exec');
});

test('a waiter killed with -9 leaves a lock the next claimant takes over', async (t) => {
  const d = dir(t);
  const lock = join(d, 'scheduler.lock');
  assert.equal(claimScheduler(lock, me), true);
  const waiter = await startWaiter(3600, ['/bin/true'], process.env);
  assert.equal(handOverScheduler(lock, me, waiter), true);
  process.kill(waiter.pid, 'SIGKILL');
  await until(() => findScheduler(lock) === undefined, 'the waiter to die');
  assert.equal(wakeScheduler(lock), false, 'nothing to wake: the caller starts a scheduler');
  assert.equal(claimScheduler(lock, me), true);
  releaseScheduler(lock, me);
  assert.equal(existsSync(lock), false);
});

test('a waiter whose sleep ends runs the scheduler on its own', async (t) => {
  const d = dir(t);
  const out = join(d, 'exec-ed');
  const waiter = await startWaiter(0.05, reporter(out), process.env);
  assert.equal(await until(() => (existsSync(out) ? readFileSync(out, 'utf8') : undefined), 'the exec-ed scheduler'), tokenOf(waiter));
});
