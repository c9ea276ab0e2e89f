/**
 * An SVG bar chart of hull ÷ peer ratios, on a log scale centred on 1: bars going left are where
 * hull leads, bars going right trail; green within target, red beyond, blue-grey for a ratio shown
 * for information (no target); a tick marks each target. Absolute rows (ms against a limit) have
 * no place on a ratio axis: they are written out as text, coloured by their result. Rows not
 * measured yet are listed in grey with their reason.
 */
import { passes, type Target } from './lib/result.js';
import { num, targetText, valueText, verdict } from './report/format.js';

export interface ChartRow {
  label: string;
  target: Target;
  /** Shown instead of a bar when the ratio is missing. */
  reason?: string;
}

const W = 980;
const LABEL_W = 420;
const ROW_H = 22;
const TOP = 56;
const MIN = 0.1;
const MAX = 10;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function xOf(v: number): number {
  const clamped = Math.min(MAX, Math.max(MIN, v));
  const plotW = W - LABEL_W - 70;
  return LABEL_W + ((Math.log10(clamped) - Math.log10(MIN)) / (Math.log10(MAX) - Math.log10(MIN))) * plotW;
}

function colour(t: Target): string {
  const p = passes(t);
  if (t.value === undefined) return '#bbb';
  if (p === undefined) return '#7d8fb3';
  return p ? '#2e9d4f' : '#d23b3b';
}

function axis(height: number): string[] {
  const out: string[] = [];
  for (const t of [0.1, 0.2, 0.5, 1, 2, 5, 10]) {
    const x = xOf(t).toFixed(1);
    out.push(`<line x1="${x}" y1="${TOP - 6}" x2="${x}" y2="${height - 24}" stroke="${t === 1 ? '#333' : '#e4e4e4'}" stroke-width="${t === 1 ? 1.5 : 1}"/>`);
    out.push(`<text x="${x}" y="${height - 8}" text-anchor="middle" font-size="11" fill="#555">${t}×</text>`);
  }
  return out;
}

function row(r: ChartRow, i: number): string[] {
  const y = TOP + i * ROW_H;
  const out = [`<text x="${LABEL_W - 8}" y="${y + 14}" text-anchor="end" font-size="12" fill="#222">${esc(r.label)}</text>`];
  const t = r.target;
  const v = t.value;
  if (v === undefined) {
    out.push(`<text x="${xOf(1) + 6}" y="${y + 14}" font-size="11" fill="#888">${esc(r.reason ?? 'not measured')}</text>`);
    return out;
  }
  if (t.kind === 'absolute') {
    out.push(`<text x="${xOf(MIN) + 6}" y="${y + 14}" font-size="11" font-weight="bold" fill="${colour(t)}">${esc(`${valueText(t)} (absolute${t.target === undefined ? ', information' : `; target ${targetText(t)}: ${verdict(t)}`})`)}</text>`);
    return out;
  }
  const x1 = xOf(1);
  const x2 = xOf(v);
  out.push(`<rect x="${Math.min(x1, x2).toFixed(1)}" y="${y + 3}" width="${Math.max(1.5, Math.abs(x2 - x1)).toFixed(1)}" height="${ROW_H - 7}" fill="${colour(t)}"/>`);
  let right = x2;
  if (t.target !== undefined) {
    const tx = xOf(t.target);
    out.push(`<line x1="${tx.toFixed(1)}" y1="${y + 1}" x2="${tx.toFixed(1)}" y2="${y + ROW_H - 2}" stroke="#000" stroke-width="2"/>`);
    right = Math.max(x2, tx);
  }
  const labelX = v >= 1 ? right + 5 : x1 + 5;
  out.push(`<text x="${labelX.toFixed(1)}" y="${y + 14}" font-size="11" fill="#222">${num(v)}×${t.target === undefined ? ' (info)' : ''}</text>`);
  return out;
}

export function renderChart(rows: readonly ChartRow[], subtitle: string): string {
  const height = TOP + rows.length * ROW_H + 34;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif">`,
    `<rect width="${W}" height="${height}" fill="#fff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="bold" fill="#111">hull ÷ peer (log scale; left of 1× hull leads, right of 1× hull trails; black tick = target; blue-grey = no target)</text>`,
    `<text x="12" y="40" font-size="11" fill="#555">${esc(subtitle)}</text>`,
    ...axis(height),
    ...rows.flatMap(row),
    '</svg>',
    '',
  ].join('\n');
}
