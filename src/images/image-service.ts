/**
 * ImageService: the image operations the front ends call (list, inspect, tag, remove, import).
 * Removal plans first, then deletes: untag; if no name is left and no container uses the image,
 * drop its record, then collect the blobs and layers that no remaining image needs.
 */
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { HullError } from '../errors.js';
import type { ContentAdmin } from '../content/store.js';
import type { Snapshotter } from '../snapshots/snapshotter.js';
import type { ImageConfig } from '../oci/image-config.js';
import type { ImageManifest } from '../oci/manifest.js';
import { readImage } from './read-image.js';
import type { Digest } from '../oci/digest.js';
import type { EventLog } from '../events/event-log.js';
import { ImageStore, normaliseName, type ImageRecord } from './image-store.js';
import type { ImportOptions } from './import.js';
import type { PullOptions, PullResult } from './pull.js';
import type { PushOptions, PushResult } from './push.js';
import type { GcResult } from './gc.js';
import type { SaveFormat } from './save.js';
import type { LoadedImage } from './load.js';
import type { EntrySink } from './formats/entry-sink.js';
import type { HistoryRow } from './history.js';
import type { ImageUsage } from './disk-usage.js';
import { withLease } from './lease.js';
import { isIndexRecord } from './image-index.js';
import type { ManifestListDeps } from './manifest-list.js';
import type { RegistryOptions } from '../registry-client/index.js';

/**
 * A manifest list as `hull images` and inspect show it: its child for this host (read-image.ts),
 * or, for an empty list, the index alone (no layers, no platform), so listing never fails.
 */
function readListForDetails(content: ContentAdmin, record: ImageRecord): { manifest: ImageManifest; config: ImageConfig } {
  try {
    return readImage(content, record);
  } catch (err) {
    if (!(err instanceof HullError) || err.code !== 'NOT_FOUND') throw err;
    const size = content.has(record.manifest) ? content.readBytes(record.manifest).length : 0;
    return {
      manifest: { schemaVersion: 2, mediaType: record.manifestMediaType, config: { mediaType: record.manifestMediaType, digest: record.manifest, size }, layers: [] },
      config: { architecture: '', os: '', created: record.created, rootfs: { type: 'layers', diff_ids: [] } },
    };
  }
}

export interface ImageDeps {
  content: ContentAdmin;
  images: ImageStore;
  snapshotter: () => Promise<Snapshotter>;
  /** Image ids that containers use: never deleted from under them. */
  imagesInUse: () => Set<string>;
  events: EventLog;
}

export interface ImageDetails {
  record: ImageRecord;
  manifest: ImageManifest;
  config: ImageConfig;
  /** Sum of the compressed layer sizes and the config, as registries count it. */
  size: number;
}

export interface RemoveResult {
  untagged: string[];
  deleted: Digest[];
}

export class ImageService {
  constructor(private readonly deps: ImageDeps) {}

  list(): ImageRecord[] {
    return this.deps.images.list().sort((a, b) => b.created.localeCompare(a.created));
  }

  details(record: ImageRecord): ImageDetails {
    const { manifest, config } = isIndexRecord(record) ? readListForDetails(this.deps.content, record) : readImage(this.deps.content, record);
    const size = manifest.layers.reduce((n, l) => n + l.size, manifest.config.size);
    return { record, manifest, config, size };
  }

  /**
   * An image ready to run or build on: found locally (or pulled when missing, or always with
   * `pull`), and unpacked if its top layer is missing, under a lease (unpack.ts ensureUnpacked).
   */
  async ensureUnpacked(reference: string, opts: { pull?: boolean; pullOptions?: PullOptions; onPull?: () => void } = {}): Promise<ImageDetails & { top: Digest | undefined }> {
    let record = opts.pull ? undefined : this.deps.images.find(reference);
    if (!record) {
      opts.onPull?.();
      record = (await this.pull(reference, opts.pullOptions)).record;
    }
    if (isIndexRecord(record)) readImage(this.deps.content, record); // an empty list cannot run: NOT_FOUND says why
    const d = this.details(record);
    const { ensureUnpacked } = await import('./unpack.js');
    const top = await ensureUnpacked({ root: this.root, content: this.deps.content, snapshotter: await this.deps.snapshotter() }, d.manifest, d.config);
    return { ...d, top };
  }

  get(nameOrId: string): ImageRecord {
    return this.deps.images.get(nameOrId);
  }

  find(nameOrId: string): ImageRecord | undefined {
    return this.deps.images.find(nameOrId);
  }

