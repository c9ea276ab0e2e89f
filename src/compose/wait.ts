/**
 * `depends_on` conditions (compose-spec services.md#depends_on): before a service starts, its
 * dependencies must be started, healthy, or have completed successfully. Health is the
 * engine's: its scheduler probes each container with a health check and records Docker's
 * State.Health (docs/health.md); compose reads it, as Compose v2 polls inspect.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { HullError } from '../errors.js';
import type { Engine } from '../engine/engine.js';
import type { ComposeEventSink } from './apply.js';
import { LABEL } from './labels.js';
import type { ComposeProject, DependsOn } from './model.js';

/** How often the record is read while waiting (a JSON file read; the probes run on their own schedule). */
const POLL_MS = 100;

function containersOf(engine: Engine, project: string, service: string) {
  return engine.containers.list(true).filter((c) => c.Config.Labels?.[LABEL.project] === project && c.Config.Labels?.[LABEL.service] === service && c.Config.Labels?.[LABEL.oneoff] !== 'True');
}

async function waitHealthy(engine: Engine, id: string, name: string, dependant: string, dep: string, emit: ComposeEventSink, signal: AbortSignal | undefined): Promise<void> {
  emit({ kind: 'container', name, action: 'Waiting' });
  for (;;) {
    signal?.throwIfAborted();
    const record = await engine.containers.refresh(id);
    const test = record.Config.Healthcheck?.Test;
    if (!record.State.Health && (!test || test.length === 0 || test[0] === 'NONE')) {
      throw new HullError('INVALID_FORMAT', `Cannot start service "${dependant}": it waits for "${dep}" to be healthy, but "${dep}" has no health check`, { hint: `give "${dep}" a healthcheck, or use condition: service_started` });
    }
    if (record.State.Status !== 'running') {
      throw new HullError('RUNTIME_FAILED', `Cannot start service "${dependant}": dependency "${dep}" (${name}) is ${record.State.Status}${record.State.Status === 'exited' ? ` with code ${record.State.ExitCode}` : ''} instead of healthy`, { hint: `see its output: hull logs ${name}` });
    }
    const health = record.State.Health;
    if (health?.Status === 'healthy') {
      emit({ kind: 'container', name, action: 'Healthy' });
      return;
    }
    if (health?.Status === 'unhealthy') {
      const last = health.Log.at(-1);
      throw new HullError('RUNTIME_FAILED', `Cannot start service "${dependant}": dependency "${dep}" (${name}) is unhealthy${last ? `; its last probe exited ${last.ExitCode}: ${JSON.stringify(last.Output.trim())}` : ''}`, {
        hint: `check its health check and its logs: hull logs ${name}`,
      });
    }
    await sleep(POLL_MS, undefined, signal ? { signal } : undefined);
  }
}

/** Waits until every container of `dep` meets `condition`; throws naming the dependency otherwise. */
export async function waitForCondition(engine: Engine, project: ComposeProject, dep: string, condition: DependsOn['condition'], dependant: string, opts: { emit: ComposeEventSink; signal?: AbortSignal }): Promise<void> {
  if (condition === 'service_started') return;
  for (const c of containersOf(engine, project.model.name, dep)) {
    if (condition === 'service_healthy') {
      await waitHealthy(engine, c.Id, c.Name, dependant, dep, opts.emit, opts.signal);
      continue;
    }
    opts.emit({ kind: 'container', name: c.Name, action: 'Waiting' });
    const r = await engine.containers.wait(c.Id, 'not-running', opts.signal);
    if (r.StatusCode !== 0) throw new HullError('RUNTIME_FAILED', `Cannot start service "${dependant}": dependency "${dep}" (${c.Name}) exited with code ${r.StatusCode}`, { hint: `see its output: hull logs ${c.Name}` });
    opts.emit({ kind: 'container', name: c.Name, action: 'Exited' });
  }
}
