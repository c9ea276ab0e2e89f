/**
 * The store's scheduler loop: reads the records, runs what is due (probes, restarts after a
 * back-off), sleeps until the next job or a wake-up, and returns when it should no longer be a
 * Node process: nothing needs it ("idle"), or the next job is far enough away that a ~1 MB
 * waiter can sleep in its place ("handover", see waiter.ts). docs/health.md explains the design.
 *
 * Effects come in through `SchedulerDeps`, cancellation through an AbortSignal, wake-ups through
 * `wake()` (the CLI turns SIGHUP into it): the loop itself never touches the process.
 */
import { planSchedule, type Job, type ScheduleEntry } from './schedule.js';

/** How long a container whose job threw is left alone before its job is tried again. */
export const FAILED_JOB_REST_MS = 1_000;

export interface SchedulerDeps {
  /** The records as schedule entries, read afresh (reconciled) on every call. */
  entries(): ScheduleEntry[] | Promise<ScheduleEntry[]>;
  /** Runs one job; it re-checks the record under its lock (a job may be stale by then). */
  run(job: Job): Promise<void>;
  /** A job that failed: reported, never fatal to the loop. */
  onError?(job: Job, err: unknown): void;
  now?(): number;
}

export interface SchedulerOptions {
  signal: AbortSignal;
  /** Hand over to a waiter when nothing runs and the next job is further than this (ms). */
  handoverAfterMs?: number;
  /** At most this many jobs at once (probes are runc execs; 2 cores are shared). */
  concurrency?: number;
}

export type SchedulerExit = { reason: 'idle' } | { reason: 'aborted' } | { reason: 'handover'; wakeAt: number };

export class Scheduler {
  private wakeUp: () => void = () => {};
  private woken = false;
  /** Containers whose last job failed, until when they are left alone (a failing job must not spin). */
  private readonly resting = new Map<string, number>();

  constructor(private readonly deps: SchedulerDeps) {}

  /** Makes the loop re-read the records now (a container started, exited or was stopped). */
  wake(): void {
    this.woken = true;
    this.wakeUp();
  }

  async run(opts: SchedulerOptions): Promise<SchedulerExit> {
    const now = this.deps.now ?? Date.now;
    const handoverAfter = opts.handoverAfterMs ?? 2_000;
    const limit = opts.concurrency ?? 4;
    const busy = new Map<string, Promise<void>>();
    const onAbort = () => this.wakeUp();
    opts.signal.addEventListener('abort', onAbort);
    try {
      for (;;) {
        if (opts.signal.aborted) {
          await Promise.allSettled(busy.values());
          return { reason: 'aborted' };
        }
        this.woken = false;
        const t = now();
        for (const [id, until] of this.resting) if (until <= t) this.resting.delete(id);
        const plan = planSchedule(await this.deps.entries(), t, new Set([...busy.keys(), ...this.resting.keys()]));
        const restingUntil = Math.min(...this.resting.values());
        if (this.resting.size > 0 && (plan.nextAt === undefined || restingUntil < plan.nextAt)) plan.nextAt = restingUntil;
        for (const job of plan.due) {
          if (busy.size >= limit) break;
          busy.set(job.id, this.runJob(job).finally(() => {
            busy.delete(job.id);
            this.wake();
          }));
        }
        const waitMs = plan.nextAt === undefined ? undefined : Math.max(0, plan.nextAt - now());
        if (busy.size === 0 && plan.due.length === 0) {
          if (waitMs === undefined) return { reason: 'idle' };
          if (waitMs > handoverAfter && plan.nextAt !== undefined) return { reason: 'handover', wakeAt: plan.nextAt };
        }
        // With jobs queued beyond the limit, a finishing job wakes the loop.
        if (this.woken || opts.signal.aborted) continue;
        await this.sleep(waitMs ?? handoverAfter);
      }
    } finally {
      opts.signal.removeEventListener('abort', onAbort);
    }
  }

  private async runJob(job: Job): Promise<void> {
    try {
      await this.deps.run(job);
    } catch (err) {
      this.resting.set(job.id, (this.deps.now ?? Date.now)() + FAILED_JOB_REST_MS);
      this.deps.onError?.(job, err);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }
}
