/**
 * ManifestStore: manifests per repository, tags, and the referrers index.
 * A manifest's bytes are a blob in the shared store (so GC and dedup treat them like layers); the
 * repository holds a revision link carrying the media type, tags point at revisions, and a
 * manifest with a `subject` leaves its descriptor under _referrers/<subject> (spec.md#listing-referrers).
 */
import { createHash } from 'node:crypto';
import { HullError } from '../errors.js';
import { digestAlgorithm, sha256, type Digest } from '../oci/digest.js';
import type { BlobStore } from './blob-store.js';
import { settleFence, snapshotFence } from './gc-fence.js';
import { parseManifestFacts, type ManifestFacts, type PointedDescriptor } from './manifest-rules.js';
import type { ManifestRef } from './names.js';
import { referrerPath, referrersDir, revisionLinkPath, revisionsDir, tagLinkPath, tagsDir } from './paths.js';
import type { StorageDriver } from './storage/driver.js';

export interface StoredManifest {
  digest: Digest;
  mediaType: string;
  bytes: Buffer;
}

export interface PutManifestResult {
  digest: Digest;
  subject?: Digest;
}

function manifestUnknown(repo: string, ref: string): HullError {
  return new HullError('MANIFEST_UNKNOWN', `Cannot find manifest "${ref}" in repository "${repo}"`);
}

export class ManifestStore {
  constructor(
    private readonly driver: StorageDriver,
    private readonly blobs: BlobStore,
  ) {}

  /** The digest a tag points at; undefined when the tag does not exist. */
  async resolveTag(repo: string, tag: string): Promise<Digest | undefined> {
    const link = await this.driver.getContent(tagLinkPath(repo, tag));
    return link ? (link.toString('utf8').trim() as Digest) : undefined;
  }

  /** The stored media type of a revision; undefined when the repository lacks it. */
  async revisionType(repo: string, d: Digest): Promise<string | undefined> {
    const link = await this.driver.getContent(revisionLinkPath(repo, d));
    return link?.toString('utf8');
  }

  async get(repo: string, ref: ManifestRef): Promise<StoredManifest> {
    const refText = ref.kind === 'tag' ? ref.tag : ref.digest;
    const digest = ref.kind === 'tag' ? await this.resolveTag(repo, ref.tag) : ref.digest;
    if (!digest) throw manifestUnknown(repo, refText);
    const mediaType = await this.revisionType(repo, digest);
    if (mediaType === undefined) throw manifestUnknown(repo, refText);
    const bytes = await this.blobs.getBytes(digest);
    if (!bytes) throw manifestUnknown(repo, refText);
    return { digest, mediaType, bytes };
  }

  /**
   * Validates and stores a manifest. Refuses one whose blobs or child manifests the repository
   * lacks (MANIFEST_BLOB_UNKNOWN), so a pull of anything the registry accepted can complete.
   */
  async put(repo: string, ref: ManifestRef, bytes: Buffer, contentType: string | undefined): Promise<PutManifestResult> {
    const facts = parseManifestFacts(bytes, contentType);
    // A PUT by digest is stored under that digest (sha256 or sha512) once verified; by tag, sha256.
    const digest = ref.kind === 'digest' ? ref.digest : sha256(bytes);
    if (ref.kind === 'digest') {
      const alg = digestAlgorithm(ref.digest);
      if (`${alg}:${createHash(alg).update(bytes).digest('hex')}` !== ref.digest) {
        throw new HullError('INVALID_DIGEST', `Cannot accept manifest "${ref.digest}": its content has digest ${sha256(bytes)}`);
      }
    }
    const tag = ref.kind === 'tag' ? ref.tag : undefined;
    const fence = await snapshotFence(this.driver);
    await this.checkPointers(repo, facts);
    const before = { hadRevision: (await this.revisionType(repo, digest)) !== undefined, tagTarget: tag === undefined ? undefined : await this.resolveTag(repo, tag) };
    await this.store(repo, tag, digest, bytes, facts);
    await this.settleWithGc(repo, tag, digest, bytes, facts, fence, before);
    return { digest, ...(facts.subject ? { subject: facts.subject.digest } : {}) };
  }

  /**
   * The writer's half of the GC fence (gc-fence.ts): when a sweep overlapped this push, verify
   * that everything the manifest references is still there and that its own bytes, revision and
   * tag are; restore those (the push holds them) and look again, or undo the push and refuse.
   */
  private async settleWithGc(repo: string, tag: string | undefined, digest: Digest, bytes: Buffer, facts: ManifestFacts, fence: string[], before: { hadRevision: boolean; tagTarget: Digest | undefined }): Promise<void> {
    const refs = { blobs: [digest, ...facts.blobs], manifests: [digest, ...facts.manifests].map((d) => `${repo}@${d}`) };
    for (let round = 0; ; round++) {
      if ((await settleFence(this.driver, fence, refs)) === 'clean') return;
      try {
        await this.checkPointers(repo, facts);
      } catch (err) {
        if (!before.hadRevision) {
          await this.driver.delete(revisionLinkPath(repo, digest));
          if (facts.subject) await this.driver.delete(referrerPath(repo, facts.subject.digest, digest));
        }
        if (tag !== undefined && (await this.resolveTag(repo, tag)) === digest) {
          if (before.tagTarget) await this.driver.putContent(tagLinkPath(repo, tag), before.tagTarget);
          else await this.driver.delete(tagLinkPath(repo, tag));
        }
        throw err;
      }
      const intact = (await this.blobs.exists(digest)) && (await this.revisionType(repo, digest)) !== undefined && (tag === undefined || (await this.resolveTag(repo, tag)) === digest);
      if (intact) return;
      if (round >= 5) throw new HullError('UNAVAILABLE', `Cannot store manifest ${digest} in "${repo}": garbage collection keeps removing it`, { hint: 'retry the push after the collection ends' });
      fence = await snapshotFence(this.driver);
      await this.store(repo, tag, digest, bytes, facts);
    }
  }

