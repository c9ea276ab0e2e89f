/**
 * Reconciling a record with reality, without a daemon: a record that says "running" is checked
 * against the runtime's own state file (runc's <state dir>/<id>/state.json names the init pid and
 * its start time). Reading the file instead of spawning `runc state` keeps `hull ps` fast.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { processStartTime } from '../sys/lock.js';
import type { ContainerRecord, ContainerState } from './record.js';
import type { ContainerPaths } from './paths.js';

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

/** Whether the container's monitor (conmon, by its pid file) still runs: while it does, it records the exit itself. */
export function monitorAlive(conmonPidFile: string): boolean {
  try {
    const pid = Number(readFileSync(conmonPidFile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return false;
    // proc(5) stat: "pid (comm) state ..."; a zombie (Z) is dead, only not yet reaped.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === 'conmon' && stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

export interface ExitInfo {
  code: number;
  /** When the monitor wrote the exit file: the container's finish time. */
  at: string;
  oomKilled: boolean;
}

/** The monitor's exit file (and OOM marker) for a container, if it has exited. */
export function readExit(paths: Pick<ContainerPaths, 'exitFile' | 'oomFile'>): ExitInfo | undefined {
  try {
    const code = Number(readFileSync(paths.exitFile, 'utf8').trim());
    return { code: Number.isInteger(code) ? code : 255, at: statSync(paths.exitFile).mtime.toISOString(), oomKilled: existsSync(paths.oomFile) };
  } catch {
    return undefined;
  }
}

export function isActive(status: ContainerState['Status']): boolean {
  return status === 'running' || status === 'paused' || status === 'restarting';
}

/** Backed by a live process (a "restarting" container has none: it waits out its back-off). */
export function isLive(status: ContainerState['Status']): boolean {
  return status === 'running' || status === 'paused';
}

/** Pure: the state to show, given the record, whether its init is alive and its exit file. */
export function effectiveState(record: ContainerRecord, alive: boolean, exit: ExitInfo | undefined): ContainerState {
  const s = record.State;
  if (!isLive(s.Status) || alive) return s;
  if (exit) return { ...s, Status: 'exited', Pid: 0, ExitCode: exit.code, FinishedAt: exit.at, OOMKilled: exit.oomKilled };
  return { ...s, Status: 'exited', Pid: 0, ExitCode: 255, Error: s.Error || 'the container stopped and its monitor recorded no exit code' };
}

export function reconcile(record: ContainerRecord, stateDir: string, paths: Pick<ContainerPaths, 'exitFile' | 'oomFile'>): ContainerRecord {
  if (!isLive(record.State.Status)) return record;
  const alive = initAlive(readRuntimeInit(stateDir, record.Id));
  return alive ? record : { ...record, State: effectiveState(record, false, readExit(paths)) };
}
