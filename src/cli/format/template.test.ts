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

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), '../../../../test/format-golden/go-text-template.json');

interface Golden {
  name: string;
  template: string;
  data: unknown;
  missingKey?: 'error';
  output: string;
  error?: string;
}

function run(g: Golden): { output: string; error?: string } {
  try {
    const tree = parseTemplate(g.template, new Set(Object.keys(FUNCTIONS)));
    return { output: execute(tree, g.data, { functions: FUNCTIONS, missingKey: g.missingKey ?? 'default' }) };
  } catch (e) {
    if (e instanceof TemplateSyntaxError || (e instanceof Error && e.message.startsWith('template: '))) return { output: '', error: e.message };
    throw e;
  }
}

for (const g of JSON.parse(readFileSync(GOLDEN, 'utf8')) as Golden[]) {
  test(`Go text/template: ${g.name}`, () => {
    const got = run(g);
    if (g.error) assert.equal(got.error, g.error, `template ${JSON.stringify(g.template)}`);
    else assert.deepEqual(got, { output: g.output }, `template ${JSON.stringify(g.template)}`);
  });
}
