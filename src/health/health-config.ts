/**
 * The health check a container runs: Docker's Config.Healthcheck (durations in nanoseconds, as in
 * the image config and the Engine API), from the image's HEALTHCHECK, the `--health-*` flags or
 * the API, merged as Docker merges them, validated as Docker's daemon validates them.
 *
 *   Test: ["CMD", arg...] | ["CMD-SHELL", script] | ["NONE"] | [] (inherit the image's)
 *       | ["HTTP-GET", scheme, host, port, path, header...] | ["TCP-SOCKET", host, port]
 *         (hull's: probed from the host, as kubelet does; net-probe.ts)
 *
 * Defaults (moby daemon/health.go): interval 30 s, timeout 30 s, start period 0, start interval
 * 5 s, retries 3. A value of 0 means "the default" (or "the image's" when merging).
 */
import { HullError } from '../errors.js';
import { parseGoDuration } from '../build/parse/duration.js';
import { isNetProbe, netProbeProblem, type NetProbeKind } from './net-probe.js';

export interface HealthcheckConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

export const HEALTH_DEFAULTS = {
  intervalMs: 30_000,
  timeoutMs: 30_000,
  startPeriodMs: 0,
  startIntervalMs: 5_000,
  retries: 3,
} as const;

/** podman's extension: what to do once the container turns unhealthy. */
export type HealthOnFailure = 'none' | 'kill' | 'restart' | 'stop';
const ON_FAILURE: readonly HealthOnFailure[] = ['none', 'kill', 'restart', 'stop'];

/** The flags as the CLI (or a compose file) gives them, still text. */
export interface HealthFlags {
  cmd?: string;
  interval?: string;
  timeout?: string;
  startPeriod?: string;
  startInterval?: string;
  retries?: string;
  noHealthcheck?: boolean;
}

const MIN_DURATION_NS = 1e6;
const NS_PER_MS = 1e6;

