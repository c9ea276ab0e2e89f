/**
 * The shape of benchmark results, shared by scenarios, the JSON file, the markdown table and
 * the chart. Costs are "lower is better" (time, memory); throughputs are "higher is better".
 *
 * A target row is either
 *   a ratio     hull's cost ÷ the peer's cost, or for a throughput the peer's rate ÷ hull's, so
 *               that whichever way the figure runs, below 1 hull leads and above 1 it trails;
 *   absolute    one of hull's own figures in its unit (ps in ms, network set-up in ms).
 * Every target is an upper bound: a row passes when value ≤ target. A row without a target is
 * shown for information (a floor, a peer's own figure), never as pass or fail.
 */
import type { Stats } from './stats.js';

export type Unit = 'ms' | 's' | 'MB' | 'MB/s' | 'ops/s' | 'Gbit/s';

/** One subject (hull, podman, runc, ...) measured in one case of a scenario. */
export interface Figure {
  case: string;
  subject: string;
  unit: Unit;
  higherIsBetter?: boolean;
  stats?: Stats;
  /** Set when nothing was measured: "not yet — `hull pull` missing", or an error. */
  missing?: string;
  /** Extra figures shown beside the main one, e.g. peak server RSS. */
  extra?: string;
  load1?: number;
}

export interface Target {
  case: string;
  /** What hull is compared with ("podman pull"), or for an absolute row what bounds it. */
  vs: string;
  /** 'ratio' unless said otherwise. */
  kind?: 'ratio' | 'absolute';
  /** The unit of an absolute row's value and target. */
  unit?: Unit;
  /** Undefined when hull (or the peer) was not measured; `missing` then says why. */
  value?: number;
  /** The value hull should stay at or below; undefined: information only. */
  target?: number;
  /** Where the target comes from, in a few words ("issue 6: under 150 ms"). */
  why?: string;
  /** How the value is computed ("docker-registry MB/s ÷ hull MB/s"). */
  basis?: string;
  missing?: string;
}

export interface ScenarioResult {
  name: string;
  title: string;
  figures: Figure[];
  targets: Target[];
  /** One line on what bounds the figures. */
  bound: string;
  notes: string[];
  error?: string;
  seconds: number;
}

export function notYet(command: string): string {
  return `not yet — \`hull ${command}\` missing`;
}

export function ratioOf(hull: Figure | undefined, peer: Figure | undefined): number | undefined {
  const h = hull?.stats?.median;
  const p = peer?.stats?.median;
  if (h === undefined || p === undefined || !(h > 0) || !(p > 0)) return undefined;
  return hull?.higherIsBetter ? p / h : h / p;
}

/** Why a ratio of these two figures has no value ('' when it has one). */
function missingOf(hull: Figure | undefined, peer: Figure | undefined, peerName: string): string {
  if (!hull?.stats) return hull?.missing ?? 'hull not measured';
  if (!peer?.stats) return `${peerName}: ${peer?.missing ?? 'not measured'}`;
  return '';
}

/**
 * A ratio row of hull's figure against a peer's, median over median; `target` undefined for a
 * row shown for information (a floor, an extra reference).
 */
export function compare(caseName: string, vs: string, hull: Figure | undefined, peer: Figure | undefined, target: number | undefined, why?: string): Target {
  const value = ratioOf(hull, peer);
  const unit = hull?.unit ?? peer?.unit ?? '';
  const peerName = peer?.subject ?? vs;
  const basis = (hull?.higherIsBetter ?? peer?.higherIsBetter) ? `${peerName} ${unit} ÷ hull ${unit} (higher ${unit} is better)` : `hull ${unit} ÷ ${peerName} ${unit}`;
  const t: Target = { case: caseName, vs, value, basis };
  if (target !== undefined) t.target = target;
  if (why !== undefined) t.why = why;
  if (value === undefined) t.missing = missingOf(hull, peer, peerName);
  return t;
}

/** An absolute row: hull's own figure against a limit in the same unit. */
export function absolute(caseName: string, vs: string, value: number | undefined, unit: Unit, target: number | undefined, why: string, basis: string, missing?: string): Target {
  const t: Target = { case: caseName, vs, kind: 'absolute', unit, value, why, basis };
  if (target !== undefined) t.target = target;
  if (value === undefined) t.missing = missing ?? 'not measured';
  return t;
}

/** true/false against the target; undefined when not measured or shown for information. */
export function passes(t: Target): boolean | undefined {
  return t.value === undefined || t.target === undefined ? undefined : t.value <= t.target;
}

/** The figure of `subject` (exact name, or a prefix when `prefix`) in one case. */
export function figureOf(figures: readonly Figure[], caseName: string, subject: string, prefix = false): Figure | undefined {
  return figures.find((f) => f.case === caseName && (prefix ? f.subject.startsWith(subject) : f.subject === subject));
}
