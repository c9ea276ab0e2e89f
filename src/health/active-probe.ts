/**
 * Which check runs next: the startup check (podman's `--health-startup-*`, Kubernetes'
 * startupProbe) until it passed in this run, then the regular one. Pure.
 */
import { effectiveProbe, type HealthcheckConfig, type Probe } from './health-config.js';
import type { HealthState } from './health-state.js';

export interface HealthChecks {
  Healthcheck?: HealthcheckConfig;
  StartupHealthcheck?: HealthcheckConfig;
}

export function activeProbe(checks: HealthChecks, health: HealthState | undefined): { probe: Probe; startup: boolean } | undefined {
  const startup = effectiveProbe(checks.StartupHealthcheck);
  if (startup && health?.StartupPassed !== true) return { probe: startup, startup: true };
  const probe = effectiveProbe(checks.Healthcheck);
  return probe ? { probe, startup: false } : undefined;
}
