/**
 * The jobs the store's scheduler runs (health/scheduler.ts), on the container records:
 *
 *   restart   a "restarting" container whose back-off ended: started again, under its start lock,
 *             unless the user stopped it meanwhile (then it is left exited)
 *   probe     one health probe of a running container; its result goes into State.Health under
 *             the record's lock, a changed status is a `health_status: ...` event, and turning
 *             unhealthy runs --health-on-failure
 *
 * and what the monitor's exit command does (`handleExit`): record the exit, and for a restart due
 * within a couple of seconds, wait and restart here rather than start a scheduler for it.
 */
import { spawn } from 'node:child_process';
import { HullError } from '../errors.js';
import type { EventLog } from '../events/event-log.js';
import { monitorEnv } from '../runtime/conmon.js';
import type { RuntimeOptions } from '../runtime/runc.js';
import { effectiveProbe } from '../health/health-config.js';
import { applyProbeResult, applyStartupResult, startingHealth, type HealthLogEntry, type HealthState } from '../health/health-state.js';
import { activeProbe } from '../health/active-probe.js';
import { runProbe } from '../health/probe.js';
import type { Job, ScheduleEntry } from '../health/schedule.js';
import { ensureScheduler } from '../health/scheduler-process.js';
import { findScheduler, schedulerLockPath } from '../health/scheduler-lock.js';
import { needsScheduler } from '../health/schedule.js';
import { checkAutoRemove, restoresAtBoot, validateRestartPolicy, type RestartPolicy } from '../health/restart-policy.js';
import type { ContainerStore } from './container-store.js';
import type { Lifecycle } from './lifecycle.js';
import type { ContainerRecord } from './record.js';
import { transition } from './state-machine.js';
import { isLive, reconcile } from './reconcile.js';

export interface HealthJobDeps {
  store: ContainerStore;
  lifecycle: Lifecycle;
  events: EventLog;
  runtime: RuntimeOptions;
  runroot: string;
  hullArgv: string[];
  /** The engine's environment: the scheduler gets its PATH and HULL_* settings, as the monitor does. */
  env: NodeJS.ProcessEnv;
}

/** A restart due this soon is waited for by the exit command itself (no scheduler started). */
export const RESTART_IN_PLACE_MS = 2_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ProbeOutcome {
  result: HealthLogEntry;
  health: HealthState;
}

/** Pure: a reconciled record as the scheduler sees it. */
export function entryOf(r: ContainerRecord): ScheduleEntry {
  const probe = activeProbe(r.Config, r.State.Health)?.probe;
  return {
    id: r.Id,
    status: r.State.Status,
    startedAt: r.State.StartedAt,
    ...(probe ? { probe } : {}),
    ...(r.State.Health ? { health: r.State.Health } : {}),
    ...(r.Restart?.dueAt !== undefined ? { restartAt: r.Restart.dueAt } : {}),
  };
}

export class HealthJobs {
  constructor(private readonly deps: HealthJobDeps) {}

  /** Wakes the store's scheduler, or starts one (detached) when none is alive. */
  schedule(): void {
    ensureScheduler(schedulerLockPath(this.deps.runroot), () => {
      const [cmd, ...args] = [...this.deps.hullArgv, 'health-scheduler'];
      const { _OCI_SYNCPIPE: _conmonOnly, ...env } = monitorEnv(this.deps.env);
      const child = spawn(cmd as string, args, { stdio: 'ignore', detached: true, env, cwd: '/' });
      child.on('error', () => {}); // the next hull command that notices will try again
      child.unref();
    });
  }

  /**
   * Starts the scheduler if records need one and none is alive (it was killed -9, or the host
   * rebooted under a pending restart): any hull command that reads the records can notice.
   */
  ensureAlive(reconciled?: readonly ContainerRecord[]): void {
    const entries = reconciled ? reconciled.map(entryOf) : this.entries();
    if (needsScheduler(entries) && !findScheduler(schedulerLockPath(this.deps.runroot))) this.schedule();
  }

