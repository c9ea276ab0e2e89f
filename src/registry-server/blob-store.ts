/**
 * BlobStore: content-addressed blobs shared by all repositories, plus per-repository links
 * that say which repository may serve which blob (distribution-spec: a blob is fetched through
 * a repository, /v2/<name>/blobs/<digest>, and must not leak across repositories).
 */
import type { Digest } from '../oci/digest.js';
import { blobDataPath, layerLinkPath } from './paths.js';
import type { BlobReader, StorageDriver } from './storage/driver.js';

export class BlobStore {
  constructor(private readonly driver: StorageDriver) {}

  /** Size of a blob the repository may read; undefined when unlinked or missing. */
  async stat(repo: string, d: Digest): Promise<number | undefined> {
    if (!(await this.isLinked(repo, d))) return undefined;
    const info = await this.driver.stat(blobDataPath(d));
    return info?.size;
  }

  async isLinked(repo: string, d: Digest): Promise<boolean> {
    return (await this.driver.stat(layerLinkPath(repo, d))) !== undefined;
  }

  /** Opens a blob the repository may read, for ranged streaming. */
  async open(repo: string, d: Digest): Promise<BlobReader | undefined> {
    if (!(await this.isLinked(repo, d))) return undefined;
    return this.driver.reader(blobDataPath(d));
  }

  /** A presigned URL for a blob the repository may read, when the driver redirects; else undefined. */
  async redirectUrl(repo: string, d: Digest): Promise<string | undefined> {
    if (!this.driver.redirectUrl || (await this.stat(repo, d)) === undefined) return undefined;
    return this.driver.redirectUrl(blobDataPath(d));
  }

  /** Whether the shared store holds the blob, whichever repository pushed it. */
  async exists(d: Digest): Promise<boolean> {
    return (await this.driver.stat(blobDataPath(d))) !== undefined;
  }

  /**
   * Makes a verified file the blob `d`. A blob already stored is replaced all the same (identical
   * digests mean identical bytes): the move refreshes its modTime, which is what protects a
   * push in progress from GC's sweep (gc.ts), with no touch or ctime the object stores lack.
   */
  async commitFile(src: string, d: Digest): Promise<void> {
    await this.driver.move(src, blobDataPath(d));
  }

  /** Stores small verified content (manifests) as a blob, refreshing its modTime (see commitFile). */
  async putBytes(d: Digest, bytes: Uint8Array): Promise<void> {
    await this.driver.putContent(blobDataPath(d), bytes);
  }

  async getBytes(d: Digest): Promise<Buffer | undefined> {
    return this.driver.getContent(blobDataPath(d));
  }

  /** Grants the repository read access (commitFile/putBytes refreshed the blob's modTime for GC). */
  async link(repo: string, d: Digest): Promise<void> {
    // Existence is the grant, so the link needs no fsync: after a crash it exists or not.
    await this.driver.putContent(layerLinkPath(repo, d), d, { durable: false });
  }

  /** Removes the repository's access; the shared bytes stay until GC. Returns false when unlinked. */
  async unlink(repo: string, d: Digest): Promise<boolean> {
    if (!(await this.isLinked(repo, d))) return false;
    await this.driver.delete(layerLinkPath(repo, d));
    return true;
  }
}
