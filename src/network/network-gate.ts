/**
 * A gate between a network still being set up and the container's first instruction, so the two
 * run side by side: pasta configures the namespace (tens of ms) while runc creates the container
 * in it, and the container's process starts only once pasta is done (docs/rootless.md,
 * "Performance").
 *
 * The gate is a FIFO in the bundle and an OCI `createRuntime` hook (runtime-spec config.md,
 * "createRuntime Hooks": run after the namespaces exist, before pivot_root; a failing hook
 * stops the start) that reads one line from it: "ok" opens the gate, anything else, or EOF
 * (hull gone), fails the start. hull holds the FIFO open read-write from before runc starts,
 * so the hook's open never blocks and the line waits in the pipe until the hook reads it; hull
 * closes it once runc is past its hooks (`close`).
 */
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { execOrThrow } from '../sys/exec.js';
import { which } from '../sys/which.js';

/** An OCI hook (runtime-spec config.md "POSIX-platform Hooks"). */
export interface SpecHook {
  path: string;
  args: string[];
  timeout?: number;
}

export interface NetworkGate {
  hook: SpecHook;
  /** Opens the gate (true) or fails the start (false). */
  release(ok: boolean): void;
  /** runc is past its hooks (or failed): drop the FIFO. */
  close(): void;
}

/** Pure: the hook that waits at the gate. */
export function planGateHook(sh: string, fifo: string, timeoutSeconds: number): SpecHook {
  return { path: sh, args: ['sh', '-c', 'read s < "$0" && [ "$s" = ok ]', fifo], timeout: timeoutSeconds };
}

export async function openNetworkGate(bundleDir: string, timeoutSeconds = 120): Promise<NetworkGate> {
  const fifo = join(bundleDir, 'network-gate');
  rmSync(fifo, { force: true });
  await execOrThrow([which('mkfifo') ?? 'mkfifo', '-m', '600', fifo], 'make the network gate');
  // Read-write: never blocks on a FIFO (Linux fifo(7)), and keeps a writer for the hook's open.
  let fd: number | undefined = openSync(fifo, 'r+');
  let released = false;
  return {
    hook: planGateHook(which('sh') ?? '/bin/sh', fifo, timeoutSeconds),
    release(ok) {
      if (released || fd === undefined) return;
      released = true;
      writeSync(fd, ok ? 'ok\n' : 'fail\n');
    },
    close() {
      if (fd === undefined) return;
      closeSync(fd);
      fd = undefined;
      rmSync(fifo, { force: true });
    },
  };
}
