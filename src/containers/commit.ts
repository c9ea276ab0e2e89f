/**
 * `hull commit`, `hull export` and `hull diff`: a container's filesystem as data.
 *
 * commit: the overlay upper dir becomes a gzip'd layer (deletions as whiteouts) streamed into the
 * content store; the new config is the parent's plus that diffID, a history entry and any
 * --change; the manifest is the parent's layers plus the new one. All of it under one GC lease,
 * the image recorded last, and unpacking it reuses the parent's layers, so a kill -9 at any point
 * lists no partial image and a concurrent prune deletes nothing the commit is about to record.
 *
 * A running container is paused during the commit (docker's default) on the commit's behalf:
 *
 *   <runroot>/paused-by/<container id>       "<pid> <starttime> commit": who paused it, and why
 *   <runroot>/paused-by/<container id>.lock  held by the one operation pausing it (sys/lock.ts)
 *
 * written before the pause and removed after the unpause. A commit killed in between leaves the
 * file behind; the next command that finds its owner dead (the next commit of that container,
 * a start, stop or rm through ContainerService.refresh, `hull system check --repair`) unpauses
 * the container. A container the user paused has no such file: a commit leaves it paused.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { HullError } from '../errors.js';
import { MediaType } from '../oci/media-types.js';
import { encodeJson, type ImageManifest } from '../oci/manifest.js';
import type { ContainerDefaults, ImageConfig } from '../oci/image-config.js';
import type { ContentStore } from '../content/store.js';
import { requireBlobs } from '../images/require-blobs.js';
import type { ImageRecord, ImageStore } from '../images/image-store.js';
import { normaliseName } from '../images/image-store.js';
import { applyChange } from '../images/changes.js';
import { withLease, type Lease } from '../images/lease.js';
import type { Snapshotter } from '../snapshots/snapshotter.js';
import { selfOwnerToken, tokenAlive } from '../sys/owner.js';
import { withLock } from '../sys/lock.js';
import type { Change } from '../archive/diff.js';
import type { ContainerRecord, ContainerStatus } from './record.js';
import { mountPointExclusions } from './mount-points.js';

export interface CommitOptions {
  name?: string;
  changes?: string[];
  message?: string;
  author?: string;
  /** Pause a running container during the commit (default true, as docker). */
  pause?: boolean;
}

/** Pauses (true) or resumes (false) a container; the lifecycle does it. */
export type SetPaused = (id: string, paused: boolean) => Promise<void>;

export interface PauseDeps {
  runroot: string;
  /** The container's current status, reconciled with the runtime. */
  status: (id: string) => ContainerStatus;
  setPaused: SetPaused;
  /**
   * Resumes a container an operation paused before it died: in the runtime even when the record
   * says running (the operation may have been killed while `runc pause` ran).
   */
  resumeOrphaned: (id: string) => Promise<void>;
}

export interface CommitDeps extends PauseDeps {
  root: string;
  content: ContentStore;
  images: ImageStore;
  snapshotter: Snapshotter;
  loadImage: (image: ImageRecord) => { manifest: ImageManifest; config: ImageConfig };
}

function pauseFile(runroot: string, id: string): string {
  return join(runroot, 'paused-by', id);
}

/** Who paused a container on an operation's behalf, if anyone: "<pid> <starttime> <reason>". */
export function findPauseOwner(runroot: string, id: string): { token: string; reason: string; alive: boolean } | undefined {
  let text: string;
  try {
    text = readFileSync(pauseFile(runroot, id), 'utf8');
  } catch {
    return undefined;
  }
  const [pid = '', start = '', reason = 'unknown'] = text.trim().split(' ');
  const token = `${pid} ${start}`;
  return { token, reason, alive: tokenAlive(token) };
}

/** The containers paused on behalf of an operation whose process is gone. */
export function listOrphanedPauses(runroot: string): Array<{ id: string; reason: string }> {
  let ids: string[];
  try {
    ids = readdirSync(join(runroot, 'paused-by'));
  } catch {
    return [];
  }
  return ids.filter((n) => !n.includes('.')).flatMap((id) => {
    const owner = findPauseOwner(runroot, id);
    return owner && !owner.alive ? [{ id, reason: owner.reason }] : [];
  });
}

/**
 * Undoes a pause whose owner died: unpauses the container (if it is still paused) and forgets the
 * owner. Returns whether it found one. A container that is gone only loses the file.
 */
export async function releaseOrphanedPause(deps: PauseDeps, id: string): Promise<boolean> {
  const owner = findPauseOwner(deps.runroot, id);
  if (!owner || owner.alive) return false;
  let status: ContainerStatus | undefined;
  try {
    status = deps.status(id);
  } catch {
    status = undefined; // removed meanwhile
  }
  if (status === 'paused' || status === 'running') await deps.resumeOrphaned(id);
  rmSync(pauseFile(deps.runroot, id), { force: true });
  return true;
}

/**
 * Runs `fn` with the container paused on behalf of `reason` (if it runs), resumed however `fn`
 * ends. One owner at a time per container (<runroot>/paused-by/<id>.lock): two commits at once
 * would otherwise pause a paused container, or resume it under the other's feet.
 */
