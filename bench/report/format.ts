/** Number formatting shared by the markdown table and the chart. */
import type { Figure, Target } from '../lib/result.js';
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

function amount(t: Target, v: number): string {
  return t.kind === 'absolute' ? `${Number.isInteger(v) ? String(v) : num(v)} ${t.unit ?? ''}`.trim() : `${num(v)}×`;
}

/**
 * "0.31×" for a ratio, "142 ms" for an absolute row, "–" when not measured; one more digit when
 * the rounded value would read as the target while the verdict says otherwise (1.004× vs 1.00×).
 */
export function valueText(t: Target): string {
  if (t.value === undefined) return '–';
  const shown = amount(t, t.value);
  if (t.target === undefined || t.value === t.target || shown !== amount(t, t.target)) return shown;
  const precise = Math.abs(t.value) >= 10 ? t.value.toFixed(2) : t.value.toFixed(3);
  return t.kind === 'absolute' ? `${precise} ${t.unit ?? ''}`.trim() : `${precise}×`;
}

/** "≤ 0.70×", "≤ 150 ms", or "none". */
export function targetText(t: Target): string {
  return t.target === undefined ? 'none' : `≤ ${amount(t, t.target)}`;
}

export function verdict(t: Target): string {
  if (t.value === undefined) return 'not measured';
  const p = passes(t);
  if (p === undefined) return 'information';
  return p ? 'pass' : 'FAIL';
}
