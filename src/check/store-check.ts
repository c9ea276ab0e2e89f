/**
 * `hull system check`: is the store consistent, and did dead processes leave anything behind?
 *
 * Plan, then repair (each finding carries what --repair does). What is checked:
 *   images      every recorded image's manifest, config and layer blobs are present (with
 *               verifyBlobs: and hash to their names); its unpacked layers are present or can be
 *               unpacked from its blobs
 *   containers  every container's writable view and image layers are present
 *   views       a view that no container or running build owns (older than a minute: a younger
 *               one may be a container being created)
 *   temp areas  snapshots/*\/tmp, content/ingest, leases/, <runroot>/build: what a dead process
 *               left (proven dead by the pid and start time in its name or owner file), and
 *               entries that name no owner (an older hull's)
 *   pauses      a container paused on behalf of a commit whose process is gone (containers/commit.ts)
 *
 * Repair removes what is orphaned, unpauses orphaned pauses, unpacks missing layers whose blobs
 * are there, deletes blobs whose content does not match their digest, and marks images with a
 * missing or corrupt blob as damaged (ImageRecord.damaged): `hull pull` or `hull load` of the same
 * image fetches what is missing and clears the mark. It never deletes an image record.
 *
 * Quick enough to run routinely: without verifyBlobs it reads only manifests and configs (a store
 * of 100 images checks in well under a second); verifyBlobs hashes every blob of every image.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../errors.js';
import type { ContentAdmin } from '../content/store.js';
import type { Snapshotter } from '../snapshots/snapshotter.js';
import { listSnapshotTemp } from '../snapshots/temp.js';
import { chainIds } from '../oci/chain-id.js';
import type { Digest } from '../oci/digest.js';
import { withLock } from '../sys/lock.js';
import type { ImageRecord, ImageStore } from '../images/image-store.js';
import { gcLockPath, listLeaseEntries, liveLeases } from '../images/lease.js';
import { readImage } from '../images/read-image.js';
import { imageRoots } from '../images/gc.js';
import { isIndexRecord, readIndex } from '../images/image-index.js';
import { ensureUnpacked } from '../images/unpack.js';
import type { ContainerRecord } from '../containers/record.js';
import { listOrphanedPauses } from '../containers/commit.js';
import { listDeadBuilds } from '../build/views.js';

export type FindingKind = 'damage' | 'leftover';

export interface Finding {
  /** damage: something recorded is broken; leftover: what a dead process left behind. */
  kind: FindingKind;
  area: 'image' | 'container' | 'view' | 'temp' | 'ingest' | 'lease' | 'build' | 'pause';
  subject: string;
  problem: string;
  /** What --repair does about it (or did, once `repaired` is set). */
  repair: string;
  repaired?: boolean;
  repairError?: string;
}

export interface CheckReport {
  images: number;
  containers: number;
  blobsVerified: number;
  findings: Finding[];
  /** Nothing found (or, after --repair, everything found was repaired). */
  clean: boolean;
}

export interface StoreCheckDeps {
  root: string;
  runroot: string;
  content: ContentAdmin;
  images: ImageStore;
  snapshotter: Snapshotter;
  containers: () => ContainerRecord[];
  /** Removes the directories, views and step containers of dead builds (build/views.ts). */
  reapDeadBuilds: () => Promise<unknown>;
  /** Unpauses a container paused by a dead operation (containers/commit.ts releaseOrphanedPause). */
  releasePause: (id: string) => Promise<unknown>;
  /** Finishes the removal of a container whose `rm` was killed (ContainerService.remove). */
  finishRemoval: (id: string) => Promise<unknown>;
}

export interface CheckOptions {
  repair?: boolean;
  verifyBlobs?: boolean;
}

/** A view younger than this without a container may be one being created right now. */
const VIEW_GRACE_MS = 60_000;

interface Planned extends Finding {
  fix?: () => Promise<void>;
  /** A damaged image's id: all of them are marked in one update (markDamaged). */
  damagedImage?: Digest;
}