  /** `hull update --restart`: a new policy for the next exits (Docker keeps the restart count). */
  async setRestartPolicy(idOrName: string, policy: RestartPolicy): Promise<ContainerRecord> {
    const r = this.deps.store.get(idOrName);
    const checked = validateRestartPolicy(policy);
    checkAutoRemove(checked, r.HostConfig.AutoRemove, r.Name);
    const updated = await this.deps.store.update(r.Id, (x) => {
      if (checked.Name === 'no') delete x.HostConfig.RestartPolicy;
      else x.HostConfig.RestartPolicy = checked;
    });
    this.deps.events.emit('container', 'update', r.Id, { name: r.Name });
    return updated;
  }

  /**
   * After a reboot (the runroot is empty, no monitor is left): starts again every container whose
   * policy brings it back at boot — always, and unless-stopped unless the user had stopped it.
   * Returns the containers started; one that fails to start is reported and the rest go on.
   */
  async restore(onError: (r: ContainerRecord, err: unknown) => void = () => {}): Promise<ContainerRecord[]> {
    const started: ContainerRecord[] = [];
    for (const stored of this.deps.store.list()) {
      const policy = validateRestartPolicy(stored.HostConfig.RestartPolicy);
      if (!restoresAtBoot(policy, stored.Restart?.stoppedByUser ?? false)) continue;
      if (isLive(stored.State.Status) && this.deps.lifecycle.alive(stored.Id)) continue;
      try {
        await this.deps.lifecycle.cleanup(stored.Id, { restartsItself: true });
        await this.deps.lifecycle.withStartLock(stored.Id, async () => {
          const r = this.deps.store.get(stored.Id);
          if (isLive(r.State.Status) && this.deps.lifecycle.alive(r.Id)) return;
          await this.deps.lifecycle.startLocked(r, { byPolicy: false });
          started.push(r);
        });
      } catch (err) {
        onError(stored, err);
      }
    }
    return started;
  }

  /** What the scheduler sees: every record, reconciled, as a schedule entry. */
  entries(): ScheduleEntry[] {
    return this.deps.store.list().map((stored) => entryOf(reconcile(stored, this.deps.runtime.stateDir, this.deps.lifecycle.paths(stored.Id))));
  }

  async run(job: Job): Promise<void> {
    if (job.kind === 'restart') await this.restartDue(job.id);
    else await this.probe(job.id);
  }

  /**
   * The monitor's exit command: records the exit (the restart decision is taken there) and, when
   * the back-off is short, restarts the container itself; a longer one is left to the scheduler.
   */
  async handleExit(id: string): Promise<void> {
    // Under the start lock: an exit that beats its own start's bookkeeping (a command that exits
    // at once) waits until the record says "running", or the exit would be recorded by no one.
    const record = await this.deps.lifecycle.withStartLock(id, () => this.deps.lifecycle.cleanup(id, { restartsItself: true }));
    if (!record || record.State.Status !== 'restarting') return;
    const wait = (record.Restart?.dueAt ?? 0) - Date.now();
    if (wait > RESTART_IN_PLACE_MS) return this.schedule();
    await sleep(Math.max(0, wait));
    await this.restartDue(id);
  }

  /** Starts a restarting container whose back-off has ended; anything else is left as it is. */
  async restartDue(id: string): Promise<void> {
    const lifecycle = this.deps.lifecycle;
    let restarted: ContainerRecord | undefined;
    await lifecycle.withStartLock(id, async () => {
      const r = this.deps.store.find(id);
      if (!r || r.State.Status !== 'restarting') return;
      if (r.Restart?.stoppedByUser) {
        await this.deps.store.update(id, (x) => transition(x, 'exited'));
        return;
      }
      if ((r.Restart?.dueAt ?? 0) > Date.now()) return this.schedule(); // woken early: not due yet
      try {
        await lifecycle.startLocked(r, { byPolicy: true });
        restarted = r;
      } catch (err) {
        // Docker leaves a container whose restart failed stopped, with the reason.
        await this.deps.store.update(id, (x) => {
          if (x.State.Status === 'restarting') transition(x, 'exited', { Error: err instanceof Error ? err.message : String(err) });
        });
      }
    });
    if (restarted) this.deps.events.emit('container', 'restart', id, { name: restarted.Name, image: restarted.Config.Image });
  }

