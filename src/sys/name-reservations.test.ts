import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NameReservations } from './name-reservations.js';

test('a name reserved by a process killed before its record is reclaimed; a live creator\'s or a recorded owner\'s is not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hull-names-'));
  try {
    const names = new NameReservations(dir);
    assert.equal(names.reserve('web', 'a'.repeat(64)), true);
    assert.equal(names.reserve('web', 'b'.repeat(64)), false);
    assert.equal(names.owner('web'), 'a'.repeat(64));
    // This process reserved it and is alive: it may still be writing the record.
    assert.equal(names.reclaimStale('web', () => false), false);
    // The reserving process is gone (pid 2^22 + 1 is above any pid_max) and no record was written.
    writeFileSync(join(dir, 'web'), `${'a'.repeat(64)}\n4194305 123`);
    assert.equal(names.reclaimStale('web', () => true), false, 'the owner has a record: a real conflict');
    assert.equal(names.reclaimStale('web', () => false), true);
    assert.equal(names.reserve('web', 'b'.repeat(64)), true);
    assert.equal(names.owner('web'), 'b'.repeat(64));
    // A reservation from before the process was recorded (only an id) is never taken.
    writeFileSync(join(dir, 'old'), 'c'.repeat(64));
    assert.equal(names.reclaimStale('old', () => false), false);
    names.release('web', 'b'.repeat(64));
    assert.deepEqual(readdirSync(dir).sort(), ['old']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a reservation is never seen empty; an empty one left by an older hull killed -9 is reclaimed once it is a few seconds old', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hull-names-'));
  try {
    const names = new NameReservations(dir);
    assert.equal(names.reserve('web', 'a'.repeat(64)), true);
    assert.deepEqual(readdirSync(dir), ['web'], 'no draft left beside the name');
    writeFileSync(join(dir, 'half'), '');
    assert.equal(names.reserve('half', 'b'.repeat(64)), false);
    assert.equal(names.reclaimStale('half', () => false), false, 'it may be a reservation being written');
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, 'half'), old, old);
    assert.equal(names.reclaimStale('half', () => false), true);
    assert.equal(names.reserve('half', 'b'.repeat(64)), true);
    assert.equal(names.owner('half'), 'b'.repeat(64));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
