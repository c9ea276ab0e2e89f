/**
 * Garbage collection of blobs and layers: plan first (a pure function over what exists and what is
 * held), then delete. Roots are every recorded image (its manifest, config and layer blobs, its
 * layer chainIDs), the layers under containers' views, what live leases hold (lease.ts), and the
 * roots other modules keep between runs in <root>/gc-roots/ (the build cache; see gcRootsPath).
 * The whole run holds <root>/leases/gc.lock, so no lease appears or grows half-way through.
 */
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeJsonAtomic } from '../sys/atomic-write.js';
import type { BlobReader, ContentAdmin } from '../content/store.js';
import type { Snapshotter } from '../snapshots/snapshotter.js';
import { chainIds } from '../oci/chain-id.js';
import { parseImageConfig } from '../oci/image-config.js';
import { parseManifest } from '../oci/manifest.js';
import { MediaType } from '../oci/media-types.js';
import type { Digest } from '../oci/digest.js';
import { withLock } from '../sys/lock.js';
import type { ImageRecord, ImageStore } from './image-store.js';
import { readChild } from './image-index.js';
import { gcLockPath, liveLeases, reclaimLeftovers, type LiveLease } from './lease.js';

export interface GcDeps {
  content: ContentAdmin;
  images: ImageStore;
  snapshotter: () => Promise<Snapshotter>;
  imagesInUse: () => Set<string>;
}

export interface GcResult {
  blobs: Digest[];
  layers: string[];
  /** Bytes of the deleted blobs. */
  reclaimed: number;
}

/** The blobs and layers an image needs; missing or broken metadata yields what could be read. */
export function imageRoots(content: BlobReader, image: ImageRecord): { blobs: Digest[]; layers: Digest[] } {
  const blobs: Digest[] = [image.manifest, image.id];
  const layers: Digest[] = [];
  try {
    const parsed = parseManifest(content.readBytes(image.manifest), image.manifestMediaType);
    // A manifest list keeps every child it names: their manifests, configs and layer blobs, and
    // the unpacked layers of those that were unpacked (image-index.ts).
    const manifests = parsed.kind === 'manifest' ? [parsed.manifest] : parsed.index.manifests.flatMap((d) => {
      blobs.push(d.digest);
      const m = readChild(content, d);
      return m ? [m] : [];
    });
    for (const m of manifests) {
      blobs.push(m.config.digest, ...m.layers.map((l) => l.digest));
      try {
        layers.push(...chainIds(parseImageConfig(content.readBytes(m.config.digest)).rootfs.diff_ids));
      } catch {
        // a missing config keeps what could be read
      }
    }
    return { blobs, layers };
  } catch {
    return { blobs, layers };
  }
}

function isIndexBlob(content: BlobReader, digest: Digest): boolean {
  try {
    return parseManifest(content.readBytes(digest)).kind === 'index';
  } catch {
    return false;
  }
}

function configLayers(content: BlobReader, id: Digest): Digest[] {
  try {
    return chainIds(parseImageConfig(content.readBytes(id)).rootfs.diff_ids);
  } catch {
    return [];
  }
}

/**
 * Kept roots: <root>/gc-roots/<owner>.json, version 1, {"version": 1, "digests": [...], "chainIDs": [...]},
 * replaced whole by its owner through writeGcRoots (under gc.lock, so a GC sees the old or the new list).
 */
export function gcRootsPath(root: string, owner: string): string {
  return join(root, 'gc-roots', `${owner}.json`);
}

export async function writeGcRoots(root: string, owner: string, roots: { digests: readonly string[]; chainIDs: readonly string[] }): Promise<void> {
  mkdirSync(join(root, 'gc-roots'), { recursive: true });
  mkdirSync(dirname(gcLockPath(root)), { recursive: true });
  await withLock(gcLockPath(root), () => writeJsonAtomic(gcRootsPath(root, owner), { version: 1, digests: [...roots.digests], chainIDs: [...roots.chainIDs] }));
}

