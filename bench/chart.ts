/**
 * An SVG bar chart of hull ÷ peer ratios, on a log scale centred on 1: bars going left (green) are
 * where hull leads, bars going right trail (amber within target, red beyond); a tick marks each
 * target. Ratios not measured yet are listed in grey with their reason.
 */
import type { Ratio } from './lib/result.js';
import { num } from './report/format.js';

export interface ChartRow {
  label: string;
  ratio: Ratio;
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

function colour(r: Ratio): string {
  if (r.value === undefined) return '#bbb';
  if (r.value <= 1) return '#2e9d4f';
  return r.value <= r.target ? '#e0a020' : '#d23b3b';
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
  const v = r.ratio.value;
  if (v === undefined) {
    out.push(`<text x="${xOf(1) + 6}" y="${y + 14}" font-size="11" fill="#888">${esc(r.reason ?? 'not measured')}</text>`);
    return out;
  }
  const x1 = xOf(1);
  const x2 = xOf(v);
  out.push(`<rect x="${Math.min(x1, x2).toFixed(1)}" y="${y + 3}" width="${Math.max(1.5, Math.abs(x2 - x1)).toFixed(1)}" height="${ROW_H - 7}" fill="${colour(r.ratio)}"/>`);
  const tx = xOf(r.ratio.target).toFixed(1);
  out.push(`<line x1="${tx}" y1="${y + 1}" x2="${tx}" y2="${y + ROW_H - 2}" stroke="#000" stroke-width="2"/>`);
  const labelX = v >= 1 ? Math.max(x2, Number(tx)) + 5 : x1 + 5;
  out.push(`<text x="${labelX.toFixed(1)}" y="${y + 14}" font-size="11" fill="#222">${num(v)}×</text>`);
  return out;
}

export function renderChart(rows: readonly ChartRow[], subtitle: string): string {
  const height = TOP + rows.length * ROW_H + 34;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif">`,
    `<rect width="${W}" height="${height}" fill="#fff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="bold" fill="#111">hull ÷ peer (log scale; left of 1× hull leads, right of 1× hull trails; black tick = target)</text>`,
    `<text x="12" y="40" font-size="11" fill="#555">${esc(subtitle)}</text>`,
    ...axis(height),
    ...rows.flatMap(row),
    '</svg>',
    '',
  ].join('\n');
}
