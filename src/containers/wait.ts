/**
 * Waiting for a container with Docker's conditions (`POST /containers/{id}/wait?condition=`):
 *
 *   not-running  resolves at once for a container that is not running, else at its exit
 *   next-exit    resolves at the container's next exit, even if it is only created now
 *   removed      resolves once the container is removed (after its exit, if it was running)
 *
 * No daemon sees the exit: this watches the monitor's exit directory and reconciles (cleanup),
 * as every read does. A container removed by someone else (an `--rm` monitor) still reports its
 * exit code: the 'die' event it left in the event log carries it.
 */
import { mkdirSync, watch } from 'node:fs';
import { HullError } from '../errors.js';
import type { EventLog } from '../events/event-log.js';
import type { ContainerStore } from './container-store.js';
import type { ContainerRecord } from './record.js';
import { isLive } from './reconcile.js';

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

export const WAIT_CONDITIONS: readonly WaitCondition[] = ['not-running', 'next-exit', 'removed'];

export interface WaitResult {
  StatusCode: number;
  /** Docker's `Error.Message`: why the container could not run, when it did not. */
  Error?: { Message: string };
}

export interface WaitDeps {
  store: ContainerStore;
  events: EventLog;
  exitDir: string;
  /** Records the exit of a container whose init is gone; undefined when there was nothing to do. */
  cleanup(id: string): Promise<ContainerRecord | undefined>;
  exited(id: string): boolean;
}

const resultOf = (r: ContainerRecord): WaitResult => ({ StatusCode: r.State.ExitCode, ...(r.State.Error ? { Error: { Message: r.State.Error } } : {}) });

/** The exit code a removed container left in the event log, if it left one after `sinceNano`. */
function lastDie(events: EventLog, id: string, sinceNano: number): WaitResult | undefined {
  const die = events.read().filter((e) => e.Actor.ID === id && e.Action === 'die' && e.timeNano >= sinceNano).at(-1);
  return die ? { StatusCode: Number(die.Actor.Attributes.exitCode ?? 0) } : undefined;
}

export async function waitForContainer(deps: WaitDeps, id: string, condition: WaitCondition, signal?: AbortSignal): Promise<WaitResult> {
  const first = deps.store.find(id);
  if (!first) throw new HullError('NOT_FOUND', `Cannot wait for container "${id}": no such container`);
  const startedNano = Date.now() * 1e6;
  const firstFinish = first.State.FinishedAt;
  // A "restarting" container has exited (Docker releases its waiters then too).
  let sawActive = isLive(first.State.Status);
  let exit: WaitResult | undefined;
  mkdirSync(deps.exitDir, { recursive: true });
  let wake: () => void = () => {};
  const watcher = watch(deps.exitDir, () => wake());
  const onAbort = () => wake();
  signal?.addEventListener('abort', onAbort);
  try {
    for (;;) {
      signal?.throwIfAborted();
      let r = deps.store.find(id);
      if (r && isLive(r.State.Status) && deps.exited(id)) r = (await deps.cleanup(id)) ?? deps.store.find(id);
      if (!r) {
        // Removed: by us (condition removed) or by whoever recorded an --rm container's exit.
        if (condition === 'removed' || sawActive || exit) return exit ?? lastDie(deps.events, id, startedNano - 60e9) ?? { StatusCode: 0 };
        throw new HullError('NOT_FOUND', `Cannot wait for container "${first.Name}": it was removed`);
      }
      if (isLive(r.State.Status)) sawActive = true;
      else if (condition === 'not-running' || sawActive || r.State.FinishedAt !== firstFinish) {
        exit = resultOf(r);
        if (condition !== 'removed') return exit;
      }
      // The watch wakes us at once; the timer is a safety net (runc state read, a missed event).
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    watcher.close();
    signal?.removeEventListener('abort', onAbort);
  }
}
