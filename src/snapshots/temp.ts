/**
 * The snapshot drivers' temp areas, found by path so that any command (a new lease, GC, `hull
 * system check`) can reclaim them without opening a driver:
 *
 *   <root>/snapshots/overlay/tmp/<pid>-<start>-<rand>/      a layer being applied
 *   <root>/snapshots/overlay/tmp/rm-<pid>-<start>-<rand>/   a layer being deleted
 *   <root>/snapshots/copy/tmp/...                            the same for the copy driver
 *
 * An entry is reclaimed only when its maker is proven dead (sys/owner.ts). An entry whose name
 * names no process (an older hull's random names) cannot be proven dead: `hull system check`
 * reports it and only `--repair` removes it.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ownedNameAlive } from '../sys/owner.js';

export interface TempEntry {
  /** The temp directory it is in, e.g. ".../snapshots/overlay/tmp". */
  area: string;
  name: string;
  path: string;
  /** true: a live process owns it; false: its owner is dead; undefined: no owner in its name. */
  ownerAlive: boolean | undefined;
}

export function snapshotTempAreas(root: string): string[] {
  return ['overlay', 'copy'].map((d) => join(root, 'snapshots', d, 'tmp'));
}

export function listSnapshotTemp(root: string): TempEntry[] {
  const out: TempEntry[] = [];
  for (const area of snapshotTempAreas(root)) {
    let names: string[];
    try {
      names = readdirSync(area);
    } catch {
      continue; // that driver was never used in this store
    }
    for (const name of names) {
      const alive = name.startsWith('rm-') ? ownedNameAlive(name, 'rm-') : ownedNameAlive(name);
      out.push({ area, name, path: join(area, name), ownerAlive: alive });
    }
  }
  return out;
}

/** Removes the entries of dead processes (and, with `unowned`, those that name no process). */
export function reclaimSnapshotTemp(root: string, opts: { unowned?: boolean } = {}): TempEntry[] {
  const removed: TempEntry[] = [];
  for (const e of listSnapshotTemp(root)) {
    if (e.ownerAlive === true || (e.ownerAlive === undefined && !opts.unowned)) continue;
    rmSync(e.path, { recursive: true, force: true });
    removed.push(e);
  }
  return removed;
}
