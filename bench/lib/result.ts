/**
 * The shape of benchmark results, shared by scenarios, the JSON file, the markdown table and
 * the chart. Costs are "lower is better" (time, memory); throughputs are "higher is better".
 * A ratio is always hull's cost over the peer's cost: below 1 hull leads, above 1 it trails.
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

export interface Ratio {
  case: string;
  vs: string;
  /** hull cost / peer cost (for throughput: peer / hull); undefined when hull is not measured. */
  value?: number;
  /** The ratio hull should stay at or below. */
  target: number;
  why?: string;
}

export interface ScenarioResult {
  name: string;
  title: string;
  figures: Figure[];
  ratios: Ratio[];
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

export function passes(r: Ratio): boolean | undefined {
  return r.value === undefined ? undefined : r.value <= r.target;
}
