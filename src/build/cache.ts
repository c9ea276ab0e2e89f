/**
 * The build cache: which intermediate image a step produced, by the step's cache key.
 *
 *   <root>/build-cache/                   layout version 1
 *     index.json    { "version": 1, "entries": { "<key hex>": {
 *                       "config": <digest>, "manifest": <digest>,      the image after the step
 *                       "blobs": [<digest>...], "chainIDs": [<digest>...], what it needs kept
 *                       "created": <iso>, "lastUsed": <iso> } } }
 *     index.lock    held for each read-modify-write
 *     mounts/<id>/  the directories of RUN --mount=type=cache
 *   <root>/gc-roots/build-cache.json      every entry's blobs and chainIDs (images/gc.ts keeps them)
 *
 * A key is the sha256 of the parent state's config digest, the instruction after expansion and,
 * for COPY/ADD, the hash of what is copied; for RUN --mount=type=bind, of what is bound (cacheKey). An entry is written after its blobs and
 * layers are committed, and the GC roots right after, both while the build holds a lease; so a
 * kill -9 leaves either no entry or a complete one. `hull builder prune` empties the index, then GC
 * collects what nothing else needs.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { HullError, errnoCode } from '../errors.js';
import { sha256, type Digest } from '../oci/digest.js';
import { writeJsonAtomic } from '../sys/atomic-write.js';
import { updateLocked } from '../sys/lock.js';
import { writeGcRoots } from '../images/gc.js';

export interface CacheEntry {
  config: Digest;
  manifest: Digest;
  blobs: Digest[];
  chainIDs: Digest[];
  created: string;
  lastUsed: string;
}

interface CacheFile {
  version: 1;
  entries: Record<string, CacheEntry>;
}

/** Pure: the key of a step. */
export function cacheKey(parent: string, instruction: string, content = ''): string {
  return sha256(JSON.stringify([parent, instruction, content])).slice(7);
}

export class BuildCache {
  private readonly dir: string;

  constructor(private readonly root: string) {
    this.dir = join(root, 'build-cache');
  }

  private get indexPath(): string {
    return join(this.dir, 'index.json');
  }

  private read(): CacheFile {
    try {
      const doc = JSON.parse(readFileSync(this.indexPath, 'utf8')) as CacheFile;
      if (doc.version !== 1) throw new HullError('UNSUPPORTED', `Cannot read "${this.indexPath}": layout version ${String(doc.version)} is newer than this hull`);
      return doc;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return { version: 1, entries: {} };
      throw err;
    }
  }

  private async update<T>(fn: (doc: CacheFile) => T): Promise<T> {
    mkdirSync(this.dir, { recursive: true });
    return updateLocked(join(this.dir, 'index.lock'), {
      read: () => this.read(),
      write: async (doc) => {
        writeJsonAtomic(this.indexPath, doc);
        await this.writeRoots(doc);
      },
    }, fn);
  }

  private async writeRoots(doc: CacheFile): Promise<void> {
    const digests = new Set<string>();
    const chainIDs = new Set<string>();
    for (const e of Object.values(doc.entries)) {
      for (const b of [e.config, e.manifest, ...e.blobs]) digests.add(b);
      for (const c of e.chainIDs) chainIDs.add(c);
    }
    await writeGcRoots(this.root, 'build-cache', { digests: [...digests], chainIDs: [...chainIDs] });
  }

  /** The entry for `key`, when its blobs are all still there (a half-pruned store misses). */
  find(key: string, has: (d: Digest) => boolean): CacheEntry | undefined {
    const entry = this.read().entries[key];
    if (!entry) return undefined;
    return [entry.config, entry.manifest, ...entry.blobs].every(has) ? entry : undefined;
  }

  async record(key: string, entry: Omit<CacheEntry, 'created' | 'lastUsed'>): Promise<void> {
    const now = new Date().toISOString();
    await this.update((doc) => {
      doc.entries[key] = { ...entry, created: doc.entries[key]?.created ?? now, lastUsed: now };
    });
  }

  list(): Array<CacheEntry & { key: string }> {
    return Object.entries(this.read().entries).map(([key, e]) => ({ ...e, key }));
  }

  /** Removes every entry (and the cache mounts); returns how many entries there were. */
  async prune(): Promise<number> {
    const n = await this.update((doc) => {
      const count = Object.keys(doc.entries).length;
      doc.entries = {};
      return count;
    });
    rmSync(this.mountsDir, { recursive: true, force: true });
    return n;
  }

  get mountsDir(): string {
    return join(this.dir, 'mounts');
  }

  /** The host directory behind `RUN --mount=type=cache,id=...`. */
  mountDir(id: string): string {
    const d = join(this.mountsDir, sha256(id).slice(7, 39));
    mkdirSync(d, { recursive: true });
    return d;
  }
}
