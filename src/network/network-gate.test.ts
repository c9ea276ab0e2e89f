import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openNetworkGate, planGateHook } from './network-gate.js';

/** Runs the hook as runc would (its argv, the state on stdin) and resolves to its exit code. */
function runHook(hook: { path: string; args: string[] }): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(hook.path, hook.args.slice(1), { argv0: hook.args[0], stdio: ['pipe', 'ignore', 'ignore'] });
    child.stdin.on('error', () => {}); // it need not read the state (runc ignores EPIPE too)
    child.stdin.end('{"ociVersion":"1.0.2","id":"x","status":"creating","pid":1,"bundle":"/"}');
    child.on('close', (code) => resolve(code));
  });
}

test('the hook reads one line: "ok" passes, "fail" fails, whichever comes first', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gate-'));
  try {
    const open = await openNetworkGate(dir);
    const waiting = runHook(open.hook); // blocks at the gate
    open.release(true);
    assert.equal(await waiting, 0);
    open.close();
    assert.equal(existsSync(join(dir, 'network-gate')), false);

    const shut = await openNetworkGate(dir);
    shut.release(false); // before the hook even looks: the line waits in the pipe
    assert.equal(await runHook(shut.hook), 1);
    shut.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the hook fails when hull is gone (EOF instead of a line)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gate-'));
  try {
    const gate = await openNetworkGate(dir);
    const { path, args } = gate.hook;
    const fifo = args[3] as string;
    // The hook holds the FIFO open for reading, then hull's end closes without a word.
    const waiting = runHook({ path, args: ['sh', '-c', 'exec 3< "$0"; echo >&2 open; read s <&3 && [ "$s" = ok ]', fifo] });
    await new Promise((r) => setTimeout(r, 100));
    gate.close();
    assert.equal(await waiting, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the hook is a shell reading the FIFO, with a timeout', () => {
  assert.deepEqual(planGateHook('/bin/sh', '/b/network-gate', 120), { path: '/bin/sh', args: ['sh', '-c', 'read s < "$0" && [ "$s" = ok ]', '/b/network-gate'], timeout: 120 });
});
