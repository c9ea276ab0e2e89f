/**
 * `hull commit`, `hull export` and `hull diff`: a container's filesystem as data.
 *
 * commit: the overlay upper dir becomes a gzip'd layer (deletions as whiteouts) streamed into the
 * content store; the new config is the parent's plus that diffID, a history entry and any
 * --change; the manifest is the parent's layers plus the new one. The image is recorded last, and
 * unpacking it reuses the parent's layers, so a kill -9 at any point lists no partial image.
 */
import { PassThrough } from 'node:stream';
import { HullError } from '../errors.js';
import { MediaType } from '../oci/media-types.js';
import { encodeJson, type ImageManifest } from '../oci/manifest.js';
import type { ContainerDefaults, ImageConfig } from '../oci/image-config.js';
import type { FsContentStore } from '../content/store.js';
import type { ImageRecord, ImageStore } from '../images/image-store.js';
import { normaliseName } from '../images/image-store.js';
import { applyChange } from '../images/changes.js';
import type { Snapshotter } from '../snapshots/snapshotter.js';
import type { Change } from '../archive/diff.js';
import type { ContainerRecord } from './record.js';
import { mountPointExclusions } from './mount-points.js';

export interface CommitOptions {
  name?: string;
  changes?: string[];
  message?: string;
  author?: string;
}

export interface CommitDeps {
  content: FsContentStore;
  images: ImageStore;
  snapshotter: Snapshotter;
  loadImage: (image: ImageRecord) => { manifest: ImageManifest; config: ImageConfig };
}

function requireOverlay(snapshotter: Snapshotter, action: string, name: string): void {
  if (snapshotter.driver !== 'overlay') {
    throw new HullError('UNSUPPORTED', `Cannot ${action} container "${name}": the copy storage driver keeps no separate layer of changes`, { hint: 'use the overlay driver (the default where the kernel allows it)' });
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
  const { writeOverlayDiff } = await import('../archive/diff.js');
  const pipe = new PassThrough({ highWaterMark: 1 << 20 });
  const [written, stored] = await Promise.all([
    writeOverlayDiff(deps.snapshotter.viewUpperDir(record.Id), pipe, { compression: 'gzip', exclude: mountPointExclusions(deps.snapshotter.viewUpperDir(record.Id), record) }),
    deps.content.ingest(pipe, { what: `the layer of container "${record.Name}"` }),
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
  deps.content.putBytes(configJson.bytes);
  const newManifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: configJson.digest, size: configJson.bytes.length },
    layers: [...manifest.layers, { mediaType: MediaType.OciLayerGzip, digest: written.digest, size: written.size }],
  };
  const manifestJson = encodeJson(newManifest);
  deps.content.putBytes(manifestJson.bytes);
  const { unpackImage } = await import('../images/unpack.js');
  await unpackImage(deps.content, deps.snapshotter, newManifest, newConfig);
  return deps.images.add({ id: configJson.digest, manifest: manifestJson.digest, manifestMediaType: MediaType.OciManifest, created }, name === undefined ? [] : [name]);
}

export async function diffContainer(snapshotter: Snapshotter, record: ContainerRecord): Promise<Change[]> {
  requireOverlay(snapshotter, 'diff', record.Name);
  const { listChanges } = await import('../archive/diff.js');
  const lower = record.ImageChainId === undefined ? [] : snapshotter.layerDirs(record.ImageChainId);
  return listChanges(snapshotter.viewUpperDir(record.Id), lower, mountPointExclusions(snapshotter.viewUpperDir(record.Id), record));
}