function readGcRoots(root: string): { digests: string[]; chainIDs: string[] } {
  const out = { digests: [] as string[], chainIDs: [] as string[] };
  let names: string[];
  try {
    names = readdirSync(join(root, 'gc-roots')).filter((n) => n.endsWith('.json'));
  } catch {
    return out;
  }
  for (const name of names) {
    // An unreadable roots file keeps nothing extra; its owner rewrites it whole on its next change.
    try {
      const doc = JSON.parse(readFileSync(join(root, 'gc-roots', name), 'utf8')) as { digests?: string[]; chainIDs?: string[] };
      out.digests.push(...(doc.digests ?? []));
      out.chainIDs.push(...(doc.chainIDs ?? []));
    } catch {
      // being replaced: rename is atomic, so this is a file of another shape
    }
  }
  return out;
}

export interface GcInput {
  blobs: Array<{ digest: Digest; mtimeMs: number }>;
  layers: string[];
  keepBlobs: ReadonlySet<string>;
  keepLayers: ReadonlySet<string>;
  leases: readonly LiveLease[];
}

/** Pure: what may be deleted. Anything a lease holds, or newer than the oldest live lease, stays. */
export function planGarbage(input: GcInput): { blobs: Digest[]; layers: string[] } {
  const leasedBlobs = new Set(input.leases.flatMap((l) => l.digests));
  const leasedLayers = new Set(input.leases.flatMap((l) => l.chainIDs ?? []));
  const oldest = Math.min(...input.leases.map((l) => l.created));
  // A second of slack: file mtimes and Date.now() are not the same clock reading.
  const cutoff = Number.isFinite(oldest) ? oldest - 1000 : Infinity;
  const layersOpaque = input.leases.some((l) => l.chainIDs === null);
  return {
    blobs: input.blobs.filter((b) => !input.keepBlobs.has(b.digest) && !leasedBlobs.has(b.digest) && b.mtimeMs < cutoff).map((b) => b.digest),
    layers: layersOpaque ? [] : input.layers.filter((l) => !input.keepLayers.has(l) && !leasedLayers.has(l)),
  };
}

export async function collectGarbage(deps: GcDeps): Promise<GcResult> {
  const root = dirname(deps.content.dir);
  const snapshotter = await deps.snapshotter();
  mkdirSync(dirname(gcLockPath(root)), { recursive: true }); // a store where no lease was ever taken
  return withLock(gcLockPath(root), async () => {
    const leases = liveLeases(root);
    const plan = await deps.images.update(() => {
      const keepBlobs = new Set<string>();
      const keepLayers = new Set<string>();
      for (const image of deps.images.list()) {
        const r = imageRoots(deps.content, image);
        for (const b of r.blobs) keepBlobs.add(b);
        for (const l of r.layers) keepLayers.add(l);
      }
      const kept = readGcRoots(root);
      for (const b of kept.digests) keepBlobs.add(b);
      for (const l of kept.chainIDs) keepLayers.add(l);
      // Containers' views use their image's layers as lowerdirs (the image record may be gone after rmi -f).
      // The image id is its config's digest, so the config alone names those layers.
      for (const id of deps.imagesInUse()) {
        keepBlobs.add(id);
        for (const l of configLayers(deps.content, id as Digest)) keepLayers.add(l);
        // A container made from a manifest list names the list's index: keep what the index names.
        if (isIndexBlob(deps.content, id as Digest)) {
          const r = imageRoots(deps.content, { id: id as Digest, manifest: id as Digest, manifestMediaType: MediaType.OciIndex, created: '', names: [] });
          for (const b of r.blobs) keepBlobs.add(b);
          for (const l of r.layers) keepLayers.add(l);
        }
      }
      const blobs = deps.content.list().flatMap((digest) => {
        try {
          return [{ digest, mtimeMs: deps.content.blobInfo(digest).mtimeMs }];
        } catch {
          return [];
        }
      });
      return planGarbage({ blobs, layers: snapshotter.listLayers(), keepBlobs, keepLayers, leases });
    });
    let reclaimed = 0;
    for (const b of plan.blobs) {
      try {
        reclaimed += deps.content.blobInfo(b).size;
      } catch {
        // gone already
      }
      deps.content.delete(b);
    }
    for (const l of plan.layers) await snapshotter.removeLayer(l);
    reclaimLeftovers(root);
    return { blobs: plan.blobs, layers: plan.layers, reclaimed };
  });
}