  /**
   * Stores a manifest a pull-through cache fetched and verified (proxy/cache.ts). Its blobs are
   * not required: the cache fetches each on its first pull.
   */
  async putCached(repo: string, tag: string | undefined, digest: Digest, bytes: Buffer, contentType: string): Promise<void> {
    await this.store(repo, tag, digest, bytes, parseManifestFacts(bytes, contentType));
  }

  /** When the tag was last written (pushed or refreshed by the cache); undefined when absent. */
  async tagTime(repo: string, tag: string): Promise<Date | undefined> {
    return (await this.driver.stat(tagLinkPath(repo, tag)))?.modTime;
  }

  private async store(repo: string, tag: string | undefined, digest: Digest, bytes: Buffer, facts: ManifestFacts): Promise<void> {
    await this.blobs.putBytes(digest, bytes);
    await this.driver.putContent(revisionLinkPath(repo, digest), facts.mediaType);
    if (facts.subject) await this.indexReferrer(repo, facts, digest, bytes.length);
    if (tag !== undefined) await this.driver.putContent(tagLinkPath(repo, tag), digest);
  }

  /** DELETE by digest removes the revision, every tag on it and its referrer entry; by tag, only the tag. */
  async delete(repo: string, ref: ManifestRef): Promise<void> {
    if (ref.kind === 'tag') {
      if (!(await this.resolveTag(repo, ref.tag))) throw manifestUnknown(repo, ref.tag);
      await this.driver.delete(tagLinkPath(repo, ref.tag));
      return;
    }
    const stored = await this.get(repo, ref);
    for (const tag of await this.tags(repo)) {
      if ((await this.resolveTag(repo, tag)) === ref.digest) await this.driver.delete(tagLinkPath(repo, tag));
    }
    const facts = safeFacts(stored);
    if (facts?.subject) await this.driver.delete(referrerPath(repo, facts.subject.digest, ref.digest));
    await this.driver.delete(revisionLinkPath(repo, ref.digest));
  }

  async tags(repo: string): Promise<string[]> {
    return this.driver.list(tagsDir(repo));
  }

  async revisions(repo: string): Promise<Digest[]> {
    const out: Digest[] = [];
    for (const alg of await this.driver.list(revisionsDir(repo))) {
      for (const hex of await this.driver.list(`${revisionsDir(repo)}/${alg}`)) out.push(`${alg}:${hex}` as Digest);
    }
    return out;
  }

  /** Descriptors of the manifests whose subject is `subject`, optionally of one artifactType. */
  async referrers(repo: string, subject: Digest, artifactType?: string): Promise<PointedDescriptor[]> {
    const dir = referrersDir(repo, subject);
    const out: PointedDescriptor[] = [];
    for (const entry of await this.driver.list(dir)) {
      const raw = await this.driver.getContent(`${dir}/${entry}`);
      if (!raw) continue;
      const desc = JSON.parse(raw.toString('utf8')) as PointedDescriptor;
      if (artifactType === undefined || desc.artifactType === artifactType) out.push(desc);
    }
    return out;
  }

  private async checkPointers(repo: string, facts: ManifestFacts): Promise<void> {
    for (const d of facts.blobs) {
      if ((await this.blobs.stat(repo, d)) === undefined) {
        throw new HullError('MANIFEST_BLOB_UNKNOWN', `Cannot accept manifest in "${repo}": blob ${d} is not in the repository`, {
          hint: 'push the config and every layer before the manifest',
        });
      }
    }
    for (const d of facts.manifests) {
      if ((await this.revisionType(repo, d)) === undefined) {
        throw new HullError('MANIFEST_BLOB_UNKNOWN', `Cannot accept index in "${repo}": manifest ${d} is not in the repository`, {
          hint: 'push every child manifest before the index',
        });
      }
    }
  }

  private async indexReferrer(repo: string, facts: ManifestFacts, digest: Digest, size: number): Promise<void> {
    const desc: PointedDescriptor = { mediaType: facts.mediaType, digest, size };
    if (facts.artifactType) desc.artifactType = facts.artifactType;
    if (facts.annotations) desc.annotations = facts.annotations;
    await this.driver.putContent(referrerPath(repo, facts.subject!.digest, digest), JSON.stringify(desc));
  }
}

/** Facts of a stored manifest; undefined if it cannot be parsed (it was valid when stored). */
export function safeFacts(stored: StoredManifest): ManifestFacts | undefined {
  try {
    return parseManifestFacts(stored.bytes, stored.mediaType);
  } catch {
    return undefined;
  }
}
