/**
 * Restart policies, as Docker defines them (docs: "Start containers automatically"; moby's
 * restartmanager): pure parsing, validation and the decision taken when a container exits.
 *
 *   no               never restart
 *   always           restart whatever the exit code, unless the user stopped it
 *   unless-stopped   as always; also not brought back at boot if the user had stopped it
 *   on-failure[:MAX] restart after a non-zero exit, at most MAX times (0 or absent: no limit)
 *
 * The back-off is Docker's: 100 ms before the first restart, doubled before each next one, capped
 * at one minute, and back to 100 ms once the container had run for 10 s. With no daemon to keep
 * the current delay in memory, it is kept in the record (`RestartState.delayMs`).
 */
import { HullError } from '../errors.js';

export type RestartPolicyName = 'no' | 'always' | 'unless-stopped' | 'on-failure';

/** Docker's HostConfig.RestartPolicy. */
export interface RestartPolicy {
  Name: RestartPolicyName;
  MaximumRetryCount: number;
}

export const NO_RESTART: RestartPolicy = { Name: 'no', MaximumRetryCount: 0 };

export const BACKOFF_FIRST_MS = 100;
export const BACKOFF_MAX_MS = 60_000;
/** A container that ran this long restarts with the first delay again. */
export const BACKOFF_RESET_AFTER_MS = 10_000;

const NAMES: readonly RestartPolicyName[] = ['no', 'always', 'unless-stopped', 'on-failure'];
const HINT = 'use --restart no, always, unless-stopped, on-failure or on-failure:MAX';

function invalid(value: string, why: string, hint = HINT): HullError {
  return new HullError('INVALID_ARGUMENT', `Cannot use restart policy "${escapeText(value)}": ${why}`, { hint });
}

/** Control characters from untrusted input, escaped for messages. */
function escapeText(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

/** Parses `--restart VALUE` (docker's opts.ParseRestartPolicy, then the daemon's validation). */
export function parseRestartPolicy(value: string): RestartPolicy {
  const colon = value.indexOf(':');
  const name = colon === -1 ? value : value.slice(0, colon);
  const count = colon === -1 || colon === value.length - 1 ? undefined : value.slice(colon + 1);
  if (name === '') throw invalid(value, 'no policy before the colon');
  let max = 0;
  if (count !== undefined) {
    if (!/^[+-]?\d{1,10}$/.test(count)) throw invalid(value, 'the maximum retry count must be a whole number');
    max = Number(count);
  }
  return validateRestartPolicy({ Name: name, MaximumRetryCount: max }, value);
}

/**
 * Checks Docker's HostConfig.RestartPolicy shape, as the API receives it: `Name` "" (older clients'
 * default) is "no"; a count is allowed only with on-failure and never negative.
 */
export function validateRestartPolicy(policy: unknown, shown?: string): RestartPolicy {
  if (policy === undefined || policy === null) return NO_RESTART;
  if (typeof policy !== 'object' || Array.isArray(policy)) throw invalid(String(shown ?? JSON.stringify(policy)), 'not an object with Name and MaximumRetryCount');
  const { Name, MaximumRetryCount } = policy as { Name?: unknown; MaximumRetryCount?: unknown };
  const name = Name === undefined || Name === '' ? 'no' : Name;
  const max = MaximumRetryCount ?? 0;
  const label = shown ?? `${String(name)}${max ? `:${String(max)}` : ''}`;
  if (typeof name !== 'string' || !NAMES.includes(name as RestartPolicyName)) {
    throw invalid(typeof name === 'string' ? label : JSON.stringify(name), 'unknown policy');
  }
  if (typeof max !== 'number' || !Number.isSafeInteger(max) || max > 2 ** 31 - 1) throw invalid(label, 'the maximum retry count must be a whole number');
  if (max < 0) throw invalid(label, 'the maximum retry count cannot be negative', 'write on-failure:N with N >= 0');
  if (max !== 0 && name !== 'on-failure') throw invalid(label, 'a maximum retry count can only be used with on-failure', `write --restart on-failure:${max}`);
  return { Name: name as RestartPolicyName, MaximumRetryCount: max };
}

/** `--rm` and a restart policy contradict each other (docker refuses them together too). */
export function checkAutoRemove(policy: RestartPolicy, autoRemove: boolean, container: string): void {
  if (autoRemove && policy.Name !== 'no') {
    throw new HullError('INVALID_ARGUMENT', `Cannot create container "${escapeText(container)}": --rm and --restart ${formatRestartPolicy(policy)} conflict`, {
      hint: 'drop --rm, or use --restart no',
    });
  }
}

/** The text form, as `--restart` takes it and `--filter restart-policy=` matches it. */
export function formatRestartPolicy(p: RestartPolicy): string {
  return p.Name === 'on-failure' && p.MaximumRetryCount > 0 ? `on-failure:${p.MaximumRetryCount}` : p.Name;
}

/** What the record keeps between exits (there is no daemon to remember it). */
export interface RestartState {
  /** The last back-off delay used, 0 before any restart; Docker's restartmanager.timeout. */
  delayMs: number;
}

export interface ExitFacts {
  policy: RestartPolicy;
  exitCode: number;
  /** Restarts by the policy since the user last started the container (Docker's RestartCount). */
  restartCount: number;
  /** The user stopped it (stop, kill, rm -f): no policy brings it back. */
  stoppedByUser: boolean;
  /** How long this run lasted. */
  ranForMs: number;
  previousDelayMs: number;
}

export type RestartDecision =
  | { restart: false; delayMs: number }
  | { restart: true; delayMs: number; restartCount: number };

/** Docker's next back-off delay: reset after a 10 s run, else first or doubled, capped. */
export function nextBackoff(previousDelayMs: number, ranForMs: number): number {
  const previous = ranForMs >= BACKOFF_RESET_AFTER_MS ? 0 : previousDelayMs;
  return previous <= 0 ? BACKOFF_FIRST_MS : Math.min(previous * 2, BACKOFF_MAX_MS);
}

/**
 * Pure: whether an exited container restarts, and after how long. The delay is computed even
 * when it does not restart, as Docker's restart manager does (it is kept for the next exit).
 */
export function planRestart(f: ExitFacts): RestartDecision {
  const delayMs = nextBackoff(f.previousDelayMs, f.ranForMs);
  let restart: boolean;
  switch (f.policy.Name) {
    case 'always':
    case 'unless-stopped':
      restart = !f.stoppedByUser;
      break;
    case 'on-failure': {
      const max = f.policy.MaximumRetryCount;
      restart = !f.stoppedByUser && f.exitCode !== 0 && (max === 0 || f.restartCount < max);
      break;
    }
    default:
      restart = false;
  }
  return restart ? { restart, delayMs, restartCount: f.restartCount + 1 } : { restart, delayMs };
}

/**
 * Pure: whether a container comes back when the host boots (the restore command). `always` does
 * even when the user had stopped it (Docker: a manual stop holds "until the daemon restarts");
 * `unless-stopped` only if the user had not; on-failure and no do not.
 */
export function restoresAtBoot(policy: RestartPolicy, stoppedByUser: boolean): boolean {
  return policy.Name === 'always' || (policy.Name === 'unless-stopped' && !stoppedByUser);
}
