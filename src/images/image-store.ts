/**
 * ImageStore: which images exist and the names that point at them.
 *
 *   <root>/images.json       version 1, replaced atomically under <root>/images.lock
 *   { "version": 1,
 *     "images": { "<id>": { "id", "manifest", "manifestMediaType", "created", "names": [...],
 *                          "digests"?: ["repository@sha256:..."],   docker's RepoDigests (pulls)
 *                          "damaged"?: "why" } } }     set by `hull system check --repair`
 *
 * An image's id is its config digest (as docker and podman use). Names are fully qualified
 * references (docker.io/library/busybox:latest) and belong to one image at a time: tagging a name
 * onto a new image leaves the old one untagged ("<none>"), as docker does. Manifests and configs
 * live in the content store; this file only points at them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HullError, errnoCode } from '../errors.js';
import { writeJsonAtomic } from '../sys/atomic-write.js';
import { updateLocked } from '../sys/lock.js';
import type { Digest } from '../oci/digest.js';
import type { WriteLease } from '../content/store.js';
import { familiarString, formatReference, parseReference } from '../oci/reference.js';

export interface ImageRecord {
  id: Digest;
  manifest: Digest;
  manifestMediaType: string;
  created: string;
  names: string[];
  /** Where it was pulled from, by digest: `docker.io/library/busybox@sha256:...` (docker's RepoDigests). */
  digests?: string[];
  /** Set by `hull system check --repair` when a blob is missing or corrupt; a pull or load of the image clears it. */
  damaged?: string;
}

interface ImagesFile {
  version: 1;
  images: Record<string, ImageRecord>;
}

export class ImageStore {
  private readonly path: string;
  private readonly lockPath: string;

  constructor(root: string) {
    this.path = join(root, 'images.json');
    this.lockPath = join(root, 'images.lock');
  }

  private read(): ImagesFile {
    try {
      const doc = JSON.parse(readFileSync(this.path, 'utf8')) as ImagesFile;
      if (doc.version !== 1) throw new HullError('UNSUPPORTED', `Cannot read "${this.path}": layout version ${String(doc.version)} is newer than this hull`);
      return doc;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return { version: 1, images: {} };
      throw err;
    }
  }

  /** Read-modify-write under the store lock; `fn` mutates the document. */
  async update<T>(fn: (doc: ImagesFile) => T): Promise<T> {
    return updateLocked(this.lockPath, { read: () => this.read(), write: (doc) => writeJsonAtomic(this.path, doc) }, fn);
  }

  list(): ImageRecord[] {
    return Object.values(this.read().images);
  }

  /**
   * Records an image (or updates its manifest) and moves `names` onto it. Only under the lease that
   * protected its blobs and layers while they were written (lease.ts): after it, GC sees the record.
   */
  async add(record: Omit<ImageRecord, 'names'>, names: readonly string[], lease: WriteLease, repoDigests: readonly string[] = [], expect?: { name: string; on: Digest | undefined }): Promise<ImageRecord> {
    lease.assertHeld('record an image');
    return this.update((doc) => {
      // Compare-and-set for read-modify-write callers (a manifest list changed by two commands at once).
      if (expect && Object.values(doc.images).find((i) => i.names.includes(expect.name))?.id !== expect.on) {
        throw new HullError('CONFLICT', `Cannot record "${displayName(expect.name)}": it changed while this command ran`, { hint: 'run the command again' });
      }
      const existing = doc.images[record.id];
      const image: ImageRecord = existing ?? { ...record, names: [] };
      if (image.damaged !== undefined) {
        // Whoever records an image again has written all the blobs of its manifest: healed, with
        // that manifest (a docker-archive load builds another one for the same config).
        image.manifest = record.manifest;
        image.manifestMediaType = record.manifestMediaType;
        delete image.damaged;
      }
      doc.images[record.id] = image;
      for (const name of names) moveName(doc, name, image);
      if (repoDigests.length > 0) image.digests = [...new Set([...(image.digests ?? []), ...repoDigests])];
      return image;
    });
  }

  /** Finds by name (any form docker accepts), full id, or unique id prefix. */
  find(nameOrId: string): ImageRecord | undefined {
    return findIn(this.read(), nameOrId);
  }

  get(nameOrId: string): ImageRecord {
    const image = this.find(nameOrId);
    if (!image) {
      throw new HullError('NOT_FOUND', `Cannot find image "${nameOrId}": no such image in the local store`, {
        hint: 'list local images with "hull images", or import one with "hull import"',
      });
    }
    return image;
  }
}

export function normaliseName(name: string): string {
  return formatReference(parseReference(name));
}

export function displayName(name: string): string {
  return familiarString(parseReference(name));
}

function moveName(doc: ImagesFile, name: string, to: ImageRecord): void {
  for (const other of Object.values(doc.images)) other.names = other.names.filter((n) => n !== name);
  to.names.push(name);
}

function findIn(doc: ImagesFile, nameOrId: string): ImageRecord | undefined {
  const hex = nameOrId.startsWith('sha256:') ? nameOrId.slice(7) : nameOrId;
  if (/^[a-f0-9]{64}$/.test(hex)) return doc.images[`sha256:${hex}`];
  let full: string | undefined;
  try {
    full = normaliseName(nameOrId);
  } catch {
    full = undefined;
  }
  if (full !== undefined && full.includes('@')) {
    // repository@digest: the image pulled as that, else the one whose manifest it is.
    const digest = full.slice(full.indexOf('@') + 1);
    const repoDigest = `${full.slice(0, full.indexOf('@')).replace(/:[^/:]*$/, '')}@${digest}`;
    return Object.values(doc.images).find((i) => i.digests?.includes(repoDigest)) ?? Object.values(doc.images).find((i) => i.manifest === digest);
  }
  if (full !== undefined) {
    const byName = Object.values(doc.images).find((i) => i.names.includes(full));
    if (byName) return byName;
  }
  if (/^[a-f0-9]{3,63}$/.test(hex)) {
    const matches = Object.values(doc.images).filter((i) => i.id.slice(7).startsWith(hex));
    if (matches.length === 1) return matches[0];
    if (matches.length > 1) throw new HullError('CONFLICT', `Cannot resolve image "${nameOrId}": the ID prefix is ambiguous`, { hint: 'give more characters of the ID' });
  }
  return undefined;
}
