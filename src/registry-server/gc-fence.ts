/**
 * The GC fence: how a sweep on one replica and a manifest push on another agree, with no lock
 * service and no conditional delete (neither S3 nor radosgw offers one), on "nothing a push was
 * told is stored gets deleted".
 *
 * A sweep publishes its intent before its last look at the references:
 *
 *   GC      write _gc/sweeps/<id>.active {candidates, expires}   (gi)
 *           re-mark: list every repository's references again  (gl)   -> new refs are kept
 *           delete the candidates still unmarked, before expires (gd)
 *           write <id>.done, delete <id>.active
 *
 *   push    list _gc/sweeps/ (wp); check pointers; write its references (wa); list again (wc)
 *
 * If the push's references were written before gl, the re-mark sees them. Otherwise
 * gi < gl < wa < wc, so at wc the sweep is either still listed as active (the push waits for it
 * if it targets the push's digests) or it has finished, and then the listing changed since wp
 * (a new .done, or an .active that was there at wp). In both cases the push re-checks that
 * everything it references still exists and stores itself again, or refuses with
 * MANIFEST_BLOB_UNKNOWN and undoes its references. A push that sees no active sweep and the
 * same listing at wp and wc is safe with no further read (the common case: two LISTs per push).
 * The argument needs read-after-write consistent reads and listings, which S3 (since 2020),
 * radosgw and POSIX filesystems give.
 */
import { randomBytes } from 'node:crypto';
import type { Digest } from '../oci/digest.js';
import { GC_SWEEPS_DIR, gcSweepPath } from './paths.js';
import type { StorageDriver } from './storage/driver.js';

/** What a sweep may delete: blob digests and manifests as "<repository>@<digest>". */
export interface SweepTargets {
  blobs: Digest[];
  manifests: string[];
}

interface SweepIntent extends SweepTargets {
  /** Epoch ms after which the sweep deletes nothing more (it stops early if it runs long). */
  expires: number;
}

/** Entries of the sweeps directory, as names (`<id>.active`, `<id>.done`). */
export type FenceSnapshot = string[];

const WAIT_POLL_MS = 200;
/** How long a finished sweep's marker stays: longer than any push takes between its two looks. */
export const DONE_MARKER_AGE_MS = 60 * 60 * 1000;

export async function snapshotFence(driver: StorageDriver): Promise<FenceSnapshot> {
  return driver.list(GC_SWEEPS_DIR);
}

async function readIntent(driver: StorageDriver, name: string): Promise<SweepIntent | undefined> {
  const raw = await driver.getContent(`${GC_SWEEPS_DIR}/${name}`);
  if (!raw) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as SweepIntent;
  } catch {
    return undefined; // torn or foreign: treated as a sweep that targets nothing we know of
  }
}

function targets(intent: SweepIntent, refs: SweepTargets): boolean {
  const blobs = new Set(intent.blobs);
  const manifests = new Set(intent.manifests);
  return refs.blobs.some((d) => blobs.has(d)) || refs.manifests.some((m) => manifests.has(m));
}

/**
 * Called by a writer after it wrote its references. 'clean': no sweep can have deleted anything
 * it references. 'recheck': a sweep overlapped; any sweep targeting `refs` has ended (or expired),
 * and the writer must verify what it references still exists.
 */
export async function settleFence(driver: StorageDriver, before: FenceSnapshot, refs: SweepTargets, signal?: AbortSignal): Promise<'clean' | 'recheck'> {
  let after = await snapshotFence(driver);
  const same = before.length === after.length && before.every((n, i) => after[i] === n);
  if (same && !after.some((n) => n.endsWith('.active'))) return 'clean';
  for (;;) {
    let waiting = false;
    for (const name of after.filter((n) => n.endsWith('.active'))) {
      const intent = await readIntent(driver, name);
      if (intent && Date.now() < intent.expires && targets(intent, refs)) waiting = true;
    }
    if (!waiting) return 'recheck';
    signal?.throwIfAborted();
    await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
    after = await snapshotFence(driver);
  }
}

/** The GC's side: publish the intent, then (after the sweep) mark it done. */
export async function openSweep(driver: StorageDriver, candidates: SweepTargets, expires: number): Promise<{ id: string; close(): Promise<void> }> {
  const id = `${new Date().toISOString().replace(/[:.]/g, '')}-${randomBytes(4).toString('hex')}`;
  const intent: SweepIntent = { ...candidates, expires };
  await driver.putContent(gcSweepPath(id, 'active'), JSON.stringify(intent));
  return {
    id,
    async close() {
      await driver.putContent(gcSweepPath(id, 'done'), '');
      await driver.delete(gcSweepPath(id, 'active'));
    },
  };
}

/** Removes done markers older than DONE_MARKER_AGE_MS and the intents of crashed sweeps. */
export async function pruneFence(driver: StorageDriver, now = Date.now()): Promise<void> {
  for (const name of await snapshotFence(driver)) {
    const p = `${GC_SWEEPS_DIR}/${name}`;
    if (name.endsWith('.done')) {
      const info = await driver.stat(p);
      if (info && now - info.modTime.getTime() > DONE_MARKER_AGE_MS) await driver.delete(p);
    } else if (name.endsWith('.active')) {
      const intent = await readIntent(driver, name);
      // Past its deadline a sweep deletes nothing more, so a crashed one's intent only slows pushes.
      if (intent && now > intent.expires + 60_000) await driver.delete(p);
    }
  }
}
