/**
 * A pod's state, derived from its containers' (the infra's included), in podman's words
 * (libpod's pod status): nothing is stored, so it can never disagree with the containers.
 */
import type { ContainerStatus } from '../containers/record.js';

export type PodStatus = 'Created' | 'Running' | 'Degraded' | 'Paused' | 'Stopped' | 'Exited' | 'Error';

export function podStatus(states: readonly ContainerStatus[]): PodStatus {
  const n = states.length;
  const count = (...s: ContainerStatus[]) => states.filter((x) => s.includes(x)).length;
  if (n === 0 || count('created') === n) return 'Created';
  if (count('running') === n) return 'Running';
  if (count('running', 'restarting') > 0) return 'Degraded';
  if (count('paused') === n) return 'Paused';
  if (count('exited') === n) return 'Exited';
  if (count('dead') > 0) return 'Error';
  // Some paused and some not, or created beside exited: nothing runs.
  return count('paused') > 0 ? 'Degraded' : 'Stopped';
}

/** Whether a pod in this state has a process running (rm needs -f, prune keeps it). */
export function podActive(s: PodStatus): boolean {
  return s === 'Running' || s === 'Degraded' || s === 'Paused';
}