  /** `hull manifest exists`: whether `name` is a manifest list here. */
  isManifestList(name: string): boolean {
    const record = this.deps.images.find(name);
    return record !== undefined && isIndexRecord(record);
  }

  /** A manifest list by name: NOT_FOUND, or INVALID_ARGUMENT for a plain image (manifest-list.ts). */
  async getManifestList(name: string): Promise<ImageRecord> {
    const { getManifestList } = await import('./manifest-list.js');
    return getManifestList(this.deps.images, name);
  }

  async importTarball(input: Readable, opts: ImportOptions): Promise<ImageRecord> {
    const { importRootfs } = await import('./import.js');
    const image = await importRootfs({ content: this.deps.content, images: this.deps.images, snapshotter: await this.deps.snapshotter(), root: this.root }, input, opts);
    this.deps.events.emit('image', 'import', image.id, { name: opts.name ?? '' });
    return image;
  }

  /** `hull pull`: see pull.ts. Blob sources live beside the store (<root>/registry-sources.json). */
  async pull(reference: string, opts: PullOptions = {}): Promise<PullResult> {
    const [{ pullImage }, { BlobSourceStore }] = await Promise.all([import('./pull.js'), import('../registry-client/blob-sources.js')]);
    const sources = new BlobSourceStore(dirname(this.deps.content.dir));
    const snapshotter = await this.deps.snapshotter();
    // The pull cannot name its layers before it resolves the manifest: a time-only lease.
    const pullAll = opts.allPlatforms ? (await import('./pull-all-platforms.js')).pullAllPlatforms : pullImage;
    const result = await withLease(this.root, 'pull', { enumerates: false }, (lease) => pullAll({ content: this.deps.content.writer(lease), lease, images: this.deps.images, snapshotter, sources }, reference, opts));
    this.deps.events.emit('image', 'pull', result.record.id, { name: reference });
    return result;
  }

  /** `hull manifest ...`: see manifest-list.ts. Writes the index under a lease. */
  async manifestList<T>(fn: (m: typeof import('./manifest-list.js'), deps: ManifestListDeps) => Promise<T>): Promise<T> {
    const m = await import('./manifest-list.js');
    return withLease(this.root, 'manifest', { enumerates: true }, (lease) => fn(m, { content: this.deps.content.writer(lease), lease, images: this.deps.images }));
  }

  /** `hull manifest inspect`: a local list's index, else what the registry serves for `reference`. */
  async inspectManifest(reference: string, opts: RegistryOptions = {}): Promise<Buffer> {
    const { fetchRemoteManifest, manifestListBytes } = await import('./manifest-list.js');
    const local = this.deps.images.find(reference);
    if (local && isIndexRecord(local)) return manifestListBytes(this.deps.content, this.deps.images, reference);
    return fetchRemoteManifest(reference, opts);
  }

  /** `hull push`: see push.ts. */
  async push(source: string, destination: string | undefined, opts: PushOptions = {}): Promise<PushResult> {
    const [{ pushImage }, { BlobSourceStore }] = await Promise.all([import('./push.js'), import('../registry-client/blob-sources.js')]);
    const sources = new BlobSourceStore(dirname(this.deps.content.dir));
    const result = await pushImage({ content: this.deps.content, images: this.deps.images, sources }, source, destination, opts);
    this.deps.events.emit('image', 'push', result.digest, { name: destination ?? source });
    return result;
  }

  /** `hull save`: see save.ts. Every image is resolved before anything is written. */
  async save(refs: readonly string[], format: SaveFormat, sink: EntrySink): Promise<void> {
    const { resolveSaveImages, saveImages } = await import('./save.js');
    const deps = { content: this.deps.content, images: this.deps.images };
    await saveImages(deps, resolveSaveImages(deps, refs), format, sink);
  }

  /** `hull load`: see load.ts. `input` is a tar stream or an OCI layout directory. */
  async load(input: Readable | NodeJS.ReadableStream | { dir: string }, source: string): Promise<LoadedImage[]> {
    const { loadImages } = await import('./load.js');
    return loadImages({ content: this.deps.content, images: this.deps.images, snapshotter: await this.deps.snapshotter(), root: this.root }, input, source);
  }