async function withOwnedPause<T>(deps: PauseDeps, id: string, reason: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(join(deps.runroot, 'paused-by'), { recursive: true });
  return withLock(`${pauseFile(deps.runroot, id)}.lock`, async () => {
    await releaseOrphanedPause(deps, id);
    if (deps.status(id) !== 'running') return fn();
    // Owner first, then pause: a kill in between leaves a file for a running container, which the
    // next command just removes. Unpause first, then forget, for the same reason.
    writeFileSync(pauseFile(deps.runroot, id), `${selfOwnerToken()} ${reason}`);
    try {
      await deps.setPaused(id, true);
      return await fn();
    } finally {
      if (deps.status(id) === 'paused') await deps.setPaused(id, false);
      rmSync(pauseFile(deps.runroot, id), { force: true });
    }
  });
}

function requireOverlay(snapshotter: Snapshotter, action: string, name: string): void {
  if (snapshotter.driver === 'copy') {
    throw new HullError('UNSUPPORTED', `Cannot ${action} container "${name}": the copy storage driver keeps no separate layer of changes`, { hint: 'use the overlay or fuse-overlayfs driver (overlay is the default where the kernel allows it)' });
  }
}

/** The parent config plus the container's own settings, as docker commits them. */
function committedDefaults(parent: ContainerDefaults | undefined, record: ContainerRecord, changes: string[]): ContainerDefaults {
  let c: ContainerDefaults = { ...(parent ?? {}), Env: record.Config.Env, Cmd: record.Config.Cmd, Entrypoint: record.Config.Entrypoint, WorkingDir: record.Config.WorkingDir, User: record.Config.User, Labels: record.Config.Labels };
  if (record.Config.StopSignal) c.StopSignal = record.Config.StopSignal;
  for (const change of changes) c = applyChange(c, change);
  return c;
}

export async function commitContainer(deps: CommitDeps, record: ContainerRecord, opts: CommitOptions): Promise<ImageRecord> {
  requireOverlay(deps.snapshotter, 'commit', record.Name);
  const name = opts.name === undefined ? undefined : normaliseName(opts.name);
  const parent = deps.images.get(record.ImageId);
  const { manifest, config } = deps.loadImage(parent);
  const defaults = committedDefaults(config.config, record, opts.changes ?? []); // refuses bad --change before any work
  if (opts.pause === false) return withLease(deps.root, 'commit', { enumerates: false }, (lease) => writeCommit(deps, lease, record, opts, name, manifest, config, defaults));
  return withOwnedPause(deps, record.Id, 'commit', () => withLease(deps.root, 'commit', { enumerates: false }, (lease) => writeCommit(deps, lease, record, opts, name, manifest, config, defaults)));
}

/** The commit's writes: layer, config, manifest, unpacked layer, then the record. */
async function writeCommit(deps: CommitDeps, lease: Lease, record: ContainerRecord, opts: CommitOptions, name: string | undefined, manifest: ImageManifest, config: ImageConfig, defaults: ContainerDefaults): Promise<ImageRecord> {
  const content = deps.content.writer(lease);
  // The new image shares the parent's layer blobs, which a container does not keep from GC (only
  // its image's config and unpacked layers): hold them, then make sure none went meanwhile.
  await lease.hold(manifest.layers.map((l) => l.digest));
  requireBlobs(content, manifest, `commit container "${record.Name}"`);
  const { writeOverlayDiff } = await import('../archive/diff.js');
  const pipe = new PassThrough({ highWaterMark: 1 << 20 });
  const [written, stored] = await Promise.all([
    writeOverlayDiff(deps.snapshotter.viewUpperDir(record.Id), pipe, { compression: 'gzip', exclude: mountPointExclusions(deps.snapshotter.viewUpperDir(record.Id), record) }),
    content.ingest(pipe, { what: `the layer of container "${record.Name}"` }),
  ]);
  if (written.digest !== stored.digest) throw new HullError('INTERNAL', `Cannot commit container "${record.Name}": the stored layer does not match what was written`);
  const created = new Date().toISOString();
  const newConfig: ImageConfig = {
    ...config,
    created,
    ...(opts.author ? { author: opts.author } : {}),
    config: defaults,
    rootfs: { type: 'layers', diff_ids: [...config.rootfs.diff_ids, written.diffID] },
    history: [...(config.history ?? []), { created, created_by: [record.Path, ...record.Args].join(' '), ...(opts.message ? { comment: opts.message } : {}), ...(opts.author ? { author: opts.author } : {}) }],
  };
  const configJson = encodeJson(newConfig);
  content.putBytes(configJson.bytes);
  const newManifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: configJson.digest, size: configJson.bytes.length },
    layers: [...manifest.layers, { mediaType: MediaType.OciLayerGzip, digest: written.digest, size: written.size }],
  };
  const manifestJson = encodeJson(newManifest);
  content.putBytes(manifestJson.bytes);
  const { unpackImage } = await import('../images/unpack.js');
  await unpackImage(content, deps.snapshotter, lease, newManifest, newConfig);
  return deps.images.add({ id: configJson.digest, manifest: manifestJson.digest, manifestMediaType: MediaType.OciManifest, created }, name === undefined ? [] : [name], lease);
}

export async function diffContainer(snapshotter: Snapshotter, record: ContainerRecord): Promise<Change[]> {
  requireOverlay(snapshotter, 'diff', record.Name);
  const { listChanges } = await import('../archive/diff.js');
  const lower = record.ImageChainId === undefined ? [] : snapshotter.layerDirs(record.ImageChainId);
  return listChanges(snapshotter.viewUpperDir(record.Id), lower, mountPointExclusions(snapshotter.viewUpperDir(record.Id), record));
}