  /**
   * Runs one probe now (the scheduler's job, and `hull healthcheck run`), records its result and
   * acts on a turn to unhealthy. A result for a run that ended meanwhile is dropped.
   */
  async probe(idOrName: string, signal?: AbortSignal): Promise<ProbeOutcome> {
    const stored = this.deps.store.get(idOrName);
    const r = reconcile(stored, this.deps.runtime.stateDir, this.deps.lifecycle.paths(stored.Id));
    const active = activeProbe(r.Config, r.State.Health);
    if (!active) throw new HullError('INVALID_ARGUMENT', `Cannot run the health check of container "${r.Name}": it has none`, { hint: 'give one with --health-cmd when creating it, or a HEALTHCHECK in its image' });
    if (r.State.Status !== 'running') throw new HullError('CONFLICT', `Cannot run the health check of container "${r.Name}": it is ${r.State.Status}`, { hint: `start it first ("hull start ${r.Name}")` });
    const { probe, startup } = active;
    const result = await runProbe({ runtime: this.deps.runtime, id: r.Id, bundle: this.deps.lifecycle.paths(r.Id).bundle, pid: r.State.Pid }, probe, signal);
    let changedTo: HealthState['Status'] | undefined;
    let startupFailed = false;
    const updated = await this.deps.store.update(r.Id, (x) => {
      if (x.State.Status !== 'running' || x.State.StartedAt !== r.State.StartedAt) return;
      const current = x.State.Health ?? startingHealth(undefined, startup);
      if (startup) {
        const u = applyStartupResult(current, result, { probe, startedAt: x.State.StartedAt }, effectiveProbe(x.Config.Healthcheck) !== undefined);
        x.State.Health = u.health;
        startupFailed = u.failed;
        changedTo = u.changedTo;
        return;
      }
      const u = applyProbeResult(current, result, { probe, startedAt: x.State.StartedAt });
      x.State.Health = u.health;
      changedTo = u.changedTo;
    }, { durable: false });
    const health = updated.State.Health ?? startingHealth(undefined);
    // podman's startup check: failing it `retries` times in a row restarts the container.
    if (startupFailed) await this.restartUnhealthy(updated);
    if (changedTo) {
      // Docker's event action carries the status: "health_status: healthy".
      this.deps.events.emit('container', `health_status: ${changedTo}`, r.Id, { name: r.Name, image: r.Config.Image });
      if (changedTo === 'unhealthy') await this.onUnhealthy(updated);
    }
    return { result, health };
  }

  /** podman's --health-on-failure: kill (a restart policy may bring it back), stop, restart. */
  private async onUnhealthy(r: ContainerRecord): Promise<void> {
    const action = r.Config.HealthcheckOnFailureAction ?? 'none';
    const lifecycle = this.deps.lifecycle;
    if (action === 'kill') await lifecycle.kill(r, 'KILL', { byUser: false }).catch(() => {});
    else if (action === 'stop') await lifecycle.stop(r, r.HostConfig.StopTimeout ?? 10, { byUser: true });
    else if (action === 'restart') await this.restartUnhealthy(r);
  }

  /** Stop and start again, counted as a restart (RestartCount), not as the user's. */
  private async restartUnhealthy(r: ContainerRecord): Promise<void> {
    const lifecycle = this.deps.lifecycle;
    const stopped = await lifecycle.stop(r, r.HostConfig.StopTimeout ?? 10, { byUser: false });
    await lifecycle.withStartLock(r.Id, async () => {
      const now = this.deps.store.get(r.Id);
      // The stop's exit may already have been restarted by the policy: then that is the restart.
      if (now.State.Status === 'exited' || now.State.Status === 'restarting') await lifecycle.startLocked(now, { byPolicy: true });
    });
    this.deps.events.emit('container', 'restart', r.Id, { name: stopped.Name, image: r.Config.Image });
  }
}
