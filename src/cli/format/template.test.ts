/**
 * Golden tests: every case in test/format-golden/cases.json was run through Go's own
 * text/template with docker's functions (test/format-golden/oracle.go); hull must print the same,
 * or fail with the same message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTemplate } from './parser.js';
import { execute } from './exec.js';
import { FUNCTIONS } from './funcs.js';
import { TemplateSyntaxError } from './lexer.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../../test/format-golden');

interface Golden {
  name: string;
  template: string;
  missingKey?: 'error';
  output: string;
  error?: string;
}

function run(g: Golden, data: unknown): { output: string; error?: string } {
  try {
    const tree = parseTemplate(g.template, new Set(Object.keys(FUNCTIONS)));
    return { output: execute(tree, structuredClone(data), { functions: FUNCTIONS, missingKey: g.missingKey ?? 'default' }) };
  } catch (e) {
    if (e instanceof TemplateSyntaxError || (e instanceof Error && e.message.startsWith('template: '))) return { output: '', error: e.message };
    throw e;
  }
}

// cases.json: hand-written cases; fuzz-cases.json: 600 generated ones (differential against Go).
for (const [input, golden] of [['cases.json', 'go-text-template.json'], ['fuzz-cases.json', 'go-fuzz.json']] as const) {
  /** The data set every case of the file runs on (as it was given to Go). */
  const data = (JSON.parse(readFileSync(join(DIR, input), 'utf8')) as { data: unknown }).data;
  for (const g of JSON.parse(readFileSync(join(DIR, golden), 'utf8')) as Golden[]) {
    test(`Go text/template: ${g.name}`, () => {
      const got = run(g, data);
      if (g.error) assert.equal(got.error, g.error, `template ${JSON.stringify(g.template)}`);
      else assert.deepEqual(got, { output: g.output }, `template ${JSON.stringify(g.template)}`);
    });
  }
}

// Go 1.22+ behaviours, which the 1.19 oracle lacks: expectations printed by docker 28's CLI
// (Go 1.24) for `docker version --format ...` with the same templates.
const GO_124: [string, unknown, string][] = [
  ['{{range 3}}{{.}}{{end}}', {}, '012'],
  ['{{range $i := 3}}{{$i}}{{end}}', {}, '012'],
  ['{{.Os | }}', { Os: 'linux' }, 'linux'],
  ['{{printf "%8.3f|%-8s|%+d|%x|%X|%o|%e|%g|%5t|%U" 3.14159 "ab" 5 "hi" 255 8 1234.5678 0.000012 true 65}}', {}, '   3.142|ab      |+5|6869|FF|10|1.234568e+03|1.2e-05| true|U+0041'],
  ['{{print 2.5 1e21 0.00001 1234567.5}}', {}, '2.5 1e+21 1e-05 1.2345675e+06'],
  // From Go 1.23's text/template docs ({{else with}}); docker's typed value could not show it.
  ['{{with .Nope}}a{{else with .Os}}b:{{.}}{{end}}', { Os: 'linux' }, 'b:linux'],
];

for (const [template, data, want] of GO_124) {
  test(`Go 1.24 (docker 28): ${template}`, () => {
    assert.equal(execute(parseTemplate(template, new Set(Object.keys(FUNCTIONS))), data, { functions: FUNCTIONS }), want);
  });
}
