/**
 * Container state transitions, in Docker's words. One table; every change of State.Status goes
 * through `transition`, so an impossible move (start a removing container) is an error, not a bug.
 */
import { HullError } from '../errors.js';
import type { ContainerStatus } from './record.js';

const TRANSITIONS: Record<ContainerStatus, readonly ContainerStatus[]> = {
  created: ['running', 'exited', 'removing', 'dead'],
  running: ['paused', 'exited', 'restarting', 'dead'],
  paused: ['running', 'exited', 'dead'],
  restarting: ['running', 'exited', 'dead'],
  exited: ['running', 'removing', 'dead', 'exited'],
  removing: ['dead'],
  dead: ['removing'],
};

export function canTransition(from: ContainerStatus, to: ContainerStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(name: string, from: ContainerStatus, to: ContainerStatus): void {
  if (!canTransition(from, to)) {
    throw new HullError('CONFLICT', `Cannot move container "${name}" from ${from} to ${to}`, {
      hint: from === 'running' ? 'stop it first, or use -f' : undefined,
    });
  }
}
