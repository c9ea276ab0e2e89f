/**
 * The scheduler as a process: claim the store's lock, run the loop, and when the loop returns,
 * either give the lock up (nothing needs a scheduler) or hand it to a waiter that sleeps until
 * the next job and then execs the scheduler again. Started by whoever needs it (`ensureScheduler`)
 * and by the waiter; a second one finds the lock held and leaves at once.
 *
 * Publish-then-reread: after releasing or handing over, the records are read once more, and a job
 * that appeared meanwhile is taken back (claim again) or signalled to the waiter. A hull command
 * does the mirror image (write the record, then wake or start), so no change falls between them.
 */
import { HullError } from '../errors.js';
import { planSchedule, needsScheduler } from './schedule.js';
import { Scheduler, type SchedulerDeps } from './scheduler.js';
import { claimScheduler, findScheduler, handOverScheduler, holderOfPid, releaseScheduler, wakeScheduler, type Holder } from './scheduler-lock.js';
import { startWaiter } from './waiter.js';

export interface SchedulerProcessOptions {
  lockPath: string;
  deps: SchedulerDeps;
  signal: AbortSignal;
  /** The argv that runs this scheduler again (the waiter execs it). */
  schedulerArgv: string[];
  env: NodeJS.ProcessEnv;
  /** Lets the caller route wake-ups (SIGHUP) to the running loop. */
  onScheduler?: (s: Scheduler) => void;
  handoverAfterMs?: number;
}

export type SchedulerProcessExit = 'not-owner' | 'idle' | 'handed-over' | 'aborted';

function self(): Holder {
  const h = holderOfPid(process.pid);
  if (!h) throw new HullError('INTERNAL', 'Cannot run the health scheduler: /proc does not show this process');
  return h;
}

export async function runSchedulerProcess(o: SchedulerProcessOptions): Promise<SchedulerProcessExit> {
  const me = self();
  if (!claimScheduler(o.lockPath, me)) return 'not-owner';
  const scheduler = new Scheduler(o.deps);
  o.onScheduler?.(scheduler);
  const now = o.deps.now ?? Date.now;
  for (;;) {
    const exit = await scheduler.run({ signal: o.signal, handoverAfterMs: o.handoverAfterMs });
    if (exit.reason === 'aborted') {
      releaseScheduler(o.lockPath, me);
      return 'aborted';
    }
    if (exit.reason === 'idle') {
      releaseScheduler(o.lockPath, me);
      if (needsScheduler(await o.deps.entries()) && claimScheduler(o.lockPath, me)) continue;
      return 'idle';
    }
    const waiter = await startWaiter((exit.wakeAt - now()) / 1000, o.schedulerArgv, o.env);
    if (!handOverScheduler(o.lockPath, me, waiter)) {
      process.kill(waiter.pid, 'SIGKILL');
      return 'not-owner';
    }
    const plan = planSchedule(await o.deps.entries(), now());
    if (plan.due.length > 0 || (plan.nextAt !== undefined && plan.nextAt < exit.wakeAt)) wakeScheduler(o.lockPath);
    return 'handed-over';
  }
}

/**
 * What every hull command calls after writing a record the scheduler must see: wake the live
 * scheduler, or start one (`start` spawns it detached) when there is none. Cheap when there is.
 */
export function ensureScheduler(lockPath: string, start: () => void): 'woken' | 'started' {
  if (wakeScheduler(lockPath)) return 'woken';
  start();
  return 'started';
}

export { findScheduler };