function escapeText(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

function bad(message: string, hint?: string): HullError {
  return new HullError('INVALID_ARGUMENT', message, { hint });
}

function flagDuration(flag: string, value: string): number {
  const ns = parseGoDuration(value);
  if (ns === undefined) throw bad(`Cannot use --${flag} "${escapeText(value)}": not a duration`, 'write a duration such as 30s, 1m30s or 500ms');
  if (ns < 0) throw bad(`Cannot use --${flag} "${escapeText(value)}": it cannot be negative`);
  return ns;
}

/**
 * The --health-* flags to a Healthcheck (docker's cli/command/container/opts.go): --no-healthcheck
 * is Test ["NONE"] and conflicts with the others; --health-cmd is a shell command; undefined when
 * no flag was given (the image's check applies unchanged).
 */
export function parseHealthFlags(f: HealthFlags): HealthcheckConfig | undefined {
  const given = f.cmd !== undefined || f.interval !== undefined || f.timeout !== undefined || f.startPeriod !== undefined || f.startInterval !== undefined || f.retries !== undefined;
  if (f.noHealthcheck) {
    if (given) throw bad('Cannot use --no-healthcheck with --health-* options: they conflict', 'keep one of them');
    return { Test: ['NONE'] };
  }
  if (!given) return undefined;
  const out: HealthcheckConfig = {};
  if (f.cmd !== undefined) {
    if (f.cmd.trim() === '') throw bad('Cannot use --health-cmd "": the command is empty', 'give a command, or --no-healthcheck to disable the check');
    out.Test = ['CMD-SHELL', f.cmd];
  }
  if (f.interval !== undefined) out.Interval = flagDuration('health-interval', f.interval);
  if (f.timeout !== undefined) out.Timeout = flagDuration('health-timeout', f.timeout);
  if (f.startPeriod !== undefined) out.StartPeriod = flagDuration('health-start-period', f.startPeriod);
  if (f.startInterval !== undefined) out.StartInterval = flagDuration('health-start-interval', f.startInterval);
  if (f.retries !== undefined) {
    if (!/^[+-]?\d{1,10}$/.test(f.retries)) throw bad(`Cannot use --health-retries "${escapeText(f.retries)}": not a whole number`);
    out.Retries = Number(f.retries);
  }
  return validateHealthcheck(out);
}

/**
 * Docker's daemon-side checks (daemon/container.go verifyContainerSettings), for the CLI and the
 * API alike: durations 0 or at least 1 ms, retries not negative, a Test of a known form.
 */
export function validateHealthcheck(h: unknown): HealthcheckConfig {
  if (typeof h !== 'object' || h === null || Array.isArray(h)) throw bad('Cannot use the health check: not an object');
  const c = h as Record<string, unknown>;
  const out: HealthcheckConfig = {};
  if (c.Test !== undefined && c.Test !== null) {
    if (!Array.isArray(c.Test) || !c.Test.every((x) => typeof x === 'string')) throw bad('Cannot use the health check: Test must be a list of strings');
    const test = c.Test as string[];
    const kind = test[0];
    if (kind !== undefined && !['CMD', 'CMD-SHELL', 'NONE'].includes(kind) && !isNetProbe(kind)) {
      throw bad(`Cannot use the health check: unknown test type "${escapeText(kind)}"`, 'use ["CMD", ...], ["CMD-SHELL", "script"], ["HTTP-GET", ...], ["TCP-SOCKET", ...] or ["NONE"]');
    }
    const problem = isNetProbe(kind) ? netProbeProblem(test) : undefined;
    if (problem) throw bad(`Cannot use the health check: ${problem}`);
    if ((kind === 'CMD' || kind === 'CMD-SHELL') && test.length < 2) throw bad(`Cannot use the health check: ${kind} has no command`);
    if (kind === 'CMD-SHELL' && test.length > 2) throw bad('Cannot use the health check: CMD-SHELL takes one script');
    out.Test = test;
  }
  for (const [key, label] of [['Interval', 'interval'], ['Timeout', 'timeout'], ['StartPeriod', 'start period'], ['StartInterval', 'start interval']] as const) {
    const v = c[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw bad(`Cannot use the health check: its ${label} must be a whole number of nanoseconds`);
    if (v !== 0 && v < MIN_DURATION_NS) throw bad(`Cannot use the health check: its ${label} cannot be less than 1ms`, 'give 0 for the default');
    out[key] = v;
  }
  if (c.Retries !== undefined && c.Retries !== null) {
    if (typeof c.Retries !== 'number' || !Number.isSafeInteger(c.Retries)) throw bad('Cannot use the health check: Retries must be a whole number');
    if (c.Retries < 0) throw bad('Cannot use the health check: Retries cannot be negative');
    out.Retries = c.Retries;
  }
  return out;
}

/** Docker's merge (daemon/commit.go): the container's fields win, zero or empty ones inherit the image's. */
export function mergeHealthcheck(user: HealthcheckConfig | undefined, image: HealthcheckConfig | undefined): HealthcheckConfig | undefined {
  if (!user) return image ? { ...image } : undefined;
  if (!image) return { ...user };
  const pick = (a: number | undefined, b: number | undefined) => (a ? a : b);
  const out: HealthcheckConfig = { Test: user.Test && user.Test.length > 0 ? user.Test : image.Test };
  const fields = { Interval: pick(user.Interval, image.Interval), Timeout: pick(user.Timeout, image.Timeout), StartPeriod: pick(user.StartPeriod, image.StartPeriod), StartInterval: pick(user.StartInterval, image.StartInterval), Retries: pick(user.Retries, image.Retries) };
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k as keyof typeof fields] = v;
  return out;
}

export function parseHealthOnFailure(value: string): HealthOnFailure {
  const found = ON_FAILURE.find((a) => a === value);
  if (!found) throw bad(`Cannot use --health-on-failure "${escapeText(value)}": unknown action`, `use one of ${ON_FAILURE.join(', ')}`);
  return found;
}

/** The check as the scheduler runs it: defaults applied, milliseconds; undefined when there is none. */
export interface Probe {
  /** The command run in the container; for a network probe, its Test after the kind. */
  argv: string[];
  /** A network probe, run from the host (net-probe.ts); absent for a command. */
  net?: NetProbeKind;
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  startIntervalMs: number;
  retries: number;
}

export function effectiveProbe(h: HealthcheckConfig | undefined): Probe | undefined {
  const test = h?.Test;
  if (!h || !test || test.length === 0 || test[0] === 'NONE') return undefined;
  const ms = (ns: number | undefined, dflt: number) => (ns ? Math.max(1, Math.round(ns / NS_PER_MS)) : dflt);
  const kind = test[0];
  return {
    ...(isNetProbe(kind) ? { net: kind } : {}),
    // CMD-SHELL runs through the container's /bin/sh, as Docker does on Linux.
    argv: test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', test[1] as string] : test.slice(1),
    intervalMs: ms(h.Interval, HEALTH_DEFAULTS.intervalMs),
    timeoutMs: ms(h.Timeout, HEALTH_DEFAULTS.timeoutMs),
    startPeriodMs: ms(h.StartPeriod, HEALTH_DEFAULTS.startPeriodMs),
    startIntervalMs: ms(h.StartInterval, HEALTH_DEFAULTS.startIntervalMs),
    retries: h.Retries && h.Retries > 0 ? h.Retries : HEALTH_DEFAULTS.retries,
  };
}
