/**
 * Golden Containerfiles: each `valid/NAME.Containerfile` parses to exactly `valid/NAME.json`, and
 * each `invalid/NAME.Containerfile` fails with INVALID_ARGUMENT and a message containing the first
 * line of `invalid/NAME.error`. Run with HULL_UPDATE_GOLDEN=1 to rewrite the JSON files (then read
 * the diff: the goldens are the spec).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseContainerfile } from '../../src/build/parse.js';
import { isHullError } from '../../src/errors.js';

// Compiled to dist/test/build-golden/; the golden files stay in the source tree.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../test/build-golden');
const UPDATE = process.env.HULL_UPDATE_GOLDEN === '1';

function goldens(kind: 'valid' | 'invalid'): string[] {
  return readdirSync(join(ROOT, kind))
    .filter((name) => name.endsWith('.Containerfile'))
    .map((name) => name.slice(0, -'.Containerfile'.length))
    .sort();
}

test('there are enough goldens to cover the grammar', () => {
  assert.ok(goldens('valid').length >= 15);
  assert.ok(goldens('invalid').length >= 10);
});

for (const name of goldens('valid')) {
  test(`valid: ${name}`, () => {
    const text = readFileSync(join(ROOT, 'valid', `${name}.Containerfile`), 'utf8');
    // Through JSON so that absent optional fields compare equal to missing keys.
    const actual: unknown = JSON.parse(JSON.stringify(parseContainerfile(text, 'Containerfile')));
    const expectedFile = join(ROOT, 'valid', `${name}.json`);
    if (UPDATE) writeFileSync(expectedFile, `${JSON.stringify(actual, null, 2)}\n`);
    assert.deepEqual(actual, JSON.parse(readFileSync(expectedFile, 'utf8')));
  });
}

for (const name of goldens('invalid')) {
  test(`invalid: ${name}`, () => {
    const text = readFileSync(join(ROOT, 'invalid', `${name}.Containerfile`), 'utf8');
    const expected = readFileSync(join(ROOT, 'invalid', `${name}.error`), 'utf8').split('\n')[0] as string;
    assert.ok(expected.length > 0, `${name}.error is empty`);
    assert.throws(
      () => parseContainerfile(text, 'Containerfile'),
      (err: unknown) => {
        assert.ok(isHullError(err, 'INVALID_ARGUMENT'), String(err));
        assert.ok(err.message.includes(expected), `message ${JSON.stringify(err.message)} lacks ${JSON.stringify(expected)}`);
        return true;
      },
    );
  });
}
