/**
 * Reconciling a record with reality, without a daemon: a record that says "running" is checked
 * against the runtime's own state file (runc's <state dir>/<id>/state.json names the init pid and
 * its start time). Reading the file instead of spawning `runc state` keeps `hull ps` fast.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { processStartTime } from '../sys/lock.js';
import type { ContainerRecord, ContainerState } from './record.js';

export interface RuntimeInit {
  pid: number;
  startTime: string;
}

export function readRuntimeInit(stateDir: string, id: string): RuntimeInit | undefined {
  try {
    const s = JSON.parse(readFileSync(join(stateDir, id, 'state.json'), 'utf8')) as { init_process_pid?: number; init_process_start?: number };
    if (typeof s.init_process_pid !== 'number') return undefined;
    return { pid: s.init_process_pid, startTime: String(s.init_process_start) };
  } catch {
    return undefined;
  }
}

export function initAlive(init: RuntimeInit | undefined): boolean {
  return init !== undefined && processStartTime(init.pid) === init.startTime;
}

/** Pure: the state to show, given the record and whether its init process is alive. */
export function effectiveState(record: ContainerRecord, alive: boolean): ContainerState {
  const s = record.State;
  if ((s.Status === 'running' || s.Status === 'paused' || s.Status === 'restarting') && !alive) {
    return { ...s, Status: 'exited', Pid: 0, ExitCode: s.ExitCode || 255, Error: s.Error || 'the container stopped while no hull process was watching it; its exit code was not recorded' };
  }
  return s;
}

export function reconcile(record: ContainerRecord, stateDir: string): ContainerRecord {
  const s = record.State.Status;
  if (s !== 'running' && s !== 'paused' && s !== 'restarting') return record;
  return { ...record, State: effectiveState(record, initAlive(readRuntimeInit(stateDir, record.Id))) };
}
