/**
 * The shape of the code (shared/ARCHITECTURE.md, docs/architecture.md), read from every import in src/:
 *  - dependencies point one way: a module imports from its own layer or the layers below, never above;
 *  - the front doors (cli, api, compose, kube, cri) reach the core only through engine/: besides
 *    their own folder they import engine/, errors, the version and yaml/, and types from anywhere;
 *  - inside a layer, a folder imports another only where this file allows it (an interface between
 *    them is the rule, a direct import the exception that is written down);
 *  - no import cycles between files.
 * Type-only imports are free: they cost nothing at run time and carry no behaviour.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src');

const LAYERS: string[][] = [
  ['errors.ts', 'version.ts', 'oci', 'yaml'],
  ['sys'],
  ['archive', 'content', 'snapshots', 'registry-client', 'runtime', 'network', 'volumes', 'events'],
  ['images', 'registry-server'],
  ['containers', 'build', 'health', 'pods'],
  ['check'],
  ['engine'],
  ['compose', 'api', 'kube', 'cri'],
  ['cli', 'main.ts'],
];

/** The front doors, and what each may import besides its own folder, engine/, errors and version. */
const DOORS: Record<string, string[]> = {
  api: [],
  compose: [],
  kube: [],
  cri: [],
  // The hull binary hosts every door, and the registry server (a door of its own: it knows no engine).
  cli: ['api', 'compose', 'kube', 'cri', 'registry-server'],
  'main.ts': ['cli'],
};
// yaml/: pure reading of users' YAML with lines, shared by the doors that read it (compose, kube).
const CORE_ENTRY = ['engine', 'errors.ts', 'version.ts', 'yaml'];

/** Imports between folders of one layer, each a known exception. */
const SIDEWAYS = new Set([
  'oci -> errors.ts', // every layer reports HullErrors
  'volumes -> runtime', // parseSize: docker's size grammar is the runtime's
  'build -> containers', // RUN steps write the same /etc files a container gets (etc-files.ts)
  'containers -> health', // an exit decides its restart, a start resets its health (health/ is pure or takes its effects as deps)
  'pods -> containers', // a pod is an infra container plus members (containers reach pods only through hooks the engine wires)
  'health -> build', // parseGoDuration: --health-interval takes HEALTHCHECK's Go durations
  'main.ts -> cli',
]);

const top = (rel: string) => rel.split('/')[0] as string;

function layerOf(rel: string): number {
  return LAYERS.findIndex((l) => l.includes(top(rel)));
}

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* sources(p);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) yield p;
  }
}

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
  /** import('...'): loaded when called, so it cannot make an initialisation cycle. */
  dynamic: boolean;
}

function imports(): Import[] {
  const out: Import[] = [];
  for (const file of sources(SRC)) {
    const rel = relative(SRC, file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(import|export)(\s+type)?\b[^;]*?from\s*'(\.{1,2}\/[^']+)'|import\(\s*'(\.{1,2}\/[^']+)'\)/gm)) {
      const spec = (m[3] ?? m[4]) as string;
      out.push({ from: rel, to: relative(SRC, resolve(dirname(file), spec)).replace(/\.js$/, '.ts'), typeOnly: m[2] !== undefined, dynamic: m[4] !== undefined });
    }
  }
  return out;
}

const isTestHelper = (rel: string) => rel.startsWith('testing/') || rel.includes('/testing/');

test('no module imports from a layer above its own', () => {
  const violations: string[] = [];
  for (const i of imports()) {
    if (isTestHelper(i.from)) continue; // test helpers may use anything
    assert.notEqual(layerOf(i.from), -1, `${i.from} is in no layer: add its folder to LAYERS`);
    if (isTestHelper(i.to)) violations.push(`${i.from} imports test helper ${i.to}`);
    else if (layerOf(i.to) > layerOf(i.from)) violations.push(`${i.from} (layer ${layerOf(i.from)}) imports ${i.to} (layer ${layerOf(i.to)})`);
  }
  assert.deepEqual(violations, []);
});

test('front doors reach the core only through engine/', () => {
  const violations: string[] = [];
  for (const i of imports()) {
    const door = DOORS[top(i.from)];
    if (!door || i.typeOnly || isTestHelper(i.from)) continue;
    const target = top(i.to);
    if (target === top(i.from) || CORE_ENTRY.includes(target) || door.includes(target)) continue;
    violations.push(`${i.from} imports ${i.to}: a door imports engine/ (and types) only`);
  }
  assert.deepEqual(violations, []);
});

test('inside a layer, folders import each other only where allowed', () => {
  const found = new Set<string>();
  for (const i of imports()) {
    if (i.typeOnly || isTestHelper(i.from) || isTestHelper(i.to)) continue;
    const a = top(i.from);
    const b = top(i.to);
    if (a !== b && layerOf(i.from) === layerOf(i.to)) found.add(`${a} -> ${b}`);
  }
  assert.deepEqual([...found].filter((e) => !SIDEWAYS.has(e)).sort(), [], 'a new sideways import: go through an interface, or add it to SIDEWAYS with the reason');
});

test('no import cycles between files (static imports: a lazy import() runs after both are loaded)', () => {
  const graph = new Map<string, string[]>();
  for (const i of imports()) {
    if (i.typeOnly || i.dynamic || isTestHelper(i.from)) continue;
    graph.set(i.from, [...(graph.get(i.from) ?? []), i.to]);
  }
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === 'open') cycles.push([...stack.slice(stack.indexOf(m)), m].join(' -> '));
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of graph.keys()) if (!state.has(n)) visit(n);
  assert.deepEqual(cycles, []);
});

/** Process entries that are not the CLI: each is a program of its own. */
const PROCESS_ENTRIES = new Set([
  'registry-server/serve-entry.ts', // the registry server as a bare process, for the benchmarks
]);

// process.kill(pid) signals another process (a DNS server, a port proxy): that is allowed.
test('the core never touches the process: its stdio, environment, signals or exit', () => {
  const violations: string[] = [];
  for (const file of sources(SRC)) {
    const rel = relative(SRC, file);
    if (DOORS[top(rel)] || isTestHelper(rel) || PROCESS_ENTRIES.has(rel)) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?<![\w.])process\.(env|stdin|stdout|stderr|on|once|off|exit)\b/g)) violations.push(`${rel}: process.${m[1]}`);
  }
  assert.deepEqual(violations, [], 'the core takes its streams, environment and AbortSignal from the front door');
});