  /** `hull history`: rows newest first (history.ts), sized by the unpacked layers. */
  async history(nameOrId: string): Promise<HistoryRow[]> {
    const [{ planHistory }, { layerBytes }] = await Promise.all([import('./history.js'), import('./disk-usage.js')]);
    const d = this.details(this.get(nameOrId));
    const snapshotter = await this.deps.snapshotter();
    return planHistory(d.record.id, d.config, (i, chainID) => (snapshotter.hasLayer(chainID) ? layerBytes(snapshotter, chainID) : (d.manifest.layers[i]?.size ?? 0)));
  }

  /** `hull system df`, the images row. */
  async diskUsage(): Promise<ImageUsage> {
    const { imageDiskUsage } = await import('./disk-usage.js');
    return imageDiskUsage(this.deps.content, await this.deps.snapshotter(), this.deps.images.list(), this.deps.imagesInUse());
  }

  /**
   * `hull image prune`: removes dangling images (no name) that no container uses, or with `all`
   * every image no container uses; then collects the blobs and layers nothing needs any more.
   */
  async prune(opts: { all?: boolean } = {}): Promise<{ untagged: string[]; deleted: Digest[]; reclaimed: number }> {
    const inUse = this.deps.imagesInUse();
    const removed = await this.deps.images.update((doc) => {
      const untagged: string[] = [];
      const deleted: Digest[] = [];
      for (const image of Object.values(doc.images)) {
        // Dangling: neither a name nor a digest it was pulled by (docker keeps `repo@digest` images).
        if (inUse.has(image.id) || (!opts.all && (image.names.length > 0 || (image.digests?.length ?? 0) > 0))) continue;
        untagged.push(...image.names);
        deleted.push(image.id);
        delete doc.images[image.id];
      }
      return { untagged, deleted };
    });
    const gc = await this.collectGarbage();
    return { ...removed, reclaimed: gc.reclaimed };
  }

  async tag(source: string, target: string): Promise<ImageRecord> {
    const image = this.deps.images.get(source);
    const name = normaliseName(target);
    this.deps.events.emit('image', 'tag', image.id, { name });
    return this.deps.images.update((doc) => {
      const current = doc.images[image.id];
      if (!current) throw new HullError('NOT_FOUND', `Cannot tag image "${source}": it was removed`);
      for (const other of Object.values(doc.images)) other.names = other.names.filter((n) => n !== name);
      current.names.push(name);
      return current;
    });
  }

  /**
   * `hull rmi`, as docker: a name untags (and deletes once no name is left); an id deletes the
   * image, refusing when it has several names unless `force`. Refuses while a container uses the
   * image unless `force`.
   */
  async remove(nameOrId: string, opts: { force?: boolean } = {}): Promise<RemoveResult> {
    const image = this.deps.images.get(nameOrId);
    const byId = image.id.slice(7).startsWith(nameOrId.replace(/^sha256:/, ''));
    const byName = image.names.length > 1 && !byId;
    const inUse = this.deps.imagesInUse().has(image.id);
    if (byId && image.names.length > 1 && !opts.force) {
      // docker: "image is referenced in multiple repositories"
      throw new HullError('CONFLICT', `Cannot remove image "${nameOrId}": it has ${image.names.length} names`, {
        hint: 'remove the names one by one ("hull rmi NAME"), or use "hull rmi -f ID" to remove the image with all its names',
      });
    }
    const result = await this.deps.images.update((doc): RemoveResult => {
      const current = doc.images[image.id];
      if (!current) return { untagged: [], deleted: [] };
      if (byName) {
        const name = normaliseName(nameOrId);
        current.names = current.names.filter((n) => n !== name);
        return { untagged: [name], deleted: [] };
      }
      if (inUse && !opts.force) {
        throw new HullError('CONFLICT', `Cannot remove image "${nameOrId}": it is used by a container`, {
          hint: 'remove the container first ("hull ps -a" lists them), or use "hull rmi -f"',
        });
      }
      delete doc.images[image.id];
      return { untagged: current.names, deleted: [image.id] };
    });
    for (const n of result.untagged) this.deps.events.emit('image', 'untag', image.id, { name: n });
    for (const d of result.deleted) this.deps.events.emit('image', 'delete', d, {});
    if (result.deleted.length > 0) await this.collectGarbage();
    return result;
  }

  /** Plans which blobs and layers no image, container or live lease needs, then deletes them (gc.ts). */
  async collectGarbage(): Promise<GcResult> {
    const { collectGarbage } = await import('./gc.js');
    return collectGarbage(this.deps);
  }

  /** The store's root directory (leases and scratch space live under it). */
  get root(): string {
    return dirname(this.deps.content.dir);
  }
}
