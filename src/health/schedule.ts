/**
 * What the store's scheduler has to do, and when, derived from the container records alone (there
 * is no daemon memory to consult): pure, so that any process can compute it from the same files.
 *
 *   probe    a running container with a health check: due one interval after the end of its
 *            last probe of this run (or after its start). The interval is the start interval
 *            while the container is "starting" and inside its start period, else the interval
 *            (moby daemon/health.go monitor/getInterval).
 *   restart  a container in "restarting" whose back-off ends at `restartAt`.
 */
import type { Probe } from './health-config.js';
import type { HealthState } from './health-state.js';

export interface ScheduleEntry {
  id: string;
  /** The container's status after reconciliation (Docker's words). */
  status: string;
  /** State.StartedAt. */
  startedAt: string;
  probe?: Probe;
  health?: HealthState;
  /** For a "restarting" container: when its back-off ends (ms since the epoch). */
  restartAt?: number;
}

export type Job = { kind: 'probe'; id: string; at: number } | { kind: 'restart'; id: string; at: number };

export interface SchedulePlan {
  /** Jobs whose time has come, oldest first. */
  due: Job[];
  /** The earliest time a job not yet due falls due; undefined when nothing is waiting. */
  nextAt?: number;
}

/** The interval after a probe (or the start) at `from`, by Docker's rule. */
export function probeInterval(probe: Probe, health: HealthState | undefined, startedAtMs: number, from: number): number {
  const inStartPeriod = from - startedAtMs < probe.startPeriodMs;
  return inStartPeriod && (health?.Status ?? 'starting') === 'starting' ? probe.startIntervalMs : probe.intervalMs;
}

/** When the container's next probe is due, or undefined when it has none (not running, no check). */
export function nextProbeAt(e: ScheduleEntry): number | undefined {
  if (e.status !== 'running' || !e.probe) return undefined;
  const started = Date.parse(e.startedAt);
  if (Number.isNaN(started)) return undefined;
  // Only probes of this run count: the log survives restarts.
  const lastEnd = Math.max(started, ...(e.health?.Log ?? []).map((l) => Date.parse(l.End)).filter((t) => !Number.isNaN(t)));
  return lastEnd + probeInterval(e.probe, e.health, started, lastEnd);
}

export function jobFor(e: ScheduleEntry): Job | undefined {
  if (e.status === 'restarting') return e.restartAt === undefined ? undefined : { kind: 'restart', id: e.id, at: e.restartAt };
  const at = nextProbeAt(e);
  return at === undefined ? undefined : { kind: 'probe', id: e.id, at };
}

/** Whether any container needs the scheduler at all (it exits when none does). */
export function needsScheduler(entries: readonly ScheduleEntry[]): boolean {
  return entries.some((e) => jobFor(e) !== undefined);
}

/** Pure: the jobs due at `now` (skipping `busy` containers, whose job is still running) and the next time to wake. */
export function planSchedule(entries: readonly ScheduleEntry[], now: number, busy: ReadonlySet<string> = new Set()): SchedulePlan {
  const due: Job[] = [];
  let nextAt: number | undefined;
  for (const e of entries) {
    if (busy.has(e.id)) continue;
    const job = jobFor(e);
    if (!job) continue;
    if (job.at <= now) due.push(job);
    else nextAt = nextAt === undefined ? job.at : Math.min(nextAt, job.at);
  }
  due.sort((a, b) => a.at - b.at);
  return nextAt === undefined ? { due } : { due, nextAt };
}
