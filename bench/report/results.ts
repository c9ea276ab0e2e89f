/**
 * Raw results as JSON under bench-results/ (gitignored): one file per run (rewritten as each
 * scenario finishes), plus latest.json, which
 * merges each scenario's most recent result so that `--only NAME` updates one row of the docs.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Machine } from '../lib/machine.js';
import type { ScenarioResult } from '../lib/result.js';

export interface StoredScenario extends ScenarioResult {
  date: string;
  mode: 'quick' | 'full';
}

export interface ResultsFile {
  machine: Machine;
  scenarios: Record<string, StoredScenario>;
}

/** Results saved before targets replaced ratios (`ratios`, every target a number) read as targets. */
function upgrade(s: StoredScenario & { ratios?: StoredScenario['targets'] }): StoredScenario {
  if (s.targets) return s;
  const { ratios, ...rest } = s;
  return { ...rest, targets: ratios ?? [] };
}

export function saveResults(repo: string, machine: Machine, fresh: StoredScenario[]): ResultsFile {
  const dir = join(repo, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const run: ResultsFile = { machine, scenarios: Object.fromEntries(fresh.map((s) => [s.name, s])) };
  writeFileSync(join(dir, `${machine.date.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(run, null, 2)}\n`);
  const latestPath = join(dir, 'latest.json');
  let previous: ResultsFile | undefined;
  if (existsSync(latestPath)) {
    try { previous = JSON.parse(readFileSync(latestPath, 'utf8')) as ResultsFile; } catch { previous = undefined; }
  }
  const kept = Object.fromEntries(Object.entries(previous?.scenarios ?? {}).map(([k, s]) => [k, upgrade(s)]));
  const merged: ResultsFile = { machine, scenarios: { ...kept, ...run.scenarios } };
  writeFileSync(latestPath, `${JSON.stringify(merged, null, 2)}\n`);
  return merged;
}
