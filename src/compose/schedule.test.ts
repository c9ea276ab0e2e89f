import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runGraph } from './schedule.js';

// a <- b, a <- c <- d: each task may start only after what it waits for has finished.
const deps: Record<string, string[]> = { a: [], b: ['a'], c: ['a'], d: ['c'] };

test('a task starts once what it waits for has finished, not when a whole level has', async () => {
  const log: string[] = [];
  let releaseB: () => void = () => {};
  const bHeld = new Promise<void>((r) => (releaseB = r));
  const graph = runGraph(['d', 'c', 'b', 'a'], (n) => deps[n] ?? [], async (n) => {
    log.push(`start ${n}`);
    if (n === 'b') await bHeld; // b is slow: d must not wait for it
    if (n === 'd') releaseB();
    log.push(`end ${n}`);
  });
  await graph;
  assert.ok(log.indexOf('end a') < log.indexOf('start b'));
  assert.ok(log.indexOf('end a') < log.indexOf('start c'));
  assert.ok(log.indexOf('end c') < log.indexOf('start d'));
  assert.ok(log.indexOf('start d') < log.indexOf('end b'), `d ran while b was still running: ${log.join(', ')}`);
});

test('a failure stops what waits on it, lets the rest finish, and is thrown once all settle', async () => {
  const ran: string[] = [];
  await assert.rejects(
    runGraph(['a', 'b', 'c', 'd'], (n) => deps[n] ?? [], async (n) => {
      ran.push(n);
      if (n === 'c') throw new Error('c failed');
    }),
    /c failed/,
  );
  assert.deepEqual(ran.sort(), ['a', 'b', 'c']); // d waits on c: never started
});

test('names outside the set are not waited for, and a cycle is refused', async () => {
  const ran: string[] = [];
  await runGraph(['b'], (n) => deps[n] ?? [], async (n) => void ran.push(n));
  assert.deepEqual(ran, ['b']);
  await assert.rejects(runGraph(['x', 'y'], (n) => (n === 'x' ? ['y'] : ['x']), async () => {}), /cycle: x -> y -> x|cycle: y -> x -> y/);
});
