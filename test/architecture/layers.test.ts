/**
 * Dependencies point one way (shared/ARCHITECTURE.md): a module may import from its own layer or
 * the layers below it, never above. This reads every import in src/ and fails on an upward one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src');

const LAYERS: string[][] = [
  ['errors.ts', 'version.ts', 'oci'],
  ['sys'],
  ['archive', 'content', 'snapshots', 'registry-client', 'runtime', 'network', 'volumes', 'events'],
  ['images', 'registry-server'],
  ['containers', 'build', 'health'],
  ['engine'],
  ['compose', 'api'],
  ['cli', 'main.ts'],
];

function layerOf(rel: string): number {
  const top = rel.split('/')[0] as string;
  return LAYERS.findIndex((l) => l.includes(top));
}

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* sources(p);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) yield p;
  }
}

test('no module imports from a layer above its own', () => {
  const violations: string[] = [];
  for (const file of sources(SRC)) {
    const rel = relative(SRC, file);
    if (rel.startsWith('testing/') || rel.includes('/testing/')) continue; // test helpers may use anything
    const from = layerOf(rel);
    assert.notEqual(from, -1, `${rel} is in no layer: add its folder to LAYERS`);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = relative(SRC, resolve(dirname(file), m[1] as string)).replace(/\.js$/, '.ts');
      if (target.startsWith('testing/')) {
        violations.push(`${rel} imports test helper ${target}`);
        continue;
      }
      const to = layerOf(target);
      if (to > from) violations.push(`${rel} (layer ${from}) imports ${target} (layer ${to})`);
    }
  }
  assert.deepEqual(violations, []);
});
