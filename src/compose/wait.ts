/**
 * `depends_on` conditions (compose-spec services.md#depends_on): before a service starts, its
 * dependencies must be started, healthy, or have completed successfully.
 *
 * Health: the engine does not run health checks yet (issue "Restart policies and health
 * checks"), so until it records a health status, `service_healthy` runs the dependency's own
 * probe here, through `engine.containers.exec`, with Docker's timing rules (interval, timeout,
 * retries; failures in the start period do not count). When the engine keeps State.Health,
 * this becomes a read of it.
 */
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { HullError } from '../errors.js';
import type { Engine } from '../engine/engine.js';
import type { HealthConfig } from '../engine/requests.js';
import type { ComposeEventSink } from './apply.js';
import { LABEL } from './labels.js';
import type { ComposeProject, DependsOn } from './model.js';

const SECOND = 1e9;

function containersOf(engine: Engine, project: string, service: string) {
  return engine.containers.list(true).filter((c) => c.Config.Labels?.[LABEL.project] === project && c.Config.Labels?.[LABEL.service] === service && c.Config.Labels?.[LABEL.oneoff] !== 'True');
}

/** The probe's argv: CMD runs as is, CMD-SHELL through /bin/sh -c (Docker's HEALTHCHECK forms). */
export function probeCommand(test: readonly string[]): string[] | undefined {
  if (test[0] === 'CMD') return test.slice(1);
  if (test[0] === 'CMD-SHELL') return ['/bin/sh', '-c', test.slice(1).join(' ')];
  return undefined;
}

interface ProbeResult {
  code: number;
  output: string;
}

async function probe(engine: Engine, id: string, cmd: string[], timeoutNs: number, signal: AbortSignal | undefined): Promise<ProbeResult> {
  const out = new PassThrough();
  let output = '';
  out.on('data', (b: Buffer) => {
    output = (output + b.toString()).slice(-4096); // Docker keeps the last 4 KiB of a probe's output
  });
  const timeout = AbortSignal.timeout(Math.max(1, Math.round(timeoutNs / 1e6)));
  const code = await engine.containers.exec(id, { cmd }, { stdout: out, stderr: out, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  return { code: timeout.aborted ? -1 : code, output: timeout.aborted ? `probe timed out after ${timeoutNs / SECOND}s` : output };
}

async function waitHealthy(engine: Engine, id: string, name: string, hc: HealthConfig | undefined, dependant: string, dep: string, emit: ComposeEventSink, signal: AbortSignal | undefined): Promise<void> {
  const cmd = hc?.Test ? probeCommand(hc.Test) : undefined;
  if (!cmd) {
    throw new HullError('INVALID_FORMAT', `Cannot start service "${dependant}": it waits for "${dep}" to be healthy, but "${dep}" has no health check`, { hint: `give "${dep}" a healthcheck, or use condition: service_started` });
  }
  const interval = hc?.Interval || 30 * SECOND;
  const startInterval = hc?.StartInterval || 5 * SECOND;
  const timeout = hc?.Timeout || 30 * SECOND;
  const retries = hc?.Retries || 3;
  const startPeriod = hc?.StartPeriod ?? 0;
  const started = Date.now();
  emit({ kind: 'container', name, action: 'Waiting' });
  let failures = 0;
  let last: ProbeResult | undefined;
  for (let attempt = 0; ; attempt++) {
    signal?.throwIfAborted();
    const record = await engine.containers.refresh(id);
    if (record.State.Status !== 'running') {
      throw new HullError('RUNTIME_FAILED', `Cannot start service "${dependant}": dependency "${dep}" (${name}) is ${record.State.Status}${record.State.Status === 'exited' ? ` with code ${record.State.ExitCode}` : ''} instead of healthy`, { hint: `see its output: hull logs ${name}` });
    }
    last = await probe(engine, id, cmd, timeout, signal);
    if (last.code === 0) {
      emit({ kind: 'container', name, action: 'Healthy' });
      return;
    }
    const inStartPeriod = (Date.now() - started) * 1e6 < startPeriod;
    // The first probe runs at once (Docker waits one interval): its failure is not counted.
    if (attempt > 0 && !inStartPeriod) failures++;
    if (failures >= retries) break;
    await sleep((inStartPeriod ? startInterval : interval) / 1e6, undefined, signal ? { signal } : undefined);
  }
  throw new HullError('RUNTIME_FAILED', `Cannot start service "${dependant}": dependency "${dep}" (${name}) did not become healthy after ${retries} failed probes; the last exited ${last?.code}: ${JSON.stringify(last?.output.trim() ?? '')}`, {
    hint: `check its health check and its logs: hull logs ${name}`,
  });
}

/** Waits until every container of `dep` meets `condition`; throws naming the dependency otherwise. */
export async function waitForCondition(engine: Engine, project: ComposeProject, dep: string, condition: DependsOn['condition'], dependant: string, opts: { emit: ComposeEventSink; signal?: AbortSignal }): Promise<void> {
  if (condition === 'service_started') return;
  for (const c of containersOf(engine, project.model.name, dep)) {
    if (condition === 'service_healthy') {
      await waitHealthy(engine, c.Id, c.Name, c.Config.Healthcheck, dependant, dep, opts.emit, opts.signal);
      continue;
    }
    opts.emit({ kind: 'container', name: c.Name, action: 'Waiting' });
    const r = await engine.containers.wait(c.Id, 'not-running', opts.signal);
    if (r.StatusCode !== 0) throw new HullError('RUNTIME_FAILED', `Cannot start service "${dependant}": dependency "${dep}" (${c.Name}) exited with code ${r.StatusCode}`, { hint: `see its output: hull logs ${c.Name}` });
    opts.emit({ kind: 'container', name: c.Name, action: 'Exited' });
  }
}