export async function checkStore(deps: StoreCheckDeps, opts: CheckOptions = {}): Promise<CheckReport> {
  const images = deps.images.list();
  const containers = deps.containers();
  const layers = new Set(deps.snapshotter.listLayers());
  const found: Planned[] = [];
  let blobsVerified = 0;
  const damaged = new Map<Digest, string>();
  const corrupt = new Set<Digest>();
  for (const image of images) {
    const r = await checkImage(deps, image, layers, opts.verifyBlobs === true);
    blobsVerified += r.verified;
    for (const d of r.corrupt) corrupt.add(d);
    if (r.problem) {
      damaged.set(image.id, r.problem);
      const marked = image.damaged !== undefined ? ' (marked damaged)' : '';
      found.push({ kind: 'damage', area: 'image', subject: imageName(image), problem: `${r.problem}${marked}`, damagedImage: image.id, repair: r.corrupt.length > 0 ? 'delete the corrupt blobs and mark the image damaged: pull or load it again to heal it' : 'mark the image damaged: pull or load it again to heal it' });
    } else if (r.missingLayers) {
      found.push({ kind: 'damage', area: 'image', subject: imageName(image), problem: 'some of its unpacked layers are missing (its blobs are all present)', repair: 'unpack them again from the blobs', fix: async () => void (await ensureUnpacked(deps, r.missingLayers!.manifest, r.missingLayers!.config)) });
    }
  }
  found.push(...checkContainers(deps, containers, layers, images));
  found.push(...leftovers(deps));
  for (const p of listOrphanedPauses(deps.runroot)) {
    const c = containers.find((r) => r.Id === p.id);
    found.push({ kind: 'leftover', area: 'pause', subject: c?.Name ?? p.id.slice(0, 12), problem: `paused on behalf of a ${p.reason} whose process is gone`, repair: 'unpause it', fix: async () => void (await deps.releasePause(p.id)) });
  }
  if (opts.repair) {
    // Marking is one update of images.json for every damaged image: done once, before the rest.
    const marks = found.filter((f) => f.damagedImage !== undefined);
    await applyFix(marks, () => markDamaged(deps, damaged, corrupt));
    for (const f of found) if (f.fix) await applyFix([f], f.fix);
  }
  const findings = found.map(({ fix: _fix, damagedImage: _id, ...f }) => f);
  return { images: images.length, containers: containers.length, blobsVerified, findings, clean: findings.every((f) => f.repaired === true) };
}

async function applyFix(findings: Planned[], fix: () => Promise<void>): Promise<void> {
  if (findings.length === 0) return;
  try {
    await fix();
    for (const f of findings) f.repaired = true;
  } catch (err) {
    for (const f of findings) f.repairError = errorMessage(err);
  }
}

function imageName(image: ImageRecord): string {
  return image.names[0] ?? image.id;
}

interface ImageResult {
  problem?: string;
  corrupt: Digest[];
  verified: number;
  missingLayers?: { manifest: ReturnType<typeof readImage>['manifest']; config: ReturnType<typeof readImage>['config'] };
}

async function checkImage(deps: StoreCheckDeps, image: ImageRecord, layers: ReadonlySet<string>, verify: boolean): Promise<ImageResult> {
  const out: ImageResult = { corrupt: [], verified: 0 };
  if (!deps.content.has(image.manifest)) return { ...out, problem: `its manifest ${image.manifest} is missing` };
  let parsed: ReturnType<typeof readImage>;
  try {
    if (isIndexRecord(image) && readIndex(deps.content, image).manifests.length === 0) return out; // an empty manifest list
    parsed = readImage(deps.content, image);
  } catch (err) {
    return { ...out, problem: `its manifest or config cannot be read: ${errorMessage(err)}` };
  }
  // imageRoots: for a manifest list, every child's manifest, config and layers too.
  const blobs = [...new Set([image.manifest, parsed.manifest.config.digest, ...parsed.manifest.layers.map((l) => l.digest), ...imageRoots(deps.content, image).blobs])];
  const missing = blobs.filter((b) => !deps.content.has(b));
  if (missing.length > 0) return { ...out, problem: `${missing.length} of its blobs are missing (${missing.map((m) => m.slice(0, 19)).join(', ')})` };
  if (verify) {
    for (const b of blobs) {
      out.verified += 1;
      if (!(await deps.content.verify(b))) out.corrupt.push(b);
    }
    if (out.corrupt.length > 0) return { ...out, problem: `${out.corrupt.length} of its blobs do not match their digest (${out.corrupt.map((m) => m.slice(0, 19)).join(', ')})` };
  }
  const chain = chainIds(parsed.config.rootfs.diff_ids);
  // A manifest list's layers are unpacked when it first runs (unpack.ts ensureUnpacked), not before.
  if (!isIndexRecord(image) && chain.some((c) => !layers.has(c))) out.missingLayers = parsed;
  return out;
}

async function markDamaged(deps: StoreCheckDeps, damaged: ReadonlyMap<Digest, string>, corrupt: ReadonlySet<Digest>): Promise<void> {
  // A corrupt blob must go: a pull or load skips blobs the store already has.
  for (const d of corrupt) deps.content.delete(d);
  await deps.images.update((doc) => {
    for (const [id, why] of damaged) {
      const image = doc.images[id];
      if (image) image.damaged = why;
    }
  });
}

