/**
 * Container state transitions, in Docker's words. One table, and one function that makes every
 * change of State.Status (`transition`), so an impossible move (pause an exited container) is an
 * error, not a bug. hull enters created, running, paused, restarting (a restart policy waiting out
 * its back-off), exited and removing (rm marks the record first, so an rm killed half-way leaves a
 * record that says so: `rm -f` again or `system check --repair` finishes it). Docker's `dead` is a
 * word a filter may use, never a state a record is in.
 */
import { HullError } from '../errors.js';
import type { ContainerRecord, ContainerStatus } from './record.js';

type EnteredStatus = Exclude<ContainerStatus, 'dead'>;

const TRANSITIONS: Record<EnteredStatus, readonly ContainerStatus[]> = {
  created: ['running', 'exited', 'removing'],
  running: ['paused', 'exited', 'restarting', 'running'],
  paused: ['running', 'exited'],
  restarting: ['running', 'exited', 'removing'],
  exited: ['running', 'exited', 'restarting', 'removing'],
  removing: ['removing'],
};

export function canTransition(from: ContainerStatus, to: ContainerStatus): boolean {
  return (TRANSITIONS[from as EnteredStatus] ?? []).includes(to);
}

export function assertTransition(name: string, from: ContainerStatus, to: ContainerStatus): void {
  if (!canTransition(from, to)) {
    throw new HullError('CONFLICT', `Cannot move container "${name}" from ${from} to ${to}`, {
      hint: from === 'running' ? 'stop it first, or use -f' : undefined,
    });
  }
}

/** Moves a record (inside a store update) to `to` with the State fields that go with it. */
export function transition(r: ContainerRecord, to: EnteredStatus, fields: Partial<ContainerRecord['State']> = {}): void {
  assertTransition(r.Name, r.State.Status, to);
  r.State = { ...r.State, ...fields, Status: to };
}
