/** Writes docs/benchmarks.md and docs/benchmarks-ratios.svg from the merged results. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderChart, type ChartRow } from '../chart.js';
import type { Scenario } from '../lib/context.js';
import { renderMarkdown } from './markdown.js';
import type { ResultsFile } from './results.js';

function chartRows(results: ResultsFile, order: readonly Scenario[]): ChartRow[] {
  const rows: ChartRow[] = [];
  for (const o of order) {
    const s = results.scenarios[o.name];
    if (!s) continue;
    for (const t of s.targets) {
      const hullFig = s.figures.find((f) => f.case === t.case && f.subject.startsWith('hull'));
      const reason = hullFig?.missing ?? t.missing ?? s.error ?? 'not measured';
      const short = t.case.replace(/ \(.*\)$/, '');
      rows.push({ label: `${s.name} · ${short} vs ${t.vs}`.slice(0, 64), target: t, reason: reason.length > 70 ? `${reason.slice(0, 67)}...` : reason });
    }
  }
  return rows;
}

export function writeDocs(repo: string, results: ResultsFile, order: readonly Scenario[]): void {
  const m = results.machine;
  const subtitle = `${m.date.slice(0, 10)} · ${m.cores} cores, ${m.memoryGiB} GiB, Linux ${m.kernel} · hull ${m.versions.hull ?? '?'} · podman ${m.versions.podman ?? '?'}`;
  writeFileSync(join(repo, 'docs/benchmarks-ratios.svg'), renderChart(chartRows(results, order), subtitle));
  writeFileSync(join(repo, 'docs/benchmarks.md'), renderMarkdown(results, order));
}