function checkContainers(deps: StoreCheckDeps, containers: readonly ContainerRecord[], layers: ReadonlySet<string>, images: readonly ImageRecord[]): Planned[] {
  const found: Planned[] = [];
  const views = new Set(deps.snapshotter.listViews());
  for (const c of containers) {
    if (c.State.Status === 'removing') {
      found.push({ kind: 'leftover', area: 'container', subject: c.Name, problem: 'its removal did not finish (hull rm was killed, or is running now)', repair: 'finish removing it', fix: async () => void (await deps.finishRemoval(c.Id)) });
      continue;
    }
    if (!views.has(c.Id)) found.push({ kind: 'damage', area: 'container', subject: c.Name, problem: 'its writable layer is missing', repair: 'none: remove the container ("hull rm -f")' });
    if (c.ImageChainId !== undefined && !layers.has(c.ImageChainId)) {
      const image = images.find((i) => i.id === c.ImageId);
      found.push({
        kind: 'damage', area: 'container', subject: c.Name, problem: "its image's layers are missing",
        repair: image ? 'unpack them again from the image' : 'none: its image is gone; remove the container',
        ...(image ? { fix: async () => { const p = readImage(deps.content, image); await ensureUnpacked(deps, p.manifest, p.config); } } : {}),
      });
    }
  }
  const owned = new Set(containers.map((c) => c.Id));
  const now = Date.now();
  for (const v of views) {
    if (owned.has(v)) continue;
    let age: number;
    try {
      age = now - statSync(deps.snapshotter.viewUpperDir(v)).ctimeMs;
    } catch {
      age = Infinity;
    }
    if (age < VIEW_GRACE_MS || viewOfLiveBuild(deps, v)) continue;
    found.push({ kind: 'leftover', area: 'view', subject: v.slice(0, 12), problem: 'a writable layer that no container or running build owns', repair: 'remove it', fix: () => deps.snapshotter.removeView(v) });
  }
  return found;
}

/** A build's views sit under <runroot>/build/<build>/<view id>; a running build's are its own. */
function viewOfLiveBuild(deps: StoreCheckDeps, view: string): boolean {
  const dead = new Set(listDeadBuilds(deps.runroot));
  try {
    for (const b of readdirSync(join(deps.runroot, 'build'))) {
      if (b.startsWith('.') || dead.has(b)) continue;
      if (readdirSync(join(deps.runroot, 'build', b)).includes(view)) return true;
    }
  } catch {
    // no builds
  }
  return false;
}

/** What dead processes left in the temp areas, and leases of dead processes. */
function leftovers(deps: StoreCheckDeps): Planned[] {
  const found: Planned[] = [];
  const underGcLock = (fn: () => void) => () => withLock(gcLockPath(deps.root), fn);
  for (const e of listSnapshotTemp(deps.root)) {
    if (e.ownerAlive === true) continue;
    const what = e.name.startsWith('rm-') ? 'a layer being deleted' : 'a layer being unpacked';
    found.push({
      kind: 'leftover', area: 'temp', subject: e.path,
      problem: e.ownerAlive === false ? `${what} by a process that is gone` : `${what}, by an unknown process (an older hull's name)`,
      repair: 'remove it', fix: underGcLock(() => rmSync(e.path, { recursive: true, force: true })),
    });
  }
  for (const f of deps.content.listIngests()) {
    if (f.ownerAlive === true || (f.ownerAlive === undefined && f.mtimeMs > Date.now() - 60_000)) continue;
    found.push({ kind: 'leftover', area: 'ingest', subject: f.path, problem: `a blob being written (${f.size} bytes) by a process that is gone`, repair: 'remove it', fix: async () => rmSync(f.path, { recursive: true, force: true }) });
  }
  for (const l of listLeaseEntries(deps.root)) {
    if (l.alive) continue;
    found.push({ kind: 'leftover', area: 'lease', subject: l.path, problem: l.name.endsWith('.d') ? 'the scratch space of a lease whose process is gone' : 'a lease whose process is gone', repair: 'remove it', fix: underGcLock(() => void liveLeases(deps.root)) });
  }
  for (const b of listDeadBuilds(deps.runroot)) {
    found.push({ kind: 'leftover', area: 'build', subject: join(deps.runroot, 'build', b), problem: 'the directory (and maybe views, mounts and a step container) of a build whose process is gone', repair: 'unmount and remove it', fix: async () => void (await deps.reapDeadBuilds()) });
  }
  return found;
}
