import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HullError } from '../errors.js';
import { RecordStore } from './record-store.js';

interface Rec { Id: string; Name: string; n: number }

function withStore(fn: (s: RecordStore<Rec>, dir: string) => Promise<void> | void) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hull-records-'));
    try {
      await fn(new RecordStore<Rec>(join(dir, 'things'), { noun: 'thing', file: 'thing.json', listHint: 'list things' }), dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const id = (c: string) => c.repeat(64);
const code = (c: string) => (err: unknown) => err instanceof HullError && err.code === c;

test('an empty store lists nothing and finds nothing', withStore((s) => {
  assert.deepEqual(s.list(), []);
  assert.equal(s.find('web'), undefined);
  assert.throws(() => s.get('web'), code('NOT_FOUND'));
}));

test('records are found by id, name (with docker\'s leading slash) and unique id prefix', withStore((s) => {
  for (const [c, name] of [['a', 'web'], ['b', 'db'], ['c', 'cache']] as const) {
    assert.ok(s.reserveName(name, id(c)));
    s.create({ Id: id(c), Name: name, n: 0 });
  }
  assert.equal(s.reserveName('web', id('d')), false, 'a name has one owner');
  assert.equal(s.find(id('a'))?.Name, 'web');
  assert.equal(s.find('db')?.Id, id('b'));
  assert.equal(s.find('/db')?.Id, id('b'));
  assert.equal(s.find('cc')?.Name, 'cache');
  assert.deepEqual(s.list().map((r) => r.Name).sort(), ['cache', 'db', 'web']);
}));

test('an ambiguous prefix is a CONFLICT; a name that is no name is never read as a path', withStore((s, dir) => {
  s.create({ Id: `ab${'0'.repeat(62)}`, Name: 'x', n: 0 });
  s.create({ Id: `ac${'0'.repeat(62)}`, Name: 'y', n: 0 });
  assert.throws(() => s.find('a'), code('CONFLICT'));
  // A file outside the names directory holding a record's id must not resolve.
  writeFileSync(join(dir, 'outside'), `ab${'0'.repeat(62)}`);
  assert.equal(s.find('../../outside'), undefined);
  assert.throws(() => s.get('\x1b[31mred'), (err: unknown) => err instanceof HullError && err.code === 'NOT_FOUND' && !err.message.includes('\x1b'));
}));

test('update changes a record under its lock; after remove, updates and names find nothing', withStore(async (s) => {
  s.reserveName('web', id('a'));
  s.create({ Id: id('a'), Name: 'web', n: 0 });
  const updated = await s.update(id('a'), (r) => (r.n = 5));
  assert.equal(updated.n, 5);
  assert.equal(s.get('web').n, 5);
  await s.remove(updated);
  assert.equal(s.find('web'), undefined);
  assert.equal(s.nameOwner('web'), undefined);
  await assert.rejects(s.update(id('a'), (r) => (r.n = 6)), code('NOT_FOUND'));
  assert.ok(s.reserveName('web', id('b')), 'the name is free again');
}));
