/**
 * A container's health, in Docker's State.Health shape, and the pure update after each probe
 * (moby daemon/health.go handleProbeResult):
 *
 *   start of the container          Status "starting", FailingStreak 0 (the log is kept)
 *   probe exits 0                   FailingStreak 0, Status "healthy"
 *   probe fails (exit != 0, timeout) while "starting" and still inside the start period:
 *                                   nothing counts (the log still records it)
 *   probe fails otherwise           FailingStreak + 1; "unhealthy" once it reaches Retries
 *
 * The log keeps the last five results; each output is cut to 4096 bytes, with "..." when cut.
 */
import type { Probe } from './health-config.js';

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

export interface HealthLogEntry {
  /** RFC 3339 with nanoseconds, as Docker writes them. */
  Start: string;
  End: string;
  /** 0 healthy, anything else a failure; -1 when the probe timed out or could not run. */
  ExitCode: number;
  Output: string;
}

export interface HealthState {
  Status: HealthStatus;
  FailingStreak: number;
  Log: HealthLogEntry[];
  /** hull's: false until this run's startup check passed (only with a StartupHealthcheck). */
  StartupPassed?: boolean;
}

export const MAX_LOG_ENTRIES = 5;
export const MAX_OUTPUT_BYTES = 4096;

/** The health a container gets each time it starts (with a startup check: not passed yet). */
export function startingHealth(previous: HealthState | undefined, startupCheck = false): HealthState {
  return { Status: 'starting', FailingStreak: 0, Log: previous?.Log ?? [], ...(startupCheck ? { StartupPassed: false } : {}) };
}

/**
 * Pure: the health after one startup-check result (podman's startup health check): a success
 * ends the startup phase (the regular check takes over, Status still "starting"); `retries`
 * failures in a row mean the container failed to start up and is to be restarted.
 */
export function applyStartupResult(current: HealthState, result: HealthLogEntry, ctx: ProbeContext, regularCheck: boolean): { health: HealthState; failed: boolean; changedTo?: HealthStatus } {
  const Log = [...current.Log, result].slice(-MAX_LOG_ENTRIES);
  if (result.ExitCode === 0) {
    // With no regular check to take over, passing the startup check is the last word: healthy.
    if (!regularCheck && current.Status !== 'healthy') return { health: { ...current, Status: 'healthy', FailingStreak: 0, Log, StartupPassed: true }, failed: false, changedTo: 'healthy' };
    return { health: { ...current, FailingStreak: 0, Log, StartupPassed: true }, failed: false };
  }
  // Failures inside the start period do not count, as for the regular check.
  if (Date.parse(result.Start) - Date.parse(ctx.startedAt) < ctx.probe.startPeriodMs) return { health: { ...current, Log }, failed: false };
  const streak = current.FailingStreak + 1;
  return { health: { ...current, FailingStreak: streak, Log }, failed: streak >= ctx.probe.retries };
}

/** Docker's limitedBuffer: the first 4096 bytes, "..." when more were written. */
export function truncateOutput(output: Buffer): string {
  if (output.length <= MAX_OUTPUT_BYTES) return output.toString('utf8');
  return output.subarray(0, MAX_OUTPUT_BYTES).toString('utf8') + '...';
}

/** Go's Duration.String for whole milliseconds and above ("30s", "1m30s", "500ms"), for messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}

export function timeoutOutput(timeoutMs: number): string {
  return `Health check exceeded timeout (${formatDuration(timeoutMs)})`;
}

export interface ProbeContext {
  probe: Pick<Probe, 'retries' | 'startPeriodMs'>;
  /** The container's State.StartedAt. */
  startedAt: string;
}

export interface HealthUpdate {
  health: HealthState;
  /** Set when Status changed: what the health_status event reports. */
  changedTo?: HealthStatus;
}

/** Pure: the health after one probe result. */
export function applyProbeResult(current: HealthState, result: HealthLogEntry, ctx: ProbeContext): HealthUpdate {
  const log = [...current.Log, result].slice(-MAX_LOG_ENTRIES);
  let { Status: status, FailingStreak: streak } = current;
  if (result.ExitCode === 0) {
    streak = 0;
    status = 'healthy';
  } else {
    const inStartPeriod = status === 'starting' && Date.parse(result.Start) - Date.parse(ctx.startedAt) < ctx.probe.startPeriodMs;
    if (!inStartPeriod) {
      streak += 1;
      if (streak >= ctx.probe.retries) status = 'unhealthy';
    }
  }
  const health = { ...current, Status: status, FailingStreak: streak, Log: log };
  return status === current.Status ? { health } : { health, changedTo: status };
}

/** docker ps's suffix: "(health: starting)", "(healthy)", "(unhealthy)". */
export function healthSuffix(h: HealthState | undefined): string {
  if (!h) return '';
  return h.Status === 'starting' ? ' (health: starting)' : ` (${h.Status})`;
}

/**
 * RFC 3339 with sub-second digits and no trailing zeros, as Go marshals time.Time (Docker's
 * Start/End); microseconds, the precision Node's clock gives.
 */
export function rfc3339Micro(ms: number): string {
  const whole = Math.floor(ms);
  const iso = new Date(whole).toISOString();
  const frac = String(Math.min(999_999, Math.round((ms - whole + (whole % 1000)) * 1000))).padStart(6, '0').replace(/0+$/, '');
  return frac ? iso.replace(/\.\d{3}Z$/, `.${frac}Z`) : iso.replace(/\.\d{3}Z$/, 'Z');
}
