/**
 * The store's health and restart scheduler as the engine runs it (`hull health-scheduler`, started
 * detached by whoever needs it, and exec'd by its waiter): the loop of health/ over the container
 * jobs of containers/health-jobs.ts. docs/health.md has the design.
 */
import { appendFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEnv } from '../runtime/conmon.js';
import type { ContainerService } from '../containers/service.js';
import { runSchedulerProcess, type SchedulerProcessExit } from '../health/scheduler-process.js';
import { schedulerLockPath } from '../health/scheduler-lock.js';
import type { Scheduler } from '../health/scheduler.js';

export interface HealthSchedulerDeps {
  containers: ContainerService;
  runroot: string;
  hullArgv: string[];
  env: NodeJS.ProcessEnv;
}

/** conmon's minimal environment (PATH, HOME, HULL_*), without conmon's own sync-pipe variable. */
function schedulerEnv(from: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { _OCI_SYNCPIPE: _conmonOnly, ...env } = monitorEnv(from);
  return env;
}

const MAX_LOG_BYTES = 1024 * 1024;

/** Errors of jobs go to <runroot>/health/scheduler.log (no terminal to print to); capped. */
function logError(runroot: string, what: string, err: unknown): void {
  const path = join(runroot, 'health', 'scheduler.log');
  try {
    if ((statSync(path, { throwIfNoEntry: false })?.size ?? 0) > MAX_LOG_BYTES) return;
    appendFileSync(path, `${new Date().toISOString()} ${what}: ${err instanceof Error ? err.message : String(err)}\n`);
  } catch {
    // a log of errors is best effort
  }
}

export function runHealthScheduler(d: HealthSchedulerDeps, signal: AbortSignal, onScheduler: (s: Scheduler) => void): Promise<SchedulerProcessExit> {
  return runSchedulerProcess({
    lockPath: schedulerLockPath(d.runroot),
    deps: {
      entries: () => d.containers.health.entries(),
      run: (job) => d.containers.health.run(job),
      onError: (job, err) => logError(d.runroot, `${job.kind} ${job.id}`, err),
    },
    signal,
    schedulerArgv: [...d.hullArgv, 'health-scheduler'],
    env: schedulerEnv(d.env),
    onScheduler,
  });
}
