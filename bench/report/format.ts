/** Number formatting shared by the markdown table and the chart. */
import type { Figure, Ratio } from '../lib/result.js';
import { passes } from '../lib/result.js';

export function num(v: number): string {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

export function median(f: Figure): string {
  return f.stats ? `${num(f.stats.median)} ${f.unit}` : (f.missing ?? '–');
}

export function spread(f: Figure): string {
  if (!f.stats) return '';
  return `${num(f.stats.p10)}–${num(f.stats.p90)} (min ${num(f.stats.min)}, max ${num(f.stats.max)})`;
}

export function ratioText(r: Ratio): string {
  return r.value === undefined ? '–' : `${num(r.value)}×`;
}

export function verdict(r: Ratio): string {
  const p = passes(r);
  if (p === undefined) return 'not measured';
  return p ? 'pass' : 'FAIL';
}
